import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { sql } from 'drizzle-orm';
import { createTestDb } from '../server/helpers.js';
import { balanceOf, count } from '../cabinet/helpers.js';
import { SberSimulator } from './sber-simulator.js';
import { seedDemo } from '../../src/server/admin/seed-demo.js';
import { configuredServer } from '../../src/cli/server.js';
import { startTopUp } from '../../src/server/cabinet/payments.js';
import { returnBalance } from '../../src/server/payments/balance-return.js';
import { recordTopUp } from '../../src/server/ledger/server-entries.js';
import { reconcile } from '../../src/server/admin/reconcile.js';
import type { DbHandle } from '../../src/server/db/open.js';
import type { PaymentGateway } from '../../src/server/cabinet/gateway.js';

/** A pupil leaves: the balance goes back by refund.do against the card payments, the rest by bank transfer; each an entry. */
const PETROVA = '0242013145';
let sim: SberSimulator;
let handle: DbHandle;
let app: FastifyInstance;
let gateway: PaymentGateway;

async function cardPayment(account: string, amount: number): Promise<string> {
  const { paymentId } = await startTopUp(handle.db, gateway, { accountNumber: account, amount, baseUrl: 'http://localhost', now: new Date() });
  const order = sim.orderByNumber(paymentId.replace(/-/g, ''))!;
  await sim.pay(order.mdOrder);
  return order.mdOrder;
}

beforeAll(async () => {
  sim = await new SberSimulator().start();
  sim.deliver = async (url, params) => (await app.inject({ method: 'GET', url: `${new URL(url).pathname}?${new URLSearchParams(params)}` })).statusCode;
  handle = await createTestDb();
  await seedDemo(handle.db);
  app = await configuredServer(handle, { housekeeping: { intervalMs: 0 }, cabinet: { paymentPollMs: 0, lowBalanceIntervalMs: 0 } }, sim.env());
  await app.ready();
  gateway = app.cabinet.gateway!;
}, 180_000);
afterAll(async () => { await app?.close(); await handle?.close(); await sim?.close(); });

describe('return of the remaining balance', () => {
  it('refunds card payments newest first as far as they cover it, the rest by transfer; a repeat changes nothing', async () => {
    const start = await balanceOf(handle, PETROVA);
    const older = await cardPayment(PETROVA, 30000);
    const newer = await cardPayment(PETROVA, 20000);
    await recordTopUp(handle.db, PETROVA, 15000, { source: 'registry' });   // came by bank registry: only a transfer can return it
    const total = start + 65000;
    expect(await balanceOf(handle, PETROVA)).toBe(total);
    const r = await returnBalance(handle.db, gateway, { accountNumber: PETROVA, document: 'ПП-117', reason: 'выбыл в другую школу', by: 'Бухгалтер', now: new Date() });
    expect(r.kind).toBe('done');
    if (r.kind !== 'done') return;
    expect(r.total).toBe(total);
    const refundedTotal = Math.min(total, 50000);
    expect(r.refunded.reduce((s, x) => s + x.amount, 0)).toBe(refundedTotal);
    expect(r.transferred).toBe(total - refundedTotal);
    expect(sim.orders.get(newer)!.refunded).toBe(Math.min(total, 20000));
    expect(sim.orders.get(older)!.refunded).toBe(Math.max(0, Math.min(total - 20000, 30000)));
    expect(sim.last('refund.do')).toMatchObject({ userName: sim.userName });
    expect(await balanceOf(handle, PETROVA)).toBe(0);
    const parts = (await handle.db.execute(sql`SELECT amount, payload->>'title' AS title FROM entries WHERE account_number = ${PETROVA} AND kind = 'correction' AND payload->>'balanceReturn' = 'ПП-117' ORDER BY created_at, uuid`)) as unknown as { rows: { amount: number; title: string }[] };
    expect(parts.rows.length).toBe(r.refunded.length + (r.transferred ? 1 : 0));
    expect(parts.rows.some((p) => p.title === 'Возврат остатка банковским переводом, документ №ПП-117')).toBe(r.transferred > 0);
    expect((await reconcile(handle.db)).differences).toEqual([]);

    const entries = await count(handle, 'entries');
    const again = await returnBalance(handle.db, gateway, { accountNumber: PETROVA, document: 'ПП-117', reason: 'выбыл в другую школу', by: 'Другой', now: new Date() });
    expect(again).toMatchObject({ kind: 'duplicate', document: 'ПП-117', by: 'Бухгалтер', total });
    expect(await count(handle, 'entries')).toBe(entries);
    expect(sim.requests.filter((x) => x.method === 'refund.do').length).toBe(r.refunded.length);
  });

  it('a refund the bank refuses goes by transfer instead; bad input is refused with nothing changed', async () => {
    const acct = '0242013137';
    await cardPayment(acct, 10000);
    const bal = await balanceOf(handle, acct);
    const entries = await count(handle, 'entries');
    for (const bad of [
      { accountNumber: acct, document: '', reason: 'выбыл' },
      { accountNumber: acct, document: 'ПП-1', reason: '' },
      { accountNumber: '12345', document: 'ПП-1', reason: 'выбыл' },
      { accountNumber: '0999999999', document: 'ПП-1', reason: 'выбыл' },
      { accountNumber: acct, document: "1'; DROP TABLE entries;--", reason: 'выбыл' },
    ]) {
      const res = await returnBalance(handle.db, gateway, { ...bad, by: 'Бухгалтер', now: new Date() });
      expect(res.kind, JSON.stringify(bad)).toBe('error');
    }
    expect(await count(handle, 'entries')).toBe(entries);
    expect(await count(handle, 'balance_returns', `document = 'ПП-1'`)).toBe(0);
    sim.failNext.set('refund.do', { errorCode: '5', errorMessage: 'Возврат невозможен' });
    const r = await returnBalance(handle.db, gateway, { accountNumber: acct, document: 'ПП-118', reason: 'выбыл', by: 'Бухгалтер', now: new Date() });
    expect(r).toMatchObject({ kind: 'done', total: bal });
    if (r.kind !== 'done') return;
    expect(r.refusedRefunds[0]?.reason).toContain('Возврат невозможен');
    expect(r.refunded.reduce((s, x) => s + x.amount, 0) + r.transferred).toBe(bal);
    expect(await balanceOf(handle, acct)).toBe(0);
    const none = await returnBalance(handle.db, gateway, { accountNumber: acct, document: 'ПП-119', reason: 'выбыл', by: 'Бухгалтер', now: new Date() });
    expect(none).toMatchObject({ kind: 'error' });
  });

  it('dies after the bank refunded but before the entry: the rerun books it without a second refund.do', async () => {
    const acct = '0242013153';
    const md = await cardPayment(acct, 40000);
    const bal = await balanceOf(handle, acct);
    // The process "dies" right after refund.do answered: the bank has returned the money, we wrote nothing.
    const dying: PaymentGateway = Object.assign(Object.create(gateway) as PaymentGateway, {
      async refund(p: { externalId: string; amount: number }) { await gateway.refund!(p); throw new Error('процесс остановлен'); },
    });
    await expect(returnBalance(handle.db, dying, { accountNumber: acct, document: 'ПП-120', reason: 'выбыл', by: 'Бухгалтер', now: new Date() })).rejects.toThrow('процесс остановлен');
    const refundedOnce = sim.orders.get(md)!.refunded;
    expect(refundedOnce).toBe(Math.min(bal, 40000));
    expect(await balanceOf(handle, acct)).toBe(bal);
    const calls = sim.requests.filter((x) => x.method === 'refund.do').length;

    const r = await returnBalance(handle.db, gateway, { accountNumber: acct, document: 'ПП-120', reason: 'выбыл', by: 'Бухгалтер', now: new Date() });
    expect(r).toMatchObject({ kind: 'done', total: bal });
    expect(sim.requests.filter((x) => x.method === 'refund.do').length).toBe(calls);   // no second refund at the bank
    expect(sim.orders.get(md)!.refunded).toBe(refundedOnce);
    expect(await balanceOf(handle, acct)).toBe(0);
    const booked = (await handle.db.execute(sql`SELECT -SUM(amount)::bigint AS n FROM entries WHERE account_number = ${acct} AND payload->>'balanceReturn' = 'ПП-120' AND payload ? 'refundOf'`)) as unknown as { rows: { n: number }[] };
    expect(Number(booked.rows[0]!.n)).toBe(refundedOnce);
    expect((await reconcile(handle.db)).differences).toEqual([]);
  });
});
