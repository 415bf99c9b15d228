import { randomBytes } from 'node:crypto';
import { vi } from 'vitest';
import { command as serverCommand } from '../../src/cli/server.js';
import type { FastifyInstance } from 'fastify';
import { openDb, type DbHandle } from '../../src/server/db/open.js';
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
  if (!base) return openDb();
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
