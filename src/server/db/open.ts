import { mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { schema, type Schema } from './schema.js';

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
}

export async function openDb(opts: OpenOptions = {}): Promise<DbHandle> {
  const handle = opts.url ? await openPostgres(opts.url, opts.poolSize ?? 10, opts.replicaUrl) : await openPglite(opts.dataDir, opts.image);
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

async function openPostgres(url: string, max: number, replicaUrl?: string): Promise<DbHandle> {
  const { default: pg } = await import('pg');
  // bigint (int8) comes back as a string by default; amounts and seqs fit in 2^53.
  pg.types.setTypeParser(20, (v: string) => Number(v));
  const { drizzle } = await import('drizzle-orm/node-postgres');
  const pool = new pg.Pool({ connectionString: url, max });
  pool.on('error', () => { /* an idle client died; the pool replaces it */ });
  const db = drizzle(pool, { schema }) as unknown as Db;
  const replicaPool = replicaUrl ? new pg.Pool({ connectionString: replicaUrl, max }) : undefined;
  replicaPool?.on('error', () => { /* as above */ });
  const replica = replicaPool ? drizzle(replicaPool, { schema }) as unknown as Db : undefined;
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
  const listeners: InstanceType<typeof pg.Client>[] = [];
  return {
    db,
    kind: 'postgres',
    ...(replica ? { replica } : {}),
    migrate,
    pool: () => ({ size: max, waiting: pool.waitingCount }),
    async listen(channel, onMessage) {
      const client = new pg.Client({ connectionString: url });
      client.on('error', () => { /* reconnect is the caller's choice; pokes are only hints */ });
      await client.connect();
      client.on('notification', (n) => { if (n.channel === channel) onMessage(n.payload ?? ''); });
      await client.query(`LISTEN ${quoteIdent(channel)}`);
      listeners.push(client);
      return async () => {
        const i = listeners.indexOf(client);
        if (i >= 0) listeners.splice(i, 1);
        await client.end().catch(() => {});
      };
    },
    async close() {
      await Promise.all(listeners.splice(0).map((c) => c.end().catch(() => {})));
      await replicaPool?.end();
      await pool.end();
    },
  };
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

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

