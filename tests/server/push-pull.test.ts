import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import type { PullResponse, PushResponse, SyncEntry } from '../../src/api/sync.js';
import { accounts, cards, entries, receiptLines, receipts, reviewFlags, terminals } from '../../src/server/db/schema.js';
import { recordTopUp } from '../../src/server/ledger/server-entries.js';
import { reconcile } from '../../src/server/admin/reconcile.js';
import { setCardState } from '../../src/server/admin/cards.js';
import { api, startTestServer, type TestServer } from './helpers.js';

const IVANOV = '0242013137';
const IVANOV_CARD = 'EM:55007EE424';
let s: TestServer;
let seq = 0;

function sale(amount: number, opts: Partial<SyncEntry> = {}): SyncEntry {
  seq++;
  const receiptId = `r-${seq}-${uuidv7()}`;
  return {
    uuid: uuidv7(), seq, kind: 'sale', accountNumber: IVANOV, amount: -amount,
    createdAt: new Date().toISOString(), cardId: IVANOV_CARD, receiptId,
    payload: {
      receiptId, receiptNumber: `24-${String(seq).padStart(6, '0')}`, total: amount, subsidy: 0,
      lines: [{ itemId: 'dish-pizza', kind: 'dish', name: 'Пицца 125 г', quantity: 1, unitPrice: amount, amount }],
    },
    ...opts,
  };
}
const push = (body: unknown, token?: string) => api<PushResponse & { error?: { message: string } }>(s, 'POST', '/api/v1/sync/push', body, token);
const pull = (cursor?: string) => api<PullResponse>(s, 'GET', `/api/v1/sync/pull${cursor ? `?cursor=${cursor}` : ''}`);
const balance = async (n = IVANOV) => (await s.handle.db.select().from(accounts).where(eq(accounts.accountNumber, n)))[0]!.balance;
const entryCount = async () => (await s.handle.db.select({ n: sql<number>`count(*)::int` }).from(entries))[0]!.n;

beforeAll(async () => { s = await startTestServer(); });
afterAll(async () => { await s?.close(); });

describe('push', () => {
  it('applies a batch once, however often it is pushed', async () => {
    const before = await balance();
    const batch = [sale(3450), sale(1320), sale(830)];
    for (let i = 0; i < 3; i++) {
      const r = await push({ terminalId: s.terminalId, entries: batch });
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ ackSeq: 3 });
    }
    expect(await balance()).toBe(before - 3450 - 1320 - 830);
    const rows = await s.handle.db.select().from(entries).where(eq(entries.terminalId, s.terminalId));
    expect(rows.map((r) => r.seq).sort()).toEqual([1, 2, 3]);
    const lines = await s.handle.db.execute(sql`SELECT name FROM receipt_lines WHERE school_id = 'school-24'`);
    expect((lines as unknown as { rows: unknown[] }).rows.length).toBe(3);
  });

  it('answers a gap with where to resume and stores nothing', async () => {
    const n = await entryCount();
    const before = await balance();
    seq++; // seq 4 is "lost"
    const r = await push({ terminalId: s.terminalId, entries: [sale(100)] });
    expect(r.body).toEqual({ ackSeq: 3, resumeFrom: 4 });
    expect(await entryCount()).toBe(n);
    expect(await balance()).toBe(before);
    seq = 3;
  });

  it('applies the contiguous part of a batch with a hole and asks for the rest', async () => {
    const before = await balance();
    const a = sale(100); // 4
    seq++;               // 5 missing
    const c = sale(200); // 6
    const r = await push({ terminalId: s.terminalId, entries: [a, c] });
    expect(r.body).toEqual({ ackSeq: 4, resumeFrom: 5 });
    expect(await balance()).toBe(before - 100);
    seq = 4;
  });

  it('refuses an entry for another school\'s account, changing nothing', async () => {
    await s.handle.db.execute(sql`INSERT INTO schools (id, code, name) VALUES ('school-25', '25', 'Школа №25')`);
    await s.handle.db.execute(sql`INSERT INTO accounts (account_number, school_id, balance) VALUES ('0252000001', 'school-25', 0)`);
    const n = await entryCount();
    const before = await balance();
    const r = await push({ terminalId: s.terminalId, entries: [sale(100), sale(50, { accountNumber: '0252000001', cardId: null })] });
    expect(r.status).toBe(403);
    expect(r.body.error?.message).toMatch(/другой школе/);
    expect(await entryCount()).toBe(n);
    expect(await balance()).toBe(before);
    expect(await balance('0252000001')).toBe(0);
    const [t] = await s.handle.db.select().from(terminals).where(eq(terminals.id, s.terminalId));
    expect(t!.lastSeq).toBe(4);
    seq = 4;
  });

  it('refuses forged and revoked tokens', async () => {
    const forged = await push({ terminalId: s.terminalId, entries: [] }, 'x'.repeat(43));
    expect(forged.status).toBe(401);
    const none = await api(s, 'GET', '/api/v1/sync/pull', undefined, '');
    expect(none.status).toBe(401);
  });

  it('refuses malformed bodies with a reason, changing nothing', async () => {
    const n = await entryCount();
    const bad = [
      '{"terminalId":',
      { terminalId: s.terminalId },
      { terminalId: s.terminalId, entries: [{ ...sale(10), amount: 1.5 }] },
      { terminalId: s.terminalId, entries: [{ ...sale(10), uuid: 'nope' }] },
      { terminalId: s.terminalId, entries: [{ ...sale(10), accountNumber: '123' }] },
    ];
    for (const body of bad) {
      const r = await push(body);
      expect(r.status).toBe(400);
      expect(r.body.error?.message).toBeTruthy();
    }
    const other = await push({ terminalId: 'terminal-someone-else', entries: [] });
    expect(other.status).toBe(403);
    expect(await entryCount()).toBe(n);
    seq = 4;
  });

  it('applies and flags a sale with a card blocked meanwhile and one below the limit', async () => {
    await s.handle.db.transaction((tx) => setCardState(tx, IVANOV_CARD, 'blocked', 'тест'));
    const before = await balance();
    const blocked = sale(100);
    const huge = sale(before + 5000, { cardId: null });
    const r = await push({ terminalId: s.terminalId, entries: [blocked, huge] });
    expect(r.body).toEqual({ ackSeq: 6 });
    expect(await balance()).toBe(before - 100 - (before + 5000));
    const flags = await s.handle.db.select().from(reviewFlags);
    expect(flags.find((f) => f.entryUuid === blocked.uuid)?.reason).toBe('cardBlocked');
    expect(flags.find((f) => f.entryUuid === huge.uuid)?.reason).toBe('overdraft');
    await s.handle.db.transaction((tx) => setCardState(tx, IVANOV_CARD, 'active'));
  });

  it('stores an entry for an unknown account, advances lastSeq and flags it', async () => {
    const e = sale(100, { accountNumber: '0249999999', cardId: null });
    const r = await push({ terminalId: s.terminalId, entries: [e] });
    expect(r.body).toEqual({ ackSeq: 7 });
    const flags = await s.handle.db.select().from(reviewFlags).where(eq(reviewFlags.entryUuid, e.uuid));
    expect(flags[0]?.reason).toBe('unknownAccount');
  });

  it('cardBlock blocks the card; cabinetPassword sets the temporary password only without a permanent one', async () => {
    seq++;
    const block: SyncEntry = { uuid: uuidv7(), seq, kind: 'cardBlock', accountNumber: '0242013153', amount: 0, createdAt: new Date().toISOString(), payload: { cardId: 'EM:55007E1001', reason: 'потеряна' } };
    seq++;
    const pw: SyncEntry = { uuid: uuidv7(), seq, kind: 'cabinetPassword', accountNumber: '0242013145', amount: 0, createdAt: new Date().toISOString(), payload: { passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$abc$def' } };
    seq++;
    const pw2: SyncEntry = { ...pw, uuid: uuidv7(), seq, accountNumber: IVANOV };
    expect((await push({ terminalId: s.terminalId, entries: [block, pw, pw2] })).body).toEqual({ ackSeq: 10 });
    const [card] = await s.handle.db.select().from(cards).where(eq(cards.id, 'EM:55007E1001'));
    expect(card!.state).toBe('blocked');
    const [petrova] = await s.handle.db.select().from(accounts).where(eq(accounts.accountNumber, '0242013145'));
    expect(petrova!.tempPasswordHash).toBe('$argon2id$v=19$m=19456,t=2,p=1$abc$def');
    const [ivanov] = await s.handle.db.select().from(accounts).where(eq(accounts.accountNumber, IVANOV));
    expect(ivanov!.tempPasswordHash).toBeNull();
  });
});

describe('pull', () => {
  it('a first pull is a full reset of the school with lastSeq per balance', async () => {
    const r = await pull();
    expect(r.status).toBe(200);
    expect(r.body.reset).toBe(true);
    expect(r.body.lastSeq).toBe(10);
    expect(r.body.students).toHaveLength(8);
    const iv = r.body.accounts.find((a) => a.accountNumber === IVANOV)!;
    expect(iv.balance).toBe(await balance());
    expect(iv.lastSeq).toBe(10);
    expect(r.body.cards.find((c) => c.cardId === 'EM:55007E1001')?.state).toBe('blocked');
    expect(r.body.menu.dishes.find((d) => d.id === 'dish-pizza')?.price).toBe(3450);
    expect(r.body.cashiers.every((c) => c.pinHash.startsWith('$argon2id$'))).toBe(true);
    expect(r.body.barredItems.find((b) => b.accountNumber === '0242013153')?.itemIds).toEqual(['dish-pizza']);
    expect(r.body.settings.schoolCode).toBe('24');
    // Nothing of school 25.
    expect(r.body.accounts.some((a) => a.accountNumber === '0252000001')).toBe(false);
  });

  it('an incremental pull returns only what changed; a top-up reaches it', async () => {
    const first = await pull();
    const quiet = await pull(first.body.cursor);
    expect(quiet.body.reset).toBe(false);
    expect(quiet.body.accounts).toEqual([]);
    expect(quiet.body.students).toEqual([]);
    const before = await balance('0242013161');
    await recordTopUp(s.handle.db, '0242013161', 50000, { note: 'тест' });
    const next = await pull(quiet.body.cursor);
    expect(next.body.reset).toBe(false);
    expect(next.body.accounts).toEqual([expect.objectContaining({ accountNumber: '0242013161', balance: before + 50000, lastSeq: 10 })]);
  });

  it('an unknown cursor gets a full reset; a bad one a 400', async () => {
    const far = await pull('99999999999999');
    expect(far.body.reset).toBe(true);
    const bad = await api(s, 'GET', '/api/v1/sync/pull?cursor=abc');
    expect(bad.status).toBe(400);
  });

  it('reconcile finds no difference, then finds a tampered balance', async () => {
    expect((await reconcile(s.handle.db)).differences).toEqual([]);
    await s.handle.db.execute(sql`UPDATE accounts SET balance = balance + 1 WHERE account_number = ${IVANOV}`);
    const r = await reconcile(s.handle.db);
    expect(r.differences).toEqual([expect.objectContaining({ accountNumber: IVANOV, difference: 1 })]);
    await s.handle.db.execute(sql`UPDATE accounts SET balance = balance - 1 WHERE account_number = ${IVANOV}`);
  });
});

describe('pull cursor on a busy PostgreSQL', () => {
  // PGlite has one connection, so a transaction cannot stay open beside the pull there.
  const url = () => (s.handle as { url?: string }).url;
  it.skipIf(!process.env.DATABASE_URL)('a long transaction elsewhere delays nothing; its late commit arrives once', async () => {
    const { default: pg } = await import('pg');
    const slow = new pg.Client({ connectionString: url() });
    await slow.connect();
    try {
      const base = await pull();
      // An older transaction stays open (it holds the snapshot's xmin back) ...
      await slow.query('BEGIN');
      await slow.query('SELECT pg_current_xact_id()');
      // ... while a newer one commits a top-up: the next pull must carry it at once.
      await recordTopUp(s.handle.db, '0242013161', 100, { note: 'свежий' });
      const fresh = await pull(base.body.cursor);
      expect(fresh.body.accounts.map((a) => a.accountNumber)).toEqual(['0242013161']);
      // The old transaction now commits a change: sent by the next pull, and the top-up is not sent again.
      await slow.query(`INSERT INTO changes (school_id, kind, key) VALUES ('school-24', 'account', '0242013145')`);
      await slow.query('COMMIT');
      const late = await pull(fresh.body.cursor);
      expect(late.body.reset).toBe(false);
      expect(late.body.accounts.map((a) => a.accountNumber)).toEqual(['0242013145']);
      const quiet = await pull(late.body.cursor);
      expect(quiet.body.accounts).toEqual([]);
    } finally {
      await slow.end();
    }
  });
});

describe('receipt ids on push', () => {
  /** `e` with another entry's receipt id (on the entry and in its payload), its own number and lines kept. */
  const withReceiptOf = (e: SyncEntry, of: SyncEntry): SyncEntry => ({ ...e, receiptId: of.receiptId!, payload: { ...e.payload, receiptId: of.receiptId } });
  const receiptRows = (id: string) => s.handle.db.select().from(receipts).where(eq(receipts.id, id));
  const lineAmounts = async (id: string) => (await s.handle.db.select().from(receiptLines).where(eq(receiptLines.receiptId, id))).map((l) => l.amount);
  const storedEntry = async (uuid: string) => (await s.handle.db.select().from(entries).where(eq(entries.uuid, uuid)))[0]!;
  const flagsFor = (uuid: string) => s.handle.db.select().from(reviewFlags).where(eq(reviewFlags.entryUuid, uuid));
  // The overdraft sale above left the account below zero: money first, so the only flags here are about receipts.
  beforeAll(async () => { await recordTopUp(s.handle.db, IVANOV, 1_000_000, { note: 'тест' }); });

  it('a receipt id the server already has under another entry: applied, flagged with the whole entry, the first receipt untouched', async () => {
    const first = sale(3450);
    expect((await push({ terminalId: s.terminalId, entries: [first] })).body).toEqual({ ackSeq: first.seq });
    const before = await balance();
    const dup = withReceiptOf(sale(830), first);
    for (let i = 0; i < 2; i++) expect((await push({ terminalId: s.terminalId, entries: [dup] })).body).toEqual({ ackSeq: dup.seq });

    // The sale is money that moved: applied once, never dropped.
    expect(await balance()).toBe(before - 830);
    expect(await storedEntry(dup.uuid)).toMatchObject({ applied: true, amount: -830, receiptId: first.receiptId });
    // The stored receipt is still the first entry's, with its own lines.
    expect(await receiptRows(first.receiptId!)).toEqual([expect.objectContaining({ entryUuid: first.uuid, number: first.payload.receiptNumber, total: 3450 })]);
    expect(await lineAmounts(first.receiptId!)).toEqual([3450]);
    // What the second receipt said survives in the flag (once, however often it is pushed).
    const flags = await flagsFor(dup.uuid);
    expect(flags).toHaveLength(1);
    expect(flags[0]).toMatchObject({ reason: 'duplicateReceipt', terminalId: s.terminalId, accountNumber: IVANOV });
    expect(flags[0]!.message).toMatch(/уже есть на сервере/);
    expect(flags[0]!.details).toEqual({ entry: dup });
    expect(await flagsFor(first.uuid)).toEqual([]);
  });

  it('two entries with one receipt id in a batch: the first keeps the receipt, the second its whole payload and a flag', async () => {
    const before = await balance();
    const a = sale(500);
    const b = withReceiptOf(sale(700), a);
    expect((await push({ terminalId: s.terminalId, entries: [a, b] })).body).toEqual({ ackSeq: b.seq });

    expect(await balance()).toBe(before - 500 - 700);
    expect(await receiptRows(a.receiptId!)).toEqual([expect.objectContaining({ entryUuid: a.uuid, number: a.payload.receiptNumber, total: 500 })]);
    expect(await lineAmounts(a.receiptId!)).toEqual([500]);
    // The first entry's receipt went to receipts (nothing left in its payload); the second keeps all it sent.
    expect(await storedEntry(a.uuid)).toMatchObject({ applied: true, amount: -500, payload: {} });
    expect(await storedEntry(b.uuid)).toMatchObject({ applied: true, amount: -700, payload: b.payload });
    expect((await flagsFor(b.uuid)).map((f) => f.reason)).toEqual(['duplicateReceipt']);
    expect(await flagsFor(a.uuid)).toEqual([]);
  });
});
