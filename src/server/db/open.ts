import { mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { Pool } from 'pg';
import { schema, type Schema } from './schema.js';
import { FailoverPool } from './failover-pool.js';
import { ResilientListener } from './listener.js';
import { parseMultiHostUrl, type TargetSessionAttrs } from './multi-host.js';

/** The drizzle handle both drivers give (PGlite and node-postgres share the pg-core query builder). */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
/** A transaction or the database itself: everything in src/server takes this. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0] | Db;

export interface DbHandle {
  db: Db;
  /** A streaming replica (DATABASE_REPLICA_URL) for the cabinet's reads; absent: everything on `db`. */
  replica?: Db;
  kind: 'pglite' | 'postgres';
  /** Subscribes to NOTIFY on a channel (pokes); returns an unsubscribe function. */
  listen(channel: string, onMessage: (payload: string) => void): Promise<() => Promise<void>>;
  /** PostgreSQL: the pool's size and how many queries wait for a connection now (backpressure); PGlite: absent. */
  pool?(): { size: number; waiting: number };
  /** Applies migrations/server with drizzle's migrator for this driver. */
  migrate(): Promise<void>;
  close(): Promise<void>;
}

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../../migrations/server/', import.meta.url));

/** Raw SQL returning rows, for both drivers (their `execute` results differ in type but both carry `rows`). */
export async function query<T>(db: Tx, q: SQL): Promise<T[]> {
  const res = (await db.execute(q)) as unknown as { rows: T[] };
  return res.rows;
}

export interface OpenOptions {
  /** postgres://… ; when absent, PGlite is used. */
  url?: string;
  /** PGlite data folder; absent with no url = in memory (tests). */
  dataDir?: string;
  /** Apply migrations (default true). */
  migrate?: boolean;
  /** Pool size for PostgreSQL (default 10; `canteen server` reads CANTEEN_DB_POOL). */
  poolSize?: number;
  /** postgres://… of a streaming replica (read-only; cabinet statements). */
  replicaUrl?: string;
  /** PGlite in memory, started from a dumped data folder (tests start from an already migrated image). */
  image?: Blob;
  /** Where a multi-host URL's failover says what it did (default: stderr). */
  log?: (line: string) => void;
}

export async function openDb(opts: OpenOptions = {}): Promise<DbHandle> {
  const handle = opts.url ? await openPostgres(opts.url, opts.poolSize ?? 10, opts.replicaUrl, opts.log ?? ((line) => { process.stderr.write(`${line}\n`); })) : await openPglite(opts.dataDir, opts.image);
  if (opts.migrate !== false) {
    try {
      await handle.migrate();
    } catch (err) {
      await handle.close();
      throw err;
    }
  }
  return handle;
}

async function openPostgres(url: string, max: number, replicaUrl: string | undefined, log: (line: string) => void): Promise<DbHandle> {
  const { default: pg } = await import('pg');
  // bigint (int8) comes back as a string by default; amounts and seqs fit in 2^53.
  pg.types.setTypeParser(20, (v: string) => Number(v));
  const { drizzle } = await import('drizzle-orm/node-postgres');
  const primary = await openPool(pg, url, max, 'read-write', log);
  const { pool } = primary;
  const db = drizzle(pool as Pool, { schema }) as unknown as Db;
  let replicaPool: Awaited<ReturnType<typeof openPool>> | undefined;
  try {
    // A multi-host replica URL: any standby of the list, else whichever host answers (the primary).
    replicaPool = replicaUrl ? await openPool(pg, replicaUrl, max, 'prefer-standby', log, 'database replica') : undefined;
  } catch (err) {
    await pool.end();
    throw err;
  }
  const replica = replicaPool ? drizzle(replicaPool.pool as Pool, { schema }) as unknown as Db : undefined;
  const migrate = async () => {
    const { migrate: run } = await import('drizzle-orm/node-postgres/migrator');
    // Several server processes may start at once: one migrates, the others wait on the lock.
    const lockClient = await pool.connect();
    try {
      await lockClient.query('SELECT pg_advisory_lock(724012013)');
      await run(db as never, { migrationsFolder: MIGRATIONS_DIR });
    } finally {
      await lockClient.query('SELECT pg_advisory_unlock(724012013)').catch(() => {});
      lockClient.release();
    }
  };
  const listeners = new Set<ResilientListener>();
  return {
    db,
    kind: 'postgres',
    ...(replica ? { replica } : {}),
    migrate,
    pool: () => ({ size: max, waiting: pool.waitingCount }),
    async listen(channel, onMessage) {
      const listener = new ResilientListener(pg, primary.urlNow, channel, onMessage, log);
      await listener.start();
      listeners.add(listener);
      // After a failover the LISTEN connection follows the pool to the new primary.
      const unmoved = primary.onSwap(() => listener.moved());
      return async () => {
        unmoved();
        listeners.delete(listener);
        await listener.close();
      };
    },
    async close() {
      await Promise.all([...listeners].map((l) => l.close()));
      listeners.clear();
      await replicaPool?.pool.end();
      await pool.end();
    },
  };
}

/**
 * A single-host URL opens a plain pg.Pool, as always; a multi-host one (libpq's
 * `host1:port1,host2:port2` with target_session_attrs) a FailoverPool that finds the right host
 * and moves when it fails (failover-pool.ts). `fallback` is the target when the URL names none.
 */
async function openPool(pg: typeof import('pg').default, url: string, max: number, fallback: TargetSessionAttrs, log: (line: string) => void, name = 'database') {
  const parsed = /^postgres(ql)?:\/\/[^/?]*,/i.test(url) ? parseMultiHostUrl(url) : undefined;
  if (!parsed || parsed.hosts.length < 2) {
    const pool = new pg.Pool({ connectionString: url, max });
    pool.on('error', () => { /* an idle client died; the pool replaces it */ });
    guardClients(pool);
    return { pool, urlNow: () => url, onSwap: () => () => {} };
  }
  const target = parsed.targetGiven ? parsed.targetSessionAttrs : fallback;
  const pool = await FailoverPool.open(pg, parsed, target, {
    pool: { max }, connectTimeoutMs: 5_000, log,
    name,
  });
  return { pool, urlNow: () => pool.currentUrl(), onSwap: (fn: () => void) => pool.onSwap(fn) };
}

/**
 * pg-pool takes its 'error' listener off a client while it is checked out, and node-postgres emits
 * 'error' when the socket dies (a database restart, a failover) even with a query running: with no
 * listener that is an uncaught exception and the server process ends mid-transaction. The query
 * itself fails and the transaction rolls back; the pool drops the dead client on release.
 */
function guardClients(pool: Pool): void {
  pool.on('connect', (client) => { client.on('error', () => { /* the query in flight reports it */ }); });
}

async function openPglite(dataDir?: string, image?: Blob): Promise<DbHandle> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  let release = () => {};
  if (dataDir) {
    mkdirSync(dataDir, { recursive: true });
    release = lockDataDir(dataDir);
  }
  let client;
  try {
    // int8 as a JS number like pg below (kopecks and seqs stay far below 2^53).
    const parsers = { 20: (v: string) => Number(v) };
    client = dataDir ? await PGlite.create(path.join(dataDir, 'pgdata'), { parsers }) : await PGlite.create({ parsers, ...(image ? { loadDataDir: image } : {}) });
  } catch (err) {
    release();
    throw err;
  }
  const db = drizzle({ client, schema }) as unknown as Db;
  return {
    db,
    kind: 'pglite',
    async migrate() {
      const { migrate: run } = await import('drizzle-orm/pglite/migrator');
      await run(db as never, { migrationsFolder: MIGRATIONS_DIR });
    },
    async listen(channel, onMessage) {
      const unsub = await client.listen(channel, onMessage);
      return async () => { await unsub(); };
    },
    async close() {
      await client.close();
      release();
    },
  };
}

/**
 * PGlite is one process's embedded database: a second process opening the same
 * folder would corrupt it. A pid file refuses that with a clear message.
 */
function lockDataDir(dataDir: string): () => void {
  const lock = path.join(dataDir, 'canteen-server.lock');
  try {
    const pid = Number(readFileSync(lock, 'utf8').trim());
    if (pid && pid !== process.pid && isAlive(pid)) {
      throw new Error(
        `Папка данных ${dataDir} занята процессом ${pid} (встроенная база PGlite открывается только одним процессом). ` +
        'Остановите сервер или используйте PostgreSQL (DATABASE_URL).',
      );
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  writeFileSync(lock, String(process.pid));
  return () => { try { rmSync(lock); } catch { /* already gone */ } };
}

function isAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (err) { return (err as NodeJS.ErrnoException).code === 'EPERM'; }
}


