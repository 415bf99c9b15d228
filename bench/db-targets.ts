import type { DbHandle } from '../src/server/db/open.js';
import { createTestDb } from '../tests/server/helpers.js';

/** The PostgreSQL of a developer machine and CI (trust auth). */
export const LOCAL_PG = 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * Where server-side benchmarks run: DATABASE_URL when set; otherwise PGlite
 * (`undefined`), plus the local PostgreSQL when it answers, so one run prints
 * both figures.
 */
export async function dbTargets(): Promise<(string | undefined)[]> {
  if (process.env.DATABASE_URL) return [process.env.DATABASE_URL];
  const out: (string | undefined)[] = [undefined];
  try {
    const { default: pg } = await import('pg');
    const c = new pg.Client({ connectionString: LOCAL_PG, connectionTimeoutMillis: 1000 });
    await c.connect();
    await c.end();
    out.push(LOCAL_PG);
  } catch { /* no local PostgreSQL */ }
  return out;
}

/** A fresh database on `url` (its own database on PostgreSQL, in-memory PGlite when undefined). */
export async function freshDb(url: string | undefined): Promise<DbHandle> {
  const saved = process.env.DATABASE_URL;
  if (url) process.env.DATABASE_URL = url; else delete process.env.DATABASE_URL;
  try { return await createTestDb(); } finally {
    if (saved === undefined) delete process.env.DATABASE_URL; else process.env.DATABASE_URL = saved;
  }
}

/** Runs `fn` on a fresh database and closes (drops) it afterwards. */
export async function withDb<T>(url: string | undefined, fn: (h: DbHandle) => Promise<T>): Promise<T> {
  const h = await freshDb(url);
  try { return await fn(h); } finally { await h.close(); }
}
