import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import type { PushResponse, SyncEntry } from '../../src/api/sync.js';
import { sql } from 'drizzle-orm';
import { query, type DbHandle } from '../../src/server/db/open.js';
import { revokeTerminal } from '../../src/server/auth.js';
import { SALES_POKE_DELAY_MS } from '../../src/server/poke.js';
import { api, enrollDemoTerminal, startTestServer, type TestServer } from '../server/helpers.js';

// Issue 17 point 3: a push is a few round trips (it was the token lookup, BEGIN, four statements,
// COMMIT). Counted at the driver, on PGlite and on PostgreSQL (DATABASE_URL), so it cannot regress.
const IVANOV = '0242013137';
const IVANOV_CARD = 'EM:55007EE424';

let s: TestServer;
let stopCounting: () => void = () => {};
let statements = 0;

/** Counts every statement the server sends to its database (BEGIN and COMMIT included). */
async function countStatements(handle: DbHandle): Promise<() => void> {
  if (handle.kind === 'postgres') {
    const { default: pg } = await import('pg');
    const proto = pg.Client.prototype as unknown as { query: (...a: unknown[]) => unknown };
    const orig = proto.query;
    proto.query = function (this: unknown, ...a: unknown[]) { statements++; return orig.apply(this, a); };
    return () => { proto.query = orig; };
  }
  // PGlite: drizzle calls query() on the instance, and on the transaction object inside transaction(),
  // whose BEGIN and COMMIT PGlite sends itself.
  type Q = { query: (...a: unknown[]) => unknown };
  const client = (handle.db as unknown as { $client: Q & { transaction: (fn: (tx: Q) => unknown) => unknown } }).$client;
  const { query, transaction } = client;
  client.query = (...a: unknown[]) => { statements++; return query.apply(client, a); };
  client.transaction = (fn) => transaction.call(client, (tx: Q) => {
    statements += 2;
    const q = tx.query;
    tx.query = (...a: unknown[]) => { statements++; return q.apply(tx, a); };
    return fn(tx);
  });
  return () => { client.query = query; client.transaction = transaction; };
}

let seq = 0;
function sale(amount: number): SyncEntry {
  seq++;
  const receiptId = `rt-${seq}-${uuidv7()}`;
  return {
    uuid: uuidv7(), seq, kind: 'sale', accountNumber: IVANOV, amount: -amount, createdAt: new Date().toISOString(), cardId: IVANOV_CARD, receiptId,
    payload: {
      receiptId, receiptNumber: `RT-${String(seq).padStart(6, '0')}`, total: amount, subsidy: 0,
      lines: [{ itemId: 'dish-pizza', kind: 'dish', name: 'Пицца 125 г', quantity: 1, unitPrice: amount, amount }],
    },
  };
}

async function counted<T>(fn: () => Promise<T>): Promise<{ result: T; statements: number }> {
  // The previous push's gathered "sales" NOTIFY goes 250 ms after its commit (poke.ts): not this push's.
  await new Promise((r) => setTimeout(r, SALES_POKE_DELAY_MS + 150));
  statements = 0;
  const result = await fn();
  return { result, statements };
}

beforeAll(async () => {
  s = await startTestServer({ config: { housekeeping: { intervalMs: 0 }, orderFix: { intervalMs: 0 } } });
  stopCounting = await countStatements(s.handle);
}, 180_000);
afterAll(async () => { stopCounting(); await s?.close(); });

describe('round trips of a push', () => {
  it('a sale is two round trips on PostgreSQL (BEGIN with the claim, the write with COMMIT), four statements on PGlite', async () => {
    // PostgreSQL folds BEGIN into the first statement and COMMIT into the last (db/fold.ts); PGlite runs in process.
    const pg = s.handle.kind === 'postgres';
    const push = (entries: SyncEntry[]) => api<PushResponse>(s, 'POST', '/api/v1/sync/push', { terminalId: s.terminalId, entries });
    // The first push of a token looks it up once.
    const first = await counted(() => push([sale(500)]));
    expect(first.result).toMatchObject({ status: 200, body: { ackSeq: 1 } });
    expect(first.statements).toBe(pg ? 3 : 5);
    const batch = [sale(700), sale(300)];
    const next = await counted(() => push(batch));
    expect(next.result).toMatchObject({ status: 200, body: { ackSeq: 3 } });
    expect(next.statements).toBe(pg ? 2 : 4);
    // The same batch again (a cut reply): the claim, "last seen", COMMIT; the till's empty knock: the claim, COMMIT.
    const again = await counted(() => push(batch));
    expect(again).toMatchObject({ result: { status: 200, body: { ackSeq: 3 } }, statements: pg ? 3 : 4 });
    const knock = await counted(() => push([]));
    expect(knock).toMatchObject({ result: { status: 200, body: { ackSeq: 3 } }, statements: pg ? 2 : 3 });
  });

  it('a receipt id the server already has: the folded write gives way, the push is stored the ordinary way with its flag', async () => {
    const e = sale(400);
    const taken = { ...e, uuid: uuidv7(), seq: 5 };   // seq 4 = e (new receipt), seq 5 reuses e's receipt id
    const r = await api<PushResponse>(s, 'POST', '/api/v1/sync/push', { terminalId: s.terminalId, entries: [e] });
    expect(r.body).toEqual({ ackSeq: 4 });
    const again = await api<PushResponse>(s, 'POST', '/api/v1/sync/push', { terminalId: s.terminalId, entries: [taken] });
    expect(again).toMatchObject({ status: 200, body: { ackSeq: 5 } });
    const flags = await query<{ reason: string; details: { entry?: { uuid: string } } }>(s.handle.db,
      sql`SELECT reason, details FROM review_flags WHERE entry_uuid = ${taken.uuid}`);
    expect(flags).toEqual([{ reason: 'duplicateReceipt', details: { entry: expect.objectContaining({ uuid: taken.uuid }) } }]);
    const [n] = await query<{ n: number }>(s.handle.db, sql`SELECT count(*)::int AS n FROM entries WHERE uuid = ${taken.uuid}`);
    expect(n!.n).toBe(1);
    seq = 5;
  });

  it('a pull resolves the token from the cache too: its first statement checks it', async () => {
    await api(s, 'GET', '/api/v1/sync/pull');
    const again = await counted(() => api<{ cursor: string }>(s, 'GET', '/api/v1/sync/pull'));
    expect(again.result.status).toBe(200);
    const cursor = again.result.body.cursor;
    const incremental = await counted(() => api(s, 'GET', `/api/v1/sync/pull?cursor=${encodeURIComponent(cursor)}`));
    expect(incremental.result.status).toBe(200);
    // The token check rides in the first message with "last seen"; the exact counts of each kind of pull are
    // pinned in pull-round-trips.test.ts (nothing changed: 2 on PostgreSQL, 5 on PGlite).
    expect(incremental.statements).toBe(s.handle.kind === 'postgres' ? 2 : 5);
  });
});

describe('the token cache never outlives a revoke', () => {
  it('a till revoked by another process is refused at once, push and pull, though its token was cached here', async () => {
    const { token, terminalId } = await enrollDemoTerminal(s.handle, 'terminal-24-rt');
    const till = { url: s.url, token };
    let n = 0;
    const entry = (): SyncEntry => { const e = sale(250); return { ...e, seq: ++n }; };
    expect((await api<PushResponse>(till, 'POST', '/api/v1/sync/push', { terminalId, entries: [entry()] })).body).toEqual({ ackSeq: 1 });
    expect((await api(till, 'GET', '/api/v1/sync/pull')).status).toBe(200);
    // As another process's revoke whose poke has not reached this one (or its LISTEN is down): no NOTIFY.
    await s.handle.db.execute(sql`UPDATE terminals SET revoked_at = now() WHERE id = ${terminalId}`);
    const pushed = await api<{ error: { message: string } }>(till, 'POST', '/api/v1/sync/push', { terminalId, entries: [entry()] });
    expect(pushed.status).toBe(401);
    expect(pushed.body.error.message).toMatch(/отключена/);
    const pulled = await api<{ error: { message: string } }>(till, 'GET', '/api/v1/sync/pull');
    expect(pulled.status).toBe(401);
    expect(pulled.body.error.message).toMatch(/отозван/);
    const [row] = await query<{ last_seq: number; n: number }>(s.handle.db,
      sql`SELECT last_seq, (SELECT count(*)::int FROM entry_ids WHERE terminal_id = 'terminal-24-rt') AS n FROM terminals WHERE id = 'terminal-24-rt'`);
    expect(row).toEqual({ last_seq: 1, n: 1 });
  });

  it('a revoke through the admin pokes every process: the cached token is dropped', async () => {
    const { token, terminalId } = await enrollDemoTerminal(s.handle, 'terminal-24-rv');
    expect((await api({ url: s.url, token }, 'GET', '/api/v1/sync/pull')).status).toBe(200);
    await revokeTerminal(s.handle.db, terminalId);
    await vi.waitFor(async () => {
      const r = await api<{ error: { message: string } }>({ url: s.url, token }, 'POST', '/api/v1/sync/push', { terminalId, entries: [] });
      expect(r.status).toBe(401);
      // Refused by the token lookup itself, not only by the push's statement: the cache entry is gone.
      expect(r.body.error.message).toBe('Токен кассы отозван администратором');
    }, { timeout: 10_000, interval: 50 });
  });

  it('a re-enrolled till\'s old token is refused, the new one works', async () => {
    const old = await enrollDemoTerminal(s.handle, 'terminal-24-re');
    expect((await api({ url: s.url, token: old.token }, 'GET', '/api/v1/sync/pull')).status).toBe(200);
    const fresh = await enrollDemoTerminal(s.handle, 'terminal-24-re');
    const byOld = await api<PushResponse>({ url: s.url, token: old.token }, 'POST', '/api/v1/sync/push', { terminalId: old.terminalId, entries: [] });
    expect(byOld.status).toBe(401);
    expect((await api({ url: s.url, token: old.token }, 'GET', '/api/v1/sync/pull')).status).toBe(401);
    expect((await api({ url: s.url, token: fresh.token }, 'GET', '/api/v1/sync/pull')).status).toBe(200);
  });
});
