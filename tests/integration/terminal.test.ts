import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { refundPayloadSchema, salePayloadSchema, syncEntrySchema } from '../../src/api/sync.js';
import { DEMO_CARDS } from '../../src/core/demo-school.js';
import { pendingEntries, markAcked, pendingCount } from '../../src/terminal/outbox.js';
import { openTerminal } from '../../src/terminal/index.js';
import { checkIntegrity } from '../../src/terminal/integrity.js';
import { SqlitePrintJobStore } from '../../src/terminal/print-queue-store.js';
import { receiptText } from '../../src/terminal/receipt-text.js';
import { loadSchool } from '../../src/terminal/seed.js';
import { TERMINAL_MIGRATIONS, applyPragmas } from '../../src/terminal/db/open.js';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TestClock } from './terminal-helpers.js';
import type { PosService } from '../../src/terminal/pos-service.js';
import { balanceOf, demoTerminal, snapshot } from './terminal-helpers.js';

type T = Awaited<ReturnType<typeof demoTerminal>>;
const SEED_CART = [
  { itemId: 'dish-kasha-grech', quantity: 1 },
  { itemId: 'dish-kotleta-kur', quantity: 1 },
  { itemId: 'dish-pizza', quantity: 1 },
  { itemId: 'dish-bulochka', quantity: 1 },
  { itemId: 'dish-sok', quantity: 1 },
];
const BREAKFAST = 'set-breakfast-1-4';
let n = 0;
const sid = () => `sale-${++n}`;

async function ready(t: T, pin = '1111'): Promise<PosService> {
  const s = t.service;
  expect((await s.login(pin)).ok).toBe(true);
  if (!(await s.status()).ok || !('shift' in ((await s.status()) as { value: object }).value)) expect((await s.openShift()).ok).toBe(true);
  return s;
}

/** Asserts the call failed with `code` and wrote nothing. */
async function refused(t: T, code: string, call: () => Promise<{ ok: boolean; error?: { code: string; message: string } }>) {
  const before = snapshot(t);
  const r = await call();
  expect(r.ok).toBe(false);
  expect(r.error?.code).toBe(code);
  expect(r.error?.message).toMatch(/[А-Яа-яЁё]/);
  expect(snapshot(t)).toEqual(before);
}

describe('terminal service', () => {
  let t: T;
  beforeEach(async () => { t = await demoTerminal(); });
  afterEach(() => t.close());

  it('sells the seed receipt to Иванов: 677,66 − 96,35 = 581,31, one transaction of receipt, lines, entry, outbox, print job', async () => {
    const s = await ready(t);
    const card = await s.identifyCard(DEMO_CARDS.ivanov);
    expect(card.ok && card.value).toMatchObject({ fullName: 'Иванов Иван Иванович', className: '03Б', accountNumber: '0242013137', balance: 67766 });
    const r = await s.sell({ saleId: sid(), cardId: DEMO_CARDS.ivanov, lines: SEED_CART });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value).toMatchObject({ receiptNumber: '24-000001', total: 9635, subsidy: 0, balanceAfter: 58131 });
    expect(r.value.receipt.pupil).toEqual({ shortName: 'И. И. И.', className: '03Б', accountNumber: '0242013137' });
    expect(balanceOf(t, '0242013137')).toBe(58131);
    // The outbox and the print queue are cursors over the ledger (migration 0008): the entry is in the
    // outbox view and the receipt's print job is implied, both by the sale's one commit.
    expect(snapshot(t)).toMatchObject({ receipts: 1, receipt_lines: 5, entries: 1, outbox: 1, print_jobs: 0, printPending: 1 });
    expect(t.sqlite.prepare(`SELECT status FROM outbox WHERE seq = 1`).pluck().get()).toBe('pending');
    const [entry] = pendingEntries(t.sqlite);
    const parsed = syncEntrySchema.parse(entry);
    expect(parsed).toMatchObject({ seq: 1, kind: 'sale', accountNumber: '0242013137', amount: -9635, cardId: DEMO_CARDS.ivanov });
    // Exactly the server's sale payload, and the entry names its receipt.
    expect(parsed.receiptId).toBe(r.value.receiptId);
    expect(Object.keys(parsed.payload).sort()).toEqual(['issuedAt', 'lines', 'receiptId', 'receiptNumber', 'subsidy', 'total']);
    expect(salePayloadSchema.parse(parsed.payload)).toMatchObject({ receiptId: r.value.receiptId, receiptNumber: '24-000001', total: 9635, subsidy: 0 });
    expect((parsed.payload.lines as unknown[])).toHaveLength(5);
    // The print queue writes the implied job when it takes it: the receipt's id, referencing the stored receipt.
    expect(r.value.printJobId).toBe(r.value.receiptId);
    expect(new SqlitePrintJobStore(t.sqlite).nextQueued()).toMatchObject({ id: r.value.receiptId, receiptId: r.value.receiptId, receiptSeq: 1, status: 'queued', kind: 'receipt' });
    const job = t.sqlite.prepare('SELECT * FROM print_jobs').get() as { receipt_id: string; receipt_seq: number; status: string; kind: string; payload: string | null };
    expect(job).toMatchObject({ receipt_id: r.value.receiptId, receipt_seq: 1, status: 'queued', kind: 'receipt', payload: null });
    // The receipt is stored as columns and lines (no JSON copy); the queue prints the doc built from them.
    expect(JSON.parse(new SqlitePrintJobStore(t.sqlite).get(r.value.receiptId)!.payload)).toEqual(r.value.receipt);
    expect(snapshot(t)).toMatchObject({ print_jobs: 1, printPending: 1, cursors: { outbox_acked_seq: 0, print_jobs_through_seq: 1 } });
  });

  it('sell is idempotent on saleId: a retry returns the first result and writes nothing', async () => {
    const s = await ready(t);
    const req = { saleId: 'same-id', cardId: DEMO_CARDS.ivanov, lines: SEED_CART };
    const a = await s.sell(req);
    const before = snapshot(t);
    const b = await s.sell(req);
    expect(b.ok && a.ok && b.value.receiptId === a.value.receiptId).toBe(true);
    expect(b.ok && b.value.balanceAfter).toBe(58131);
    expect(snapshot(t)).toEqual(before);
  });

  it('a stored receipt reads back exactly as the sale returned it: benefit notes, refunds, no cabinet password', async () => {
    const s = await ready(t, '9999');
    // The subsidised pupil's first sale: a benefit line with its note, and the temporary cabinet password on paper only.
    const sale = await s.sell({ saleId: sid(), cardId: DEMO_CARDS.subsidised, lines: [{ itemId: BREAKFAST, quantity: 2 }] });
    if (!sale.ok) throw new Error(sale.error.message);
    expect(sale.value.receipt.lines.map((l) => l.note ?? null)).toEqual([expect.stringMatching(/^льгота/), null]);
    expect(sale.value.receipt.cabinetLogin).toBeDefined();
    const { cabinetLogin: _onPaperOnly, ...storedDoc } = sale.value.receipt;
    const back = await s.receipt(sale.value.receiptId);
    expect(back.ok && JSON.stringify(back.value)).toBe(JSON.stringify(storedDoc));
    const refund = await s.refund(sale.value.receiptId, 'ошибка кассира');
    if (!refund.ok) throw new Error(refund.error.message);
    expect(refund.value.receipt).toMatchObject({ kind: 'refund', refundOf: sale.value.receiptNumber });
    expect(refund.value.receipt.pupil?.shortName).toMatch(/^(\p{Lu}\. )+\p{Lu}\.$/u);
    const refundBack = await s.receipt(refund.value.receiptId);
    expect(refundBack.ok && JSON.stringify(refundBack.value)).toBe(JSON.stringify(refund.value.receipt));
    // Reopened: the same docs (built from the rows, not kept in memory).
    t.close();
    t = Object.assign(await openTerminal({ requireTap: false, dbPath: t.dbPath, clock: t.clock }), { clock: t.clock, dbPath: t.dbPath });
    expect((await t.service.login('9999')).ok).toBe(true);
    const again = await t.service.receipt(refund.value.receiptId);
    expect(again.ok && JSON.stringify(again.value)).toBe(JSON.stringify(refund.value.receipt));
  });

  it('a retry after a restart of the core still finds its sale (idempotency keys are loaded from the ledger)', async () => {
    const s = await ready(t);
    const req = { saleId: 'before-restart', cardId: DEMO_CARDS.ivanov, lines: SEED_CART };
    const a = await s.sell(req);
    await s.sell({ saleId: sid(), cardId: DEMO_CARDS.ivanov, lines: [{ itemId: 'dish-sok', quantity: 1 }] });
    t.close();
    t = Object.assign(await openTerminal({ requireTap: false, dbPath: t.dbPath, clock: t.clock }), { clock: t.clock, dbPath: t.dbPath });
    const s2 = await ready(t);
    const before = snapshot(t);
    const b = await s2.sell(req);
    expect(a.ok && b.ok && b.value.receiptId === a.value.receiptId && b.value.receiptNumber).toBe('24-000001');
    expect(snapshot(t)).toEqual(before);
  });

  it('receipt numbers and entry seqs are gapless and survive a restart', async () => {
    const s = await ready(t);
    for (let i = 0; i < 3; i++) expect((await s.sell({ saleId: sid(), cardId: DEMO_CARDS.ivanov, lines: [{ itemId: 'dish-sok', quantity: 1 }] })).ok).toBe(true);
    await refused(t, 'INSUFFICIENT_FUNDS', () => s.sell({ saleId: sid(), cardId: DEMO_CARDS.lowBalance, lines: [{ itemId: 'dish-pizza', quantity: 1 }] }));
    t.close();
    const t2 = await openTerminal({ requireTap: false, dbPath: t.dbPath, clock: t.clock });
    t = Object.assign(t2, { clock: t.clock, dbPath: t.dbPath });
    const s2 = await ready(t);
    const r = await s2.sell({ saleId: sid(), cardId: DEMO_CARDS.ivanov, lines: [{ itemId: 'dish-sok', quantity: 1 }] });
    expect(r.ok && r.value.receiptNumber).toBe('24-000004');
    expect(t.sqlite.prepare('SELECT group_concat(seq) FROM (SELECT seq FROM entries ORDER BY seq)').pluck().get()).toBe('1,2,3,4');
  });

  it('free breakfast: once per school day, budget part as a subsidy entry on the school account; second use at full price', async () => {
    const s = await ready(t);
    const first = await s.sell({ saleId: sid(), cardId: DEMO_CARDS.freeBreakfast, lines: [{ itemId: BREAKFAST, quantity: 1 }] });
    expect(first.ok && first.value).toMatchObject({ total: 0, subsidy: 4961, balanceAfter: 15000 });
    const entries = pendingEntries(t.sqlite);
    // Петрова has no permanent cabinet password: her first sale also issues a temporary one.
    expect(entries.map((e) => [e.kind, e.accountNumber, e.amount])).toEqual([['sale', '0242013145', 0], ['subsidy', null, -4961], ['cabinetPassword', '0242013145', 0]]);
    expect(entries[1]!.payload).toMatchObject({ receiptNumber: '24-000001', pupilAccountNumber: '0242013145', lines: [expect.objectContaining({ itemId: BREAKFAST, subsidy: 4961 })] });
    const info = await s.identifyCard(DEMO_CARDS.freeBreakfast);
    expect(info.ok && info.value.entitlements).toEqual([{ mealSetId: BREAKFAST, parentPays: 0, usedToday: true }]);
    const second = await s.sell({ saleId: sid(), cardId: DEMO_CARDS.freeBreakfast, lines: [{ itemId: BREAKFAST, quantity: 1 }] });
    expect(second.ok && second.value).toMatchObject({ total: 4961, subsidy: 0, balanceAfter: 15000 - 4961 });
    t.clock.advance(24 * 3600_000);
    const nextDay = await s.sell({ saleId: sid(), cardId: DEMO_CARDS.freeBreakfast, lines: [{ itemId: BREAKFAST, quantity: 2 }] });
    expect(nextDay.ok && nextDay.value).toMatchObject({ total: 4961, subsidy: 4961 });
  });

  it('subsidised breakfast: parents pay 20,00, the budget 29,61', async () => {
    const s = await ready(t);
    const r = await s.sell({ saleId: sid(), cardId: DEMO_CARDS.subsidised, lines: [{ itemId: BREAKFAST, quantity: 1 }] });
    expect(r.ok && r.value).toMatchObject({ total: 2000, subsidy: 2961, balanceAfter: 8000 });
    expect(pendingEntries(t.sqlite).filter((e) => e.kind !== 'cabinetPassword').map((e) => e.amount)).toEqual([-2000, -2961]);
  });

  it('a pupil without the benefit pays the full price of the meal set', async () => {
    const s = await ready(t);
    const r = await s.sell({ saleId: sid(), cardId: DEMO_CARDS.ivanov, lines: [{ itemId: BREAKFAST, quantity: 1 }] });
    expect(r.ok && r.value).toMatchObject({ total: 4961, subsidy: 0 });
  });

  it('refuses barred dishes and barred categories, writing nothing', async () => {
    const s = await ready(t);
    await refused(t, 'BARRED_ITEM', () => s.sell({ saleId: sid(), cardId: DEMO_CARDS.barred, lines: [{ itemId: 'dish-kasha-grech', quantity: 1 }, { itemId: 'dish-pizza', quantity: 1 }] }));
    await refused(t, 'BARRED_ITEM', () => s.sell({ saleId: sid(), cardId: DEMO_CARDS.barred, lines: [{ itemId: 'dish-sok', quantity: 1 }] }));
    const info = await s.identifyCard(DEMO_CARDS.barred);
    expect(info.ok && info.value.barredItemIds.sort()).toEqual(['dish-chai', 'dish-kakao', 'dish-kompot', 'dish-pizza', 'dish-sok']);
    expect((await s.sell({ saleId: sid(), cardId: DEMO_CARDS.barred, lines: [{ itemId: 'dish-kasha-grech', quantity: 1 }] })).ok).toBe(true);
  });

  it('refuses blocked and lost cards but identifies them with a warning', async () => {
    const s = await ready(t);
    await refused(t, 'CARD_BLOCKED', () => s.sell({ saleId: sid(), cardId: DEMO_CARDS.blocked, lines: [{ itemId: 'dish-sok', quantity: 1 }] }));
    await refused(t, 'CARD_LOST', () => s.sell({ saleId: sid(), cardId: DEMO_CARDS.lost, lines: [{ itemId: 'dish-sok', quantity: 1 }] }));
    const info = await s.identifyCard(DEMO_CARDS.blocked);
    expect(info.ok && info.value).toMatchObject({ cardState: 'blocked', warnings: ['Карта заблокирована'] });
  });

  it('balance rule: not enough money is refused; sale to exactly zero is allowed', async () => {
    const s = await ready(t);
    await refused(t, 'INSUFFICIENT_FUNDS', () => s.sell({ saleId: sid(), cardId: DEMO_CARDS.lowBalance, lines: [{ itemId: 'dish-sok', quantity: 1 }] }));
    // 10,00 = 4,73 + 5,27? use 2 × 4,73 = 9,46 then 0,54 left, then refused again
    const r = await s.sell({ saleId: sid(), cardId: DEMO_CARDS.lowBalance, lines: [{ itemId: 'dish-makarony', quantity: 2 }] });
    expect(r.ok && r.value.balanceAfter).toBe(54);
    await refused(t, 'INSUFFICIENT_FUNDS', () => s.sell({ saleId: sid(), cardId: DEMO_CARDS.lowBalance, lines: [{ itemId: 'dish-makarony', quantity: 1 }] }));
  });

  it('offline overdraft: the school limit applies only while offline', async () => {
    t.sqlite.prepare('UPDATE schools SET overdraft_limit = 5000').run();
    t.service.reload();
    const s = await ready(t);
    const r = await s.sell({ saleId: sid(), cardId: DEMO_CARDS.lowBalance, lines: [{ itemId: 'dish-pizza', quantity: 1 }] });
    expect(r.ok && r.value.balanceAfter).toBe(1000 - 3450);
    await refused(t, 'INSUFFICIENT_FUNDS', () => s.sell({ saleId: sid(), cardId: DEMO_CARDS.lowBalance, lines: [{ itemId: 'dish-sok', quantity: 2 }] }));
    t.close();
    t = Object.assign(await openTerminal({ requireTap: false, dbPath: t.dbPath, clock: t.clock, sync: { state: () => ({ online: true, configured: true }) } }), { clock: t.clock, dbPath: t.dbPath });
    const s2 = await ready(t);
    const info = await s2.identifyCard(DEMO_CARDS.ivanov);
    expect(info.ok && info.value.overdraftLimit).toBe(0);
  });

  it('running sums are written behind the sale: right before the idle fold, after it, after a restart and after a pull', async () => {
    const s = await ready(t);
    const stored = () => t.sqlite.prepare('SELECT local_sum, spent_day, spent_today FROM accounts WHERE number = ?').get('0242013137');
    const shown = async () => { const i = await s.identifyCard(DEMO_CARDS.ivanov); return i.ok && { balance: i.value.balance, spentToday: i.value.spentToday }; };
    await s.sell({ saleId: sid(), cardId: DEMO_CARDS.ivanov, lines: SEED_CART });
    await s.sell({ saleId: sid(), cardId: DEMO_CARDS.ivanov, lines: [{ itemId: 'dish-sok', quantity: 1 }] });
    // The sale's commit did not touch the accounts row; the service adds the unfolded entries.
    expect(stored()).toEqual({ local_sum: 0, spent_day: null, spent_today: 0 });
    expect(await shown()).toEqual({ balance: 67766 - 9635 - 1320, spentToday: 9635 + 1320 });
    expect(checkIntegrity(t.sqlite)).toEqual([]);
    // The idle moment folds them into the row and moves the cursor.
    expect((s as unknown as { ledger: { checkpointer: { run(): boolean } } }).ledger.checkpointer.run()).toBe(true);
    expect(stored()).toEqual({ local_sum: -10955, spent_day: '2018-03-15', spent_today: 10955 });
    expect(snapshot(t).cursors).toMatchObject({ sums_through_seq: 2 });
    expect(await shown()).toEqual({ balance: 56811, spentToday: 10955 });
    // One more sale, then the process dies before any fold (the handle closes, nothing else runs):
    // the unfolded entry is read back from the ledger's tail.
    await s.sell({ saleId: sid(), cardId: DEMO_CARDS.ivanov, lines: [{ itemId: 'dish-sok', quantity: 1 }] });
    t.sqlite.close();
    t = Object.assign(await openTerminal({ requireTap: false, dbPath: t.dbPath, clock: t.clock }), { clock: t.clock, dbPath: t.dbPath });
    expect(stored()).toEqual({ local_sum: -10955, spent_day: '2018-03-15', spent_today: 10955 });
    const s2 = await ready(t);
    const shown2 = async () => { const i = await s2.identifyCard(DEMO_CARDS.ivanov); return i.ok && { balance: i.value.balance, spentToday: i.value.spentToday }; };
    expect(await shown2()).toEqual({ balance: 56811 - 1320, spentToday: 10955 + 1320 });
    // A pull whose balance includes entries 1..2 (folded) but not 3 (unfolded): nothing counted twice or missed.
    t.sqlite.prepare('UPDATE accounts SET server_balance = ?, server_seq = 2 WHERE number = ?').run(67766 - 10955, '0242013137');
    s2.reload();
    expect(await shown2()).toEqual({ balance: 56811 - 1320, spentToday: 10955 + 1320 });
    // …and one that includes entry 3 as well.
    t.sqlite.prepare('UPDATE accounts SET server_balance = ?, server_seq = 3 WHERE number = ?').run(67766 - 10955 - 1320, '0242013137');
    expect(await shown2()).toEqual({ balance: 56811 - 1320, spentToday: 10955 + 1320 });
    expect(checkIntegrity(t.sqlite)).toEqual([]);
    // A clean shutdown folds what is left; a stored sum that does not match its entries is caught.
    t.service.idleWork();
    expect(snapshot(t).cursors).toMatchObject({ sums_through_seq: 3 });
    expect(checkIntegrity(t.sqlite)).toEqual([]);
    t.sqlite.prepare('UPDATE accounts SET local_sum = 5 WHERE number = ?').run('0242013137');
    expect(checkIntegrity(t.sqlite)).toEqual(['account 0242013137: stored local_sum 5 ≠ 0 from its entries']);
  });

  it('a running-sums fold that fails is logged, loses nothing, and folds at the next idle moment', async () => {
    const s = await ready(t);
    await s.sell({ saleId: sid(), cardId: DEMO_CARDS.ivanov, lines: [{ itemId: 'dish-sok', quantity: 1 }] });
    t.sqlite.exec(`CREATE TEMP TRIGGER fold_fails BEFORE UPDATE OF local_sum ON accounts BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END`);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      t.service.idleWork();
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/running sums not folded yet.*disk I\/O error/));
    } finally { warn.mockRestore(); }
    expect(snapshot(t).cursors).toMatchObject({ sums_through_seq: 0 });
    const i = await s.identifyCard(DEMO_CARDS.ivanov);
    expect(i.ok && i.value.balance).toBe(67766 - 1320);
    t.sqlite.exec('DROP TRIGGER fold_fails');
    t.service.idleWork();
    expect(snapshot(t).cursors).toMatchObject({ sums_through_seq: 1 });
    expect(checkIntegrity(t.sqlite)).toEqual([]);
  });

  it('daily limit: counts today’s spending, resets next school day (Moscow time)', async () => {
    const s = await ready(t);
    expect((await s.sell({ saleId: sid(), cardId: DEMO_CARDS.dailyLimit, lines: [{ itemId: 'dish-pizza', quantity: 2 }] })).ok).toBe(true);
    await refused(t, 'DAILY_LIMIT', () => s.sell({ saleId: sid(), cardId: DEMO_CARDS.dailyLimit, lines: [{ itemId: 'dish-pizza', quantity: 1 }] }));
    expect((await s.sell({ saleId: sid(), cardId: DEMO_CARDS.dailyLimit, lines: [{ itemId: 'dish-kasha-grech', quantity: 2 }] })).ok).toBe(true);
    const info = await s.identifyCard(DEMO_CARDS.dailyLimit);
    expect(info.ok && info.value).toMatchObject({ dailyLimit: 10000, spentToday: 6900 + 1660 });
    t.clock.t = new Date('2018-03-15T21:00:00Z'); // 00:00 on the 16th in Moscow
    expect((await s.sell({ saleId: sid(), cardId: DEMO_CARDS.dailyLimit, lines: [{ itemId: 'dish-pizza', quantity: 2 }] })).ok).toBe(true);
  });

  it('balance = server snapshot + local entries after server_seq', async () => {
    const s = await ready(t);
    await s.sell({ saleId: sid(), cardId: DEMO_CARDS.ivanov, lines: SEED_CART });
    await s.sell({ saleId: sid(), cardId: DEMO_CARDS.ivanov, lines: [{ itemId: 'dish-sok', quantity: 1 }] });
    // The server reports a top-up of 100,00 and that it includes our seq 1 only.
    t.sqlite.prepare(`UPDATE accounts SET server_balance = ?, server_seq = 1 WHERE number = '0242013137'`).run(67766 - 9635 + 10000);
    const info = await s.identifyCard(DEMO_CARDS.ivanov);
    expect(info.ok && info.value.balance).toBe(67766 - 9635 + 10000 - 1320);
  });

  it('rejects every bad sale input with a Russian message and writes nothing', async () => {
    const s = await ready(t);
    const card = DEMO_CARDS.ivanov;
    await refused(t, 'EMPTY_SALE', () => s.sell({ saleId: sid(), cardId: card, lines: [] }));
    await refused(t, 'UNKNOWN_ITEM', () => s.sell({ saleId: sid(), cardId: card, lines: [{ itemId: 'dish-nope', quantity: 1 }] }));
    await refused(t, 'UNKNOWN_CARD', () => s.sell({ saleId: sid(), cardId: 'EM:0000000000', lines: [{ itemId: 'dish-sok', quantity: 1 }] }));
    for (const bad of ['', 'garbage', 'EM:123', 'Em-Marine[5500] 126,58404', 42 as unknown as string]) {
      await refused(t, 'BAD_INPUT', () => s.sell({ saleId: sid(), cardId: bad, lines: [{ itemId: 'dish-sok', quantity: 1 }] }));
      await refused(t, 'BAD_INPUT', () => s.identifyCard(bad));
    }
    for (const q of [0, -1, 1.5, 100, NaN, '2' as unknown as number]) {
      await refused(t, 'BAD_INPUT', () => s.sell({ saleId: sid(), cardId: card, lines: [{ itemId: 'dish-sok', quantity: q }] }));
    }
    await refused(t, 'BAD_INPUT', () => s.sell({ saleId: '', cardId: card, lines: [{ itemId: 'dish-sok', quantity: 1 }] }));
    await refused(t, 'BAD_INPUT', () => s.sell(null as never));
    await refused(t, 'BAD_INPUT', () => s.sell({ saleId: sid(), cardId: card, lines: 'x' as never }));
    await refused(t, 'BAD_INPUT', () => s.sell({ saleId: sid(), cardId: card, lines: [null as never] }));
    await refused(t, 'UNKNOWN_CARD', () => s.identifyCard('MF:00000000'));
    expect((await s.identifyCard('em:55007ee424')).ok).toBe(true);
  });

  it('quote prices without writing', async () => {
    const s = await ready(t);
    const before = snapshot(t);
    const q = await s.quote({ saleId: sid(), cardId: DEMO_CARDS.freeBreakfast, lines: [{ itemId: BREAKFAST, quantity: 1 }, { itemId: 'dish-sok', quantity: 1 }] });
    expect(q.ok && q.value).toMatchObject({ total: 1320, subsidy: 4961, balanceAfter: 15000 - 1320 });
    expect(snapshot(t)).toEqual(before);
  });

  it('no sale without login or open shift; PIN errors', async () => {
    const s = t.service;
    await refused(t, 'NOT_LOGGED_IN', () => s.sell({ saleId: sid(), cardId: DEMO_CARDS.ivanov, lines: SEED_CART }));
    await refused(t, 'NOT_LOGGED_IN', () => s.openShift());
    // Reading a pupil or a receipt needs a cashier too, whichever shell asks (Electron's IPC has no HTTP gate).
    await refused(t, 'NOT_LOGGED_IN', () => s.identifyCard(DEMO_CARDS.ivanov));
    await refused(t, 'NOT_LOGGED_IN', () => s.lastReceipts(10));
    await refused(t, 'NOT_LOGGED_IN', () => s.receipt('018e0000-0000-7000-8000-00000000000a'));
    await refused(t, 'BAD_PIN', () => s.login('0000'));
    await refused(t, 'BAD_PIN', () => s.login('12'));
    await refused(t, 'BAD_PIN', () => s.login('abcd'));
    expect((await s.login('1111')).ok).toBe(true);
    await refused(t, 'NO_OPEN_SHIFT', () => s.sell({ saleId: sid(), cardId: DEMO_CARDS.ivanov, lines: SEED_CART }));
    await refused(t, 'NO_OPEN_SHIFT', () => s.xReport());
    expect((await s.openShift()).ok).toBe(true);
    await refused(t, 'SHIFT_ALREADY_OPEN', () => s.openShift());
  });

  it('shift: X report at any time, Z closes (manager only), totals and per-dish figures', async () => {
    const s = await ready(t);
    await s.sell({ saleId: sid(), cardId: DEMO_CARDS.ivanov, lines: SEED_CART });
    await s.sell({ saleId: sid(), cardId: DEMO_CARDS.freeBreakfast, lines: [{ itemId: BREAKFAST, quantity: 1 }] });
    const x = await s.xReport();
    expect(x.ok && x.value).toMatchObject({ kind: 'X', salesCount: 2, salesTotal: 9635, subsidyTotal: 4961, refundsCount: 0, net: 9635, firstReceipt: '24-000001', lastReceipt: '24-000002' });
    expect(x.ok && x.value.perItem.find((i) => i.itemId === 'dish-pizza')).toEqual({ itemId: 'dish-pizza', name: 'Пицца 125 г', quantity: 1, amount: 3450 });
    await refused(t, 'WRONG_ROLE', () => s.closeShift());
    await s.login('9999');
    const z = await s.closeShift();
    expect(z.ok && z.value).toMatchObject({ kind: 'Z', salesCount: 2 });
    expect(z.ok && z.value.text.join('\n')).toContain('Z-отчёт по смене №1');
    await refused(t, 'NO_OPEN_SHIFT', () => s.sell({ saleId: sid(), cardId: DEMO_CARDS.ivanov, lines: SEED_CART }));
    const again = await s.openShift();
    expect(again.ok && again.value.number).toBe(2);
    const x2 = await s.xReport();
    expect(x2.ok && x2.value.salesCount).toBe(0);
  });

  it('refund: manager only, a reversal entry (+subsidy reversal), never an edit; once', async () => {
    const s = await ready(t);
    const sale = await s.sell({ saleId: sid(), cardId: DEMO_CARDS.subsidised, lines: [{ itemId: BREAKFAST, quantity: 1 }] });
    if (!sale.ok) throw new Error('sale failed');
    await refused(t, 'WRONG_ROLE', () => s.refund(sale.value.receiptId, 'ошибка'));
    await s.login('9999');
    await refused(t, 'BAD_INPUT', () => s.refund(sale.value.receiptId, '  '));
    await refused(t, 'RECEIPT_NOT_FOUND', () => s.refund('no-such', 'ошибка'));
    const docBefore = t.sqlite.prepare('SELECT doc, total FROM receipts WHERE id = ?').get(sale.value.receiptId);
    const r = await s.refund(sale.value.receiptId, 'ошибка кассира');
    expect(r.ok && r.value).toMatchObject({ receiptNumber: '24-000002', total: 2000, subsidy: 2961, balanceAfter: 10000 });
    expect(balanceOf(t, '0242013195')).toBe(10000);
    const wire = pendingEntries(t.sqlite).filter((e) => e.kind !== 'cabinetPassword');
    expect(wire.map((e) => [e.kind, e.amount])).toEqual([['sale', -2000], ['subsidy', -2961], ['refund', 2000], ['subsidy', 2961]]);
    expect(wire[0]!.receiptId).toBe(sale.value.receiptId);
    expect(wire[2]!.receiptId).toBe(r.ok && r.value.receiptId);
    expect(refundPayloadSchema.parse(wire[2]!.payload)).toEqual({
      receiptId: r.ok && r.value.receiptId, receiptNumber: '24-000002', total: 2000, subsidy: 2961, issuedAt: expect.any(String),
      refundOf: sale.value.receiptId, reason: 'ошибка кассира', lines: [expect.objectContaining({ itemId: BREAKFAST, amount: 2000, subsidy: 2961 })],
    });
    expect(wire[3]!.receiptId).toBeUndefined();
    expect(wire[3]!.payload).toMatchObject({ refundOf: sale.value.receiptId, receiptNumber: '24-000002' });
    expect(t.sqlite.prepare('SELECT doc, total FROM receipts WHERE id = ?').get(sale.value.receiptId)).toEqual(docBefore);
    await refused(t, 'ALREADY_REFUNDED', () => s.refund(sale.value.receiptId, 'ещё раз'));
    if (!r.ok) return;
    await refused(t, 'RECEIPT_NOT_FOUND', () => s.refund(r.value.receiptId, 'возврат возврата'));
    // The benefit is free again after the refund.
    const again = await s.sell({ saleId: sid(), cardId: DEMO_CARDS.subsidised, lines: [{ itemId: BREAKFAST, quantity: 1 }] });
    expect(again.ok && again.value.total).toBe(2000);
    const z = await s.xReport();
    expect(z.ok && z.value).toMatchObject({ salesCount: 2, refundsCount: 1, refundsTotal: 2000, net: 2000, subsidyTotal: 2961 });
  });

  it('block card (manager): state changes, cardBlock entry queued; sales refused afterwards', async () => {
    const s = await ready(t);
    await refused(t, 'WRONG_ROLE', () => s.blockCard(DEMO_CARDS.ivanov, 'утеряна'));
    await s.login('9999');
    await refused(t, 'UNKNOWN_CARD', () => s.blockCard('EM:0000000001', 'утеряна'));
    await refused(t, 'BAD_INPUT', () => s.blockCard(DEMO_CARDS.ivanov, ''));
    expect((await s.blockCard(DEMO_CARDS.ivanov, 'утеряна')).ok).toBe(true);
    expect(pendingEntries(t.sqlite).map((e) => [e.kind, e.amount, e.cardId])).toEqual([['cardBlock', 0, DEMO_CARDS.ivanov]]);
    await refused(t, 'CARD_BLOCKED', () => s.sell({ saleId: sid(), cardId: DEMO_CARDS.ivanov, lines: SEED_CART }));
  });

  it('new cabinet password: hash in the entry, plaintext only on the printed slip', async () => {
    const s = await ready(t, '9999');
    await refused(t, 'BAD_INPUT', () => s.newCabinetPassword('123'));
    await refused(t, 'BAD_INPUT', () => s.newCabinetPassword('0000000000'));
    const r = await s.newCabinetPassword('0242013145');
    expect(r.ok).toBe(true);
    const [e] = pendingEntries(t.sqlite);
    expect(e).toMatchObject({ kind: 'cabinetPassword', amount: 0, accountNumber: '0242013145' });
    expect(String(e!.payload.passwordHash)).toMatch(/^\$argon2id\$/);
    const job = JSON.parse(t.sqlite.prepare('SELECT payload FROM print_jobs').pluck().get() as string);
    expect(job.cabinetLogin.login).toBe('0242013145');
    expect(job.cabinetLogin.password).toMatch(/^[a-z2-9]{8}$/);
    expect(JSON.stringify(e)).not.toContain(job.cabinetLogin.password);
    // The slip names the pupil by initials only.
    const slip = receiptText(job, 48).join('\n');
    expect(slip).toMatch(/^(\p{Lu}\. )+\p{Lu}\., \S+ +Л\/С 0242013145$/mu);
    expect(job.pupil.shortName).toMatch(/^(\p{Lu}\. )+\p{Lu}\.$/u);
  });

  it('receipts list, receipt doc, reprint as a copy', async () => {
    const s = await ready(t);
    const sale = await s.sell({ saleId: sid(), cardId: DEMO_CARDS.ivanov, lines: SEED_CART });
    if (!sale.ok) throw new Error();
    const list = await s.lastReceipts(5);
    expect(list.ok && list.value).toEqual([expect.objectContaining({ number: '24-000001', pupilName: 'Иванов Иван Иванович', total: 9635, refunded: false, kind: 'sale' })]);
    await refused(t, 'BAD_INPUT', () => s.lastReceipts(0));
    const doc = await s.receipt(sale.value.receiptId);
    expect(doc.ok && doc.value.total).toBe(9635);
    const rp = await s.reprint(sale.value.receiptId);
    expect(rp.ok).toBe(true);
    expect(t.sqlite.prepare('SELECT copy FROM print_jobs ORDER BY created_at DESC, id DESC LIMIT 1').pluck().get()).toBe(1);
    // Initials only on the receipt and its copy, also for a receipt stored with the old "Иванов И.И.".
    expect(doc.ok && doc.value.pupil?.shortName).toBe('И. И. И.');
    t.sqlite.prepare(`UPDATE receipts SET pupil_name = 'Иванов И.И.' WHERE id = ?`).run(sale.value.receiptId);
    const old = await s.receipt(sale.value.receiptId);
    if (!old.ok) throw new Error(old.error.message);
    const copy = receiptText({ ...old.value, copy: true }, 48);
    expect(copy).toContain('И. И. И., 03Б                     Л/С 0242013137');
    expect(copy.join('\n')).not.toContain('Иванов');
    await refused(t, 'RECEIPT_NOT_FOUND', () => s.reprint('nope'));
  });

  it('status reports terminal, session, shift and pending outbox; acked rows leave the count', async () => {
    const s = await ready(t);
    await s.sell({ saleId: sid(), cardId: DEMO_CARDS.freeBreakfast, lines: [{ itemId: BREAKFAST, quantity: 1 }] });
    const st = await s.status();
    // sale + subsidy + the temporary cabinet password of a pupil without a permanent one
    expect(st.ok && st.value).toMatchObject({ terminalName: 'Касса 1', schoolCode: '24', schoolName: 'Школа №24', sync: { pending: 3, configured: false } });
    markAcked(t.sqlite, 1);
    expect(pendingCount(t.sqlite)).toBe(2);
  });

  it('an old (empty-schema) file upgrades in place: reopening keeps data and migrations are not re-run', async () => {
    const s = await ready(t);
    await s.sell({ saleId: sid(), cardId: DEMO_CARDS.ivanov, lines: SEED_CART });
    t.close();
    t = Object.assign(await openTerminal({ requireTap: false, dbPath: t.dbPath, clock: t.clock }), { clock: t.clock, dbPath: t.dbPath });
    expect(balanceOf(t, '0242013137')).toBe(58131);
    expect(t.sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(t.sqlite.pragma('synchronous', { simple: true })).toBe(2);
  });

  it('integrity check is sound on a good ledger and catches broken ones', async () => {
    const s = await ready(t);
    await s.sell({ saleId: sid(), cardId: DEMO_CARDS.subsidised, lines: [{ itemId: BREAKFAST, quantity: 1 }] });
    await s.sell({ saleId: sid(), cardId: DEMO_CARDS.ivanov, lines: SEED_CART });
    expect(checkIntegrity(t.sqlite)).toEqual([]);
    // The cursors must point inside the ledger; receipts up to the print cursor must have their job rows
    // (receipt 1 has one already: it carries the subsidised pupil's temporary cabinet password).
    t.sqlite.prepare('UPDATE ledger_cursors SET outbox_acked_seq = 9').run();
    expect(checkIntegrity(t.sqlite)).toEqual(['outbox cursor 9 is outside the ledger (entries 1..4)']);
    t.sqlite.prepare('UPDATE ledger_cursors SET outbox_acked_seq = 4, print_jobs_through_seq = 2').run();
    expect(checkIntegrity(t.sqlite)).toEqual(['receipt 24-000002: no print job']);
    new SqlitePrintJobStore(t.sqlite).insert({ id: 'j1', receiptId: t.sqlite.prepare('SELECT id FROM receipts WHERE seq = 2').pluck().get() as string,
      kind: 'receipt', payload: null, receiptSeq: 2, status: 'queued', attempts: 0, lastError: null, copy: false, createdAt: t.clock.now().toISOString(), printedAt: null });
    expect(checkIntegrity(t.sqlite)).toEqual([]);
    t.sqlite.prepare('DELETE FROM ledger_cursors').run();
    expect(checkIntegrity(t.sqlite)).toContain('ledger_cursors has no row: the outbox, the print queue and the running sums have lost their place');
    t.sqlite.prepare('INSERT INTO ledger_cursors (id) VALUES (1)').run();
    t.sqlite.prepare(`DELETE FROM receipts WHERE seq = 1`).run();
    expect(checkIntegrity(t.sqlite).join('\n')).toMatch(/gaps/);
  });

  it('a file made by the first migration upgrades in place, with running sums backfilled', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'canteen-old-'));
    const oldMigrations = path.join(dir, 'migrations');
    cpSync(TERMINAL_MIGRATIONS, oldMigrations, { recursive: true });
    const journalPath = path.join(oldMigrations, 'meta', '_journal.json');
    const journal = JSON.parse(readFileSync(journalPath, 'utf8'));
    journal.entries = journal.entries.slice(0, 1);
    writeFileSync(journalPath, JSON.stringify(journal));
    const dbPath = path.join(dir, 'old.db');
    const old = new Database(dbPath);
    applyPragmas(old);
    migrate(drizzle(old), { migrationsFolder: oldMigrations });
    await loadSchool(old);
    old.prepare(`INSERT INTO entries (uuid, seq, kind, account_number, amount, created_at, school_day, payload) VALUES ('018e0000-0000-7000-8000-000000000001', 1, 'sale', '0242013137', -9635, '2018-03-15T07:42:00Z', '2018-03-15', '{}')`).run();
    old.prepare(`INSERT INTO outbox (seq, entry_uuid) VALUES (1, '018e0000-0000-7000-8000-000000000001')`).run();
    old.close();
    const clock = new TestClock();
    const up = await openTerminal({ requireTap: false, dbPath, clock });
    try {
      expect((await up.service.login('9999')).ok).toBe(true);
      const info = await up.service.identifyCard(DEMO_CARDS.ivanov);
      expect(info.ok && info.value).toMatchObject({ balance: 58131, spentToday: 9635 });
      // server_seq moving past the entry: the trigger recomputes local_sum
      up.sqlite.prepare(`UPDATE accounts SET server_balance = 58131, server_seq = 1 WHERE number = '0242013137'`).run();
      const after = await up.service.identifyCard(DEMO_CARDS.ivanov);
      expect(after.ok && after.value.balance).toBe(58131);
    } finally { up.close(); }
  });
});
