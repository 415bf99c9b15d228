import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import type { PullResponse } from '../../src/api/sync.js';
import { changes, serverSettings } from '../../src/server/db/schema.js';
import { cabinetResetTokens, cabinetSessions } from '../../src/server/db/cabinet-schema.js';
import { createSession, loadSession, SESSION_IDLE_MS, SESSION_TTL_MS } from '../../src/server/cabinet/sessions.js';
import { CHANGES_HORIZON_KEY } from '../../src/server/changes.js';
import { runHousekeeping } from '../../src/server/housekeeping.js';
import { recordTopUp } from '../../src/server/ledger/server-entries.js';
import { api, startTestServer, type TestServer } from './helpers.js';

const DAY = 86_400_000;
let s: TestServer;

const pull = (cursor?: string) => api<PullResponse>(s, 'GET', `/api/v1/sync/pull${cursor ? `?cursor=${cursor}` : ''}`);
const horizon = async () => Number((await s.handle.db.select().from(serverSettings).where(eq(serverSettings.key, CHANGES_HORIZON_KEY)))[0]?.value ?? 0);
const changedKeys = async () => (await s.handle.db.select({ key: changes.key }).from(changes).where(eq(changes.kind, 'account'))).map((r) => r.key).sort();
const xminOf = (cursor: string) => Number(cursor.split(':')[0]);

beforeAll(async () => { s = await startTestServer({ config: { housekeeping: { intervalMs: 0 } } }); });
afterAll(async () => { await s?.close(); });

describe('housekeeping: cabinet sessions and reset links', () => {
  it('deletes expired and idle sessions and spent reset links, keeps live ones', async () => {
    const now = new Date();
    const db = s.handle.db;
    const live = await createSession(db, '0242013137', now);
    await createSession(db, '0242013145', new Date(now.getTime() - SESSION_TTL_MS - 1000));   // past its lifetime
    const idle = await createSession(db, '0242013153', now);
    await db.update(cabinetSessions).set({ lastSeenAt: new Date(now.getTime() - SESSION_IDLE_MS - 1000).toISOString() })
      .where(eq(cabinetSessions.accountNumber, '0242013153'));
    const inAnHour = new Date(now.getTime() + 3600_000).toISOString();
    await db.insert(cabinetResetTokens).values([
      { tokenHash: 'live', accountNumber: '0242013137', expiresAt: inAnHour },
      { tokenHash: 'used', accountNumber: '0242013137', expiresAt: inAnHour, usedAt: now.toISOString() },
      { tokenHash: 'expired', accountNumber: '0242013137', expiresAt: new Date(now.getTime() - 1000).toISOString() },
    ]);

    const r = await runHousekeeping(db, { now });
    expect(r).toMatchObject({ sessions: 2, resetTokens: 2 });
    expect((await db.select().from(cabinetSessions)).map((x) => x.accountNumber)).toEqual(['0242013137']);
    expect((await db.select().from(cabinetResetTokens)).map((x) => x.tokenHash)).toEqual(['live']);
    expect(await loadSession(db, live, now)).toMatchObject({ accountNumber: '0242013137' });
    expect(await loadSession(db, idle, now)).toBeNull();
  });
});

describe('housekeeping: change log', () => {
  it('prunes rows older than the kept window; a cursor from before them gets a full reset, a newer one stays incremental', async () => {
    const first = await pull();
    expect(first.body.reset).toBe(true);
    const c0 = first.body.cursor;
    await recordTopUp(s.handle.db, '0242013161', 100, { note: 'старое' });
    // Everything logged so far (seed and this top-up) is made 40 days old.
    await s.handle.db.execute(sql`UPDATE changes SET created_at = now() - interval '40 days'`);
    const p1 = await pull(c0);
    expect(p1.body.accounts.map((a) => a.accountNumber)).toEqual(['0242013161']);
    const c1 = p1.body.cursor;
    await recordTopUp(s.handle.db, '0242013145', 100, { note: 'свежее' });

    const r = await runHousekeeping(s.handle.db, { changesKeepDays: 30 });
    expect(r.changes).toBeGreaterThan(0);
    expect(r.horizon).toBe(await horizon());
    expect(await changedKeys()).toEqual(['0242013145']);   // only the fresh row is left

    // The first cursor predates the pruned rows: everything again.
    const again = await pull(c0);
    expect(again.body.reset).toBe(true);
    expect(again.body.accounts.length).toBe(first.body.accounts.length);
    // The second saw them already. Whether it is still incremental depends only on its xmin against
    // the horizon (on a shared PostgreSQL another database's open transaction can hold xmin back;
    // then a reset is the safe answer); on PGlite nothing else runs, so it must be incremental.
    if (!process.env.DATABASE_URL) expect(xminOf(c1)).toBeGreaterThanOrEqual(r.horizon);
    const next = await pull(c1);
    if (xminOf(c1) >= r.horizon) {
      expect(next.body.reset).toBe(false);
      expect(next.body.accounts.map((a) => a.accountNumber)).toEqual(['0242013145']);
    } else {
      expect(next.body.reset).toBe(true);
    }
  });

  it('the horizon only rises, and pruning everything resets every earlier cursor', async () => {
    const before = await horizon();
    const p = await pull();
    await recordTopUp(s.handle.db, '0242013179', 100, { note: 'тест' });
    // A longer window than last time prunes nothing and does not lower the horizon.
    expect(await runHousekeeping(s.handle.db, { changesKeepDays: 365 })).toMatchObject({ changes: 0, horizon: before });
    // A month later every row is old.
    const r = await runHousekeeping(s.handle.db, { now: new Date(Date.now() + 31 * DAY) });
    expect(r.horizon).toBeGreaterThan(before);
    expect(await changedKeys()).toEqual([]);
    expect((await pull(p.body.cursor)).body.reset).toBe(true);
    // A cursor taken now is incremental again and gets the next change.
    const fresh = await pull();
    await recordTopUp(s.handle.db, '0242013179', 100, { note: 'после уборки' });
    const after = await pull(fresh.body.cursor);
    if (xminOf(fresh.body.cursor) >= r.horizon) {
      expect(after.body.reset).toBe(false);
      expect(after.body.accounts.map((a) => a.accountNumber)).toEqual(['0242013179']);
    }
  });
});
