import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { vi } from 'vitest';
import { command as serverCommand } from '../../src/cli/server.js';
import type { FastifyInstance } from 'fastify';
import { MIGRATIONS_DIR, openDb, type DbHandle } from '../../src/server/db/open.js';
import { buildServer, type ServerConfig } from '../../src/server/app.js';
import { seedDemo } from '../../src/server/admin/seed-demo.js';
import { createEnrollmentCode, redeemEnrollmentCode } from '../../src/server/auth.js';
import { DEMO_SCHOOL } from '../../src/core/demo-school.js';

/**
 * A fresh, migrated server database for one test file or case:
 * PGlite in memory by default; with DATABASE_URL set, a new database
 * `canteen_t_<random>` on that PostgreSQL server, dropped by `close()`.
 */
export async function createTestDb(): Promise<DbHandle & { url?: string }> {
  const base = process.env.DATABASE_URL;
  if (!base) return openMigratedPglite();
  const name = `canteen_t_${randomBytes(6).toString('hex')}`;
  const { default: pg } = await import('pg');
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try { await admin.query(`CREATE DATABASE ${name}`); } finally { await admin.end(); }
  const url = new URL(base);
  url.pathname = `/${name}`;
  const handle = await openDb({ url: url.toString(), poolSize: 5 });
  return {
    ...handle,
    url: url.toString(),
    async close() {
      await handle.close();
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      try { await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`); } finally { await c.end(); }
    },
  };
}

/**
 * PGlite in memory, started from a migrated image that the first test file of a run dumps
 * to the temp folder (keyed by the migrations' contents): running every migration took 1.5–3 s
 * per database, and the suites open about a hundred. `migrate()` still runs and finds nothing to do,
 * so a stale or foreign image cannot skip a migration.
 */
async function openMigratedPglite(): Promise<DbHandle> {
  const file = path.join(os.tmpdir(), `canteen-pglite-${migrationsKey()}.tar.gz`);
  if (existsSync(file)) {
    try {
      return await openDb({ image: new Blob([readFileSync(file)]) });
    } catch {
      // A half-written or unreadable image: migrate from scratch below and write it anew.
    }
  }
  const handle = await openDb();
  const client = (handle.db as unknown as { $client: { dumpDataDir(c: 'gzip'): Promise<Blob> } }).$client;
  const image = Buffer.from(await (await client.dumpDataDir('gzip')).arrayBuffer());
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(tmp, image);
  renameSync(tmp, file); // atomic: parallel workers never read a partial file
  return handle;
}

let key: string | undefined;
function migrationsKey(): string {
  if (key) return key;
  const h = createHash('sha256');
  const pkg = JSON.parse(readFileSync(new URL('../../node_modules/@electric-sql/pglite/package.json', import.meta.url), 'utf8')) as { version: string };
  h.update(pkg.version);
  for (const dir of [MIGRATIONS_DIR, path.join(MIGRATIONS_DIR, 'meta')]) {
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.sql') || n.endsWith('.json')).sort()) {
      h.update(f).update(readFileSync(path.join(dir, f)));
    }
  }
  return (key = h.digest('hex').slice(0, 16));
}

export interface TestServer {
  handle: DbHandle;
  app: FastifyInstance;
  /** http://127.0.0.1:<port> */
  url: string;
  /** Token of the demo terminal (terminal-24-1, school 24), enrolled through a one-time code. */
  token: string;
  terminalId: string;
  close(): Promise<void>;
}

/** Demo school seeded, demo terminal enrolled, server listening on a free port. */
export async function startTestServer(opts: { seed?: boolean; config?: ServerConfig; handle?: DbHandle } = {}): Promise<TestServer> {
  const handle = opts.handle ?? (await createTestDb());
  if (opts.seed !== false) await seedDemo(handle.db);
  const app = await buildServer(handle, opts.config);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  let token = '';
  let terminalId = DEMO_SCHOOL.terminal.id;
  if (opts.seed !== false) ({ token, terminalId } = await enrollDemoTerminal(handle));
  return {
    handle, app, url: `http://127.0.0.1:${port}`, token, terminalId,
    async close() { await app.close(); if (!opts.handle) await handle.close(); },
  };
}

/** A token for a terminal of a school (the demo terminal unless given), without HTTP. */
export async function enrollDemoTerminal(handle: DbHandle, terminalId: string = DEMO_SCHOOL.terminal.id, schoolId: string = DEMO_SCHOOL.school.id) {
  const { code } = await createEnrollmentCode(handle.db, { schoolId, terminalId });
  const res = await redeemEnrollmentCode(handle.db, code);
  return { token: res.token, terminalId: res.terminalId, pinPepper: res.pinPepper };
}

/** fetch with the terminal's token and JSON in/out. */
export async function api<T = unknown>(server: { url: string; token?: string }, method: string, path: string, body?: unknown, token = server.token): Promise<{ status: number; body: T }> {
  const res = await fetch(server.url + path, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}

/** `canteen server ARGS --data DIR` as an operator runs it, with what it printed to stdout and stderr. */
export async function runServerCli(dataDir: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => { out.push(a.join(' ')); });
  const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => { err.push(a.join(' ')); });
  try {
    const code = await serverCommand.run([...args, '--data', dataDir]);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}
