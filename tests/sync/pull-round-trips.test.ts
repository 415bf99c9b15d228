import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { query, type DbHandle } from '../../src/server/db/open.js';
import { recordTopUp } from '../../src/server/ledger/server-entries.js';
import { TILL_STATUS_HEADER } from '../../src/api/sync.js';
import { DIAGNOSTICS_HEADER } from '../../src/server/releases/diagnostics.js';
import { api, enrollDemoTerminal, startTestServer, type TestServer } from '../server/helpers.js';

// Issue 17: an incremental pull in as few round trips as the push. Its "last seen" update (with the
// token check) commits in a transaction of its own and travels in one message with BEGIN and the head
// statement that opens the pull's snapshot (db/fold.ts `before`); with nothing changed the only other
// message is COMMIT. Counted at the driver on PostgreSQL (DATABASE_URL) and PGlite, so it cannot regress.
const IVANOV = '0242013137';

let s: TestServer;
let stopCounting: () => void = () => {};
let statements = 0;
let texts: string[] = [];

/** Counts every message the server sends to its database (BEGIN and COMMIT included). */
async function countStatements(handle: DbHandle): Promise<() => void> {
  if (handle.kind === 'postgres') {
    const { default: pg } = await import('pg');
    const proto = pg.Client.prototype as unknown as { query: (...a: unknown[]) => unknown };
    const orig = proto.query;
    proto.query = function (this: unknown, ...a: unknown[]) {
      statements++;
      const q = a[0] as string | { text?: string };
      texts.push(typeof q === 'string' ? q : q?.text ?? '');
      return orig.apply(this, a);
    };
    return () => { proto.query = orig; };
  }
  // PGlite: drizzle calls query() on the instance, and on the transaction object inside transaction(),
  // whose BEGIN and COMMIT PGlite sends itself.
  type Q = { query: (...a: unknown[]) => unknown };
  const client = (handle.db as unknown as { $client: Q & { transaction: (fn: (tx: Q) => unknown) => unknown } }).$client;
  const { query: q0, transaction } = client;
  client.query = (...a: unknown[]) => { statements++; texts.push(String(a[0])); return q0.apply(client, a); };
  client.transaction = (fn) => transaction.call(client, (tx: Q) => {
    statements += 2;
    const q = tx.query;
    tx.query = (...a: unknown[]) => { statements++; texts.push(String(a[0])); return q.apply(tx, a); };
    return fn(tx);
  });
  return () => { client.query = q0; client.transaction = transaction; };
}

async function counted<T>(fn: () => Promise<T>): Promise<{ result: T; statements: number; texts: string[] }> {
  statements = 0;
  texts = [];
  const result = await fn();
  return { result, statements, texts };
}

interface Pull { cursor: string; reset: boolean; accounts: { accountNumber: string; balance: number }[] }
const pull = (till: { url: string; token?: string }, cursor?: string) =>
  api<Pull>(till, 'GET', `/api/v1/sync/pull${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`);

beforeAll(async () => {
  s = await startTestServer({ config: { housekeeping: { intervalMs: 0 }, orderFix: { intervalMs: 0 } } });
  stopCounting = await countStatements(s.handle);
}, 180_000);
afterAll(async () => { stopCounting(); await s?.close(); });

describe('round trips of a pull', () => {
  it('nothing changed: two round trips on PostgreSQL ("last seen" + BEGIN + the head, then COMMIT), and last seen moves', async () => {
    const pg = s.handle.kind === 'postgres';
    const first = await pull(s);
    expect(first).toMatchObject({ status: 200, body: { reset: true } });
    await s.handle.db.execute(sql`UPDATE terminals SET last_seen_at = now() - interval '1 hour' WHERE id = ${s.terminalId}`);
    const quiet = await counted(() => pull(s, first.body.cursor));
    expect(quiet.result).toMatchObject({ status: 200, body: { reset: false, accounts: [] } });
    // PGlite (in process, no round trips): the touch, BEGIN, SET TRANSACTION, the head, COMMIT.
    expect(quiet.statements).toBe(pg ? 2 : 5);
    if (pg) {
      expect(quiet.texts[0]).toMatch(/^BEGIN; WITH c AS \(SELECT set_config\('synchronous_commit', 'off', true\)\)[\s\S]*UPDATE terminals[\s\S]*; COMMIT; BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; [\s\S]*pg_current_snapshot\(\)/);
      expect(quiet.texts[1]).toBe('COMMIT');
    }
    const [t] = await query<{ fresh: boolean }>(s.handle.db,
      sql`SELECT last_seen_at > now() - interval '1 minute' AS fresh FROM terminals WHERE id = ${s.terminalId}`);
    expect(t).toEqual({ fresh: true });
  });

  it('a top-up since the cursor: the account with its new balance, two round trips on PostgreSQL', async () => {
    const pg = s.handle.kind === 'postgres';
    const first = await pull(s);
    const before = first.body.accounts.find((a) => a.accountNumber === IVANOV)!.balance;
    await recordTopUp(s.handle.db, IVANOV, 1234, { source: 'round-trips' });
    const next = await counted(() => pull(s, first.body.cursor));
    expect(next.result.status).toBe(200);
    expect(next.result.body.accounts).toEqual([expect.objectContaining({ accountNumber: IVANOV, balance: before + 1234 })]);
    // The first message, then the account with its reservations and what others spent today, with COMMIT (was seven on PostgreSQL).
    // The top-up's poke dropped the school's cached tokens: one lookup first, not the pull's.
    const lookups = next.texts.filter((t) => /from "terminals" where "terminals"."token_hash"/.test(t)).length;
    expect(lookups).toBeLessThanOrEqual(1);
    expect(next.statements - lookups).toBe(pg ? 2 : 6);
    if (pg) expect(next.texts.at(-1)).toMatch(/FROM accounts a[\s\S]*; COMMIT$/);
    // The cursor moved past the top-up: the pull after it sends nothing.
    const after = await pull(s, next.result.body.cursor);
    expect(after.body).toMatchObject({ reset: false, accounts: [] });
  });

  it('a revoked token: 401, nothing read, last seen not moved (the touch found no row; the snapshot rolled back)', async () => {
    const { token, terminalId } = await enrollDemoTerminal(s.handle, 'terminal-pull-rt');
    const till = { url: s.url, token };
    expect((await pull(till)).status).toBe(200);
    await s.handle.db.execute(sql`UPDATE terminals SET revoked_at = now(), last_seen_at = '2026-01-01T00:00:00Z' WHERE id = ${terminalId}`);
    const refused = await counted(() => api<{ error: { message: string } }>(till, 'GET', '/api/v1/sync/pull'));
    expect(refused.result.status).toBe(401);
    expect(refused.result.body.error.message).toMatch(/отозван/);
    if (s.handle.kind === 'postgres') expect(refused.texts.at(-1)).toBe('ROLLBACK');
    const [t] = await query<{ seen: string }>(s.handle.db, sql`SELECT last_seen_at::text AS seen FROM terminals WHERE id = ${terminalId}`);
    expect(t!.seen).toMatch(/^2026-01-01/);
  });

  it('a full pull: its last read (the cashiers) carries the COMMIT on PostgreSQL', async () => {
    const full = await counted(() => pull(s));
    expect(full.result).toMatchObject({ status: 200, body: { reset: true } });
    if (s.handle.kind === 'postgres') {
      expect(full.texts.at(-1)).toMatch(/FROM cashiers[\s\S]*; COMMIT$/);
      expect(full.texts.filter((t) => t === 'COMMIT')).toEqual([]);
    }
  });

  it('the till status (quotes and backslashes inlined) is stored and the console\'s diagnostics request comes back', async () => {
    const first = await pull(s);
    await s.handle.db.execute(sql`UPDATE terminals SET diagnostics_request = 'diag-rt-1' WHERE id = ${s.terminalId}`);
    const appVersion = "1.0'; DROP TABLE x; --\\n";
    const status = JSON.stringify({ sentAt: new Date().toISOString(), appVersion, pendingEntries: 3 });
    const res = await counted(() => fetch(`${s.url}/api/v1/sync/pull?cursor=${encodeURIComponent(first.body.cursor)}`,
      { headers: { authorization: `Bearer ${s.token}`, [TILL_STATUS_HEADER]: status } }));
    expect(res.result.status).toBe(200);
    expect(res.result.headers.get(DIAGNOSTICS_HEADER)).toBe('diag-rt-1');
    expect(await res.result.json()).toMatchObject({ reset: false });
    if (s.handle.kind === 'postgres') expect(res.statements).toBe(2);
    const [t] = await query<{ v: string; n: number }>(s.handle.db,
      sql`SELECT status->>'appVersion' AS v, (status->>'pendingEntries')::int AS n FROM terminals WHERE id = ${s.terminalId}`);
    expect(t).toEqual({ v: appVersion, n: 3 });
  });
});

describe('what a full pull carries (read without drizzle\'s row mapping: ledger/pull-rows.ts)', () => {
  it('limits, passwords, bans with awkward ids, allergies and card states arrive as stored', async () => {
    const [acc] = await query<{ student_id: string }>(s.handle.db, sql`SELECT student_id FROM accounts WHERE account_number = ${IVANOV}`);
    await s.handle.db.execute(sql`UPDATE accounts SET daily_limit = 15000, permanent_password_hash = 'h',
      barred_item_ids = ARRAY['dish-pizza', 'a,b "c"'], barred_category_ids = ARRAY['cat-1'] WHERE account_number = ${IVANOV}`);
    await s.handle.db.execute(sql`UPDATE students SET allergies = ARRAY['milk', 'nuts'] WHERE id = ${acc!.student_id}`);
    await s.handle.db.execute(sql`UPDATE cards SET state = 'blocked' WHERE account_number = ${IVANOV}`);
    const r = await api<{
      accounts: { accountNumber: string; dailyLimit: number | null; hasPermanentPassword: boolean; balance: number; active: boolean }[];
      students: { id: string; accountNumber: string; allergies: string[]; benefitCategoryIds: string[]; active: boolean }[];
      cards: { accountNumber: string; state: string }[];
      barredItems: { accountNumber: string; itemIds: string[]; categoryIds: string[] }[];
      cashiers: { id: string; name: string; role: string; pinHash: string; active: boolean }[];
    }>(s, 'GET', '/api/v1/sync/pull');
    expect(r.status).toBe(200);
    const [cashier] = await query<{ id: string; name: string; role: string; pin_hash: string; active: boolean }>(s.handle.db,
      sql`SELECT id, name, role, pin_hash, active FROM cashiers WHERE school_id = (SELECT school_id FROM terminals WHERE id = ${s.terminalId}) ORDER BY id LIMIT 1`);
    expect(r.body.cashiers.find((c) => c.id === cashier!.id)).toEqual({
      id: cashier!.id, name: cashier!.name, role: cashier!.role, pinHash: cashier!.pin_hash, active: cashier!.active });
    const a = r.body.accounts.find((x) => x.accountNumber === IVANOV)!;
    expect(a).toMatchObject({ dailyLimit: 15000, hasPermanentPassword: true, active: true });
    expect(typeof a.balance).toBe('number');
    expect(r.body.accounts.filter((x) => x.accountNumber !== IVANOV).every((x) => x.dailyLimit === null || typeof x.dailyLimit === 'number')).toBe(true);
    expect(r.body.barredItems.filter((b) => b.accountNumber === IVANOV))
      .toEqual([{ accountNumber: IVANOV, itemIds: ['dish-pizza', 'a,b "c"'], categoryIds: ['cat-1'] }]);
    expect(r.body.students.find((x) => x.id === acc!.student_id)).toMatchObject({ accountNumber: IVANOV, allergies: ['milk', 'nuts'], active: true });
    expect(r.body.cards.filter((c) => c.accountNumber === IVANOV).map((c) => c.state)).toEqual(['blocked']);
  });
});
