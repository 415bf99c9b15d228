import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { openServerDb } from '../../src/cli/server.js';
import { reviewFlags } from '../../src/server/db/schema.js';
import { cabinetSessions } from '../../src/server/db/cabinet-schema.js';
import type { DbHandle } from '../../src/server/db/open.js';
import { createTestDb, runServerCli } from './helpers.js';

/**
 * `canteen server flags …` and `housekeeping` as an operator runs them: on PGlite in a data
 * folder, or with DATABASE_URL pointed at a fresh test database (never the server's own one).
 */
let dir: string;
let pgTest: (DbHandle & { url?: string }) | undefined;
const savedUrl = process.env.DATABASE_URL;

const run = (...args: string[]) => runServerCli(dir, ...args);

/** The CLI's own database, opened and closed around `fn` (PGlite allows one open handle). */
async function withCliDb<T>(fn: (h: DbHandle) => Promise<T>): Promise<T> {
  const h = await openServerDb({ data: dir });
  try { return await fn(h); } finally { await h.close(); }
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'canteen-cli-'));
  if (savedUrl) {
    pgTest = await createTestDb();
    process.env.DATABASE_URL = pgTest.url;
  }
  expect((await run('seed-demo')).code).toBe(0);
  await withCliDb(async (h) => {
    await h.db.insert(reviewFlags).values([
      { schoolId: 'school-24', entryUuid: 'e-1', terminalId: 'terminal-24-1', accountNumber: '0242013187', reason: 'dailyLimit', message: 'Дневной лимит превышен' },
      { schoolId: 'school-24', entryUuid: 'e-2', terminalId: 'terminal-24-1', accountNumber: '0242013137', reason: 'cardBlocked', message: 'Продажа по заблокированной карте' },
    ]);
    await h.db.insert(cabinetSessions).values({ idHash: 'old', accountNumber: '0242013137', expiresAt: '2020-01-01T00:00:00Z', lastSeenAt: '2020-01-01T00:00:00Z' });
  });
}, 180_000);   // the CLI migrates an on-disk PGlite from scratch: slow on a loaded machine

afterAll(async () => {
  if (savedUrl) process.env.DATABASE_URL = savedUrl;
  await pgTest?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('canteen server flags', () => {
  it('lists open flags with their numbers; resolve records who and why; the flag stays', async () => {
    const ids = await withCliDb(async (h) => (await h.db.select().from(reviewFlags).orderBy(reviewFlags.id)).map((f) => f.id));
    const list = await run('flags');
    expect(list.code).toBe(0);
    expect(list.out).toContain(`№${ids[0]}`);
    expect(list.out).toContain('На проверку: 2.');

    const done = await run('flags', 'resolve', String(ids[0]), '--note', 'Родители предупреждены', '--by', 'Смирнова');
    expect(done.code).toBe(0);
    expect(done.out).toContain(`Отметка №${ids[0]} закрыта (Смирнова)`);
    const row = await withCliDb(async (h) => (await h.db.select().from(reviewFlags).where(eq(reviewFlags.id, ids[0]!)))[0]);
    expect(row).toMatchObject({ resolvedBy: 'Смирнова', resolutionNote: 'Родители предупреждены', reason: 'dailyLimit' });
    expect(row!.resolvedAt).toBeTruthy();

    expect((await run('flags')).out).toContain('На проверку: 1.');
    const resolved = await run('flags', '--resolved');
    expect(resolved.out).toContain('Родители предупреждены');
    expect(resolved.out).toContain('Закрыто: 1.');
    expect((await run('flags', '--all')).out).toContain('Всего: 2.');
  });

  it('refuses to resolve twice, an unknown number, and a resolution without a note', async () => {
    const [first] = await withCliDb(async (h) => h.db.select().from(reviewFlags).orderBy(reviewFlags.id));
    const twice = await run('flags', 'resolve', String(first!.id), '--note', 'ещё раз');
    expect(twice.code).toBe(1);
    expect(twice.err).toContain('уже закрыта');
    expect(twice.err).toContain('Смирнова');
    expect((await run('flags', 'resolve', '999999', '--note', 'нет')).code).toBe(1);
    expect((await run('flags', 'resolve', String(first!.id))).code).toBe(2);
    const row = await withCliDb(async (h) => (await h.db.select().from(reviewFlags).where(eq(reviewFlags.id, first!.id)))[0]);
    expect(row).toMatchObject({ resolvedBy: 'Смирнова', resolutionNote: 'Родители предупреждены' });
  });
});

describe('canteen server housekeeping', () => {
  it('runs once and reports what it deleted', async () => {
    const r = await run('housekeeping');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/сессий кабинета 1/);
    expect(await withCliDb(async (h) => h.db.select().from(cabinetSessions))).toEqual([]);
  });
});
