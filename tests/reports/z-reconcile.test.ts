import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import type { SyncEntry } from '../../src/api/sync.js';
import { formatMoney } from '../../src/core/money.js';
import { query } from '../../src/server/db/open.js';
import { api, enrollDemoTerminal, startTestServer, type TestServer } from '../server/helpers.js';
import { IVANOV, newTerminal, PIZZA, topUpAll, type TestTerminal } from '../sync/harness.js';

/**
 * Issue 16, points 1 and 7: a closed shift's Z reaches the server as a `zReport` entry and is
 * reconciled against the server's entries for that shift; a subsidy entry carries its receipt id.
 */
const GRADE_1_4_CARD = 'MF:BCD14264';       // 1–4 классы: the breakfast set free, 49,61 from the budget
const LOW_INCOME_CARD = 'EM:55007E1006';     // малообеспеченные: parents 20,00, budget 29,61
const BREAKFAST = 'set-breakfast-1-4';

let s: TestServer;
let t: TestTerminal;

beforeAll(async () => {
  s = await startTestServer();
  await topUpAll(s.handle, 100_000);
  t = await newTerminal(s);
}, 180_000);
afterAll(async () => { await t?.close(); await s?.close(); });

describe('Z report on the server', () => {
  it('a shift closed at the till arrives as a zReport entry that agrees with the server to the kopeck', async () => {
    await t.sell(IVANOV.card, [PIZZA]);
    const benefit = await t.sell(GRADE_1_4_CARD, [BREAKFAST]);
    const subsidised = await t.sell(LOW_INCOME_CARD, [BREAKFAST]);
    await t.service.login('9999');
    const refund = await t.service.refund(subsidised.receiptId, 'ошибка кассира');
    expect(refund.ok).toBe(true);
    const z = await t.service.closeShift();
    expect(z.ok).toBe(true);
    if (!z.ok) return;
    await t.client.syncOnce();
    expect(t.pending()).toBe(0);

    const [row] = await query<Record<string, unknown>>(s.handle.db, sql`SELECT * FROM shift_reports WHERE shift_id = ${z.value.shift.id}`);
    expect(row).toMatchObject({
      terminal_id: t.terminalId, shift_number: z.value.shift.number, matches: true, differences: [],
      sales_count: 3, sales_total: 3450 + 0 + 2000, refunds_count: 1, refunds_total: 2000,
      subsidy_total: 4961 + 2961 - 2961, first_receipt: z.value.firstReceipt, last_receipt: z.value.lastReceipt,
    });
    // The server's own count, independently of the reconcile code: its entries for the shift.
    const [own] = await query<{ sales: number; subsidy: number }>(s.handle.db, sql`
      SELECT -sum(amount) FILTER (WHERE kind = 'sale') AS sales, -sum(amount) FILTER (WHERE kind = 'subsidy') AS subsidy
      FROM entries WHERE shift_id = ${z.value.shift.id}`);
    expect(row).toMatchObject({ sales_total: Number(own!.sales), subsidy_total: Number(own!.subsidy) });
    expect(z.value).toMatchObject({ salesTotal: Number(own!.sales), subsidyTotal: Number(own!.subsidy) });
    const flags = await query<{ reason: string }>(s.handle.db, sql`SELECT reason FROM review_flags WHERE reason = 'zMismatch'`);
    expect(flags).toEqual([]);
  });

  it('every subsidy entry names its receipt in receipt_id (joins to the receipt whose subsidy it is)', async () => {
    const rows = await query<{ amount: number; receipt_id: string | null; kind: string | null; subsidy: number | null }>(s.handle.db, sql`
      SELECT e.amount, e.receipt_id, r.kind, r.subsidy FROM entries e
      LEFT JOIN receipts r ON r.school_id = e.school_id AND r.id = e.receipt_id
      WHERE e.kind = 'subsidy' ORDER BY e.seq`);
    expect(rows.length).toBe(3);
    for (const r of rows) {
      expect(r.receipt_id).not.toBeNull();
      expect(Number(r.amount)).toBe(r.kind === 'sale' ? -Number(r.subsidy) : Number(r.subsidy));
    }
  });

  it('a Z that counts a receipt the server does not have is flagged with the difference, and shown', async () => {
    const terminalId = 'terminal-24-z';
    await s.handle.db.execute(sql`INSERT INTO terminals (id, school_id, name) VALUES (${terminalId}, 'school-24', 'Касса Z') ON CONFLICT DO NOTHING`);
    const { token } = await enrollDemoTerminal(s.handle, terminalId);
    const shiftId = uuidv7();
    const at = (min: number) => new Date(Date.now() - 60_000 * (10 - min)).toISOString();
    const sale = (seq: number, n: number, amount: number): SyncEntry => {
      const receiptId = uuidv7();
      return {
        uuid: uuidv7(), seq, kind: 'sale', accountNumber: IVANOV.account, amount: -amount, createdAt: at(seq), shiftId, cashierId: 'cashier-smirnova',
        cardId: IVANOV.card, receiptId,
        payload: { receiptId, receiptNumber: `24-9${String(n).padStart(6, '0')}`, total: amount, subsidy: 0,
          lines: [{ itemId: PIZZA, kind: 'dish', name: 'Пицца 125 г', quantity: 1, unitPrice: amount, amount }] },
      };
    };
    // The till printed receipts 1, 2 and 3; receipt 2 never reached the server (its entry is missing).
    const zUuid = uuidv7();
    const entries: SyncEntry[] = [sale(1, 1, 3450), sale(2, 3, 3450), {
      uuid: zUuid, seq: 3, kind: 'zReport', accountNumber: null, amount: 0, createdAt: at(5), shiftId, cashierId: 'manager-petrenko',
      payload: { shiftNumber: 1, openedAt: at(0), closedAt: at(5), salesCount: 3, salesTotal: 3 * 3450, subsidyTotal: 0,
        refundsCount: 0, refundsTotal: 0, firstReceipt: '24-9000001', lastReceipt: '24-9000003' },
    }];
    const r = await api(s, 'POST', '/api/v1/sync/push', { terminalId, entries }, token);
    expect(r).toMatchObject({ status: 200, body: { ackSeq: 3 } });
    const [row] = await query<{ matches: boolean; server: Record<string, unknown>; differences: { field: string }[] }>(s.handle.db,
      sql`SELECT matches, server, differences FROM shift_reports WHERE shift_id = ${shiftId}`);
    expect(row!.matches).toBe(false);
    expect(row!.server).toMatchObject({ salesCount: 2, salesTotal: 6900, firstReceipt: '24-9000001', lastReceipt: '24-9000003' });
    expect(row!.differences.map((d) => d.field)).toEqual(['salesCount', 'salesTotal']);
    const flags = await query<{ reason: string; message: string }>(s.handle.db, sql`SELECT reason, message FROM review_flags WHERE entry_uuid = ${zUuid}`);
    expect(flags).toEqual([{ reason: 'zMismatch', message: expect.stringContaining('чеков продажи: по Z 3, на сервере 2') as unknown as string }]);
    expect(flags[0]!.message).toContain(`сумма продаж: по Z ${formatMoney(10350)}, на сервере ${formatMoney(6900)}`);
    // Pushed again: nothing new (idempotent by entry uuid), still one row and one flag.
    const again = await api(s, 'POST', '/api/v1/sync/push', { terminalId, entries }, token);
    expect(again.body).toEqual({ ackSeq: 3 });
    const n = await query<{ rows: number; flags: number }>(s.handle.db, sql`SELECT (SELECT count(*)::int FROM shift_reports WHERE shift_id = ${shiftId}) AS rows,
      (SELECT count(*)::int FROM review_flags WHERE entry_uuid = ${zUuid}) AS flags`);
    expect(n[0]).toEqual({ rows: 1, flags: 1 });
  });
});
