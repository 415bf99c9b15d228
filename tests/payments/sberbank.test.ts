import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { sql } from 'drizzle-orm';
import { createTestDb } from '../server/helpers.js';
import { Browser, Clock, balanceOf, count, textOf } from '../cabinet/helpers.js';
import { SberSimulator, type SimOrder } from './sber-simulator.js';
import { seedDemo } from '../../src/server/admin/seed-demo.js';
import { configuredServer } from '../../src/cli/server.js';
import { nextCheckDelay } from '../../src/server/payments/poller.js';
import { toOrderNumber } from '../../src/server/payments/sberbank-checksum.js';
import { MemoryMailer } from '../../src/server/cabinet/mailer.js';
import { SberbankGateway } from '../../src/server/payments/sberbank.js';
import type { DbHandle } from '../../src/server/db/open.js';

/**
 * Card top-ups through the Sberbank adapter against the simulator: the fields
 * register.do carries, callbacks (right, wrong, forged, missing, replayed,
 * lost, late), confirmation by getOrderStatusExtended.do, the poller, bank
 * errors and outages, and a server restart in the middle of a payment.
 */
const IVANOV = '0242013137';
const EMAIL = 'ivanova@example.ru';
let sim: SberSimulator;
let handle: DbHandle;
let app: FastifyInstance;
let b: Browser;
const clock = new Clock();

async function build(): Promise<FastifyInstance> {
  const a = await configuredServer(handle, {
    housekeeping: { intervalMs: 0 },
    cabinet: { now: clock.now, paymentPollMs: 0, lowBalanceIntervalMs: 0, secret: 'csrf-secret', mailer: new MemoryMailer() },
  }, sim.env());
  await a.ready();
  return a;
}

beforeAll(async () => {
  sim = await new SberSimulator().start();
  // The bank's callbacks reach the server through its real routing (inject), as GET with the query string.
  sim.deliver = async (url, params) => {
    const u = new URL(url);
    const r = await app.inject({ method: 'GET', url: `${u.pathname}?${new URLSearchParams(params)}` });
    return r.statusCode;
  };
  handle = await createTestDb();
  await seedDemo(handle.db);
  await handle.db.execute(sql`INSERT INTO cabinet_profiles (account_number, email) VALUES (${IVANOV}, ${EMAIL})`);
  app = await build();
  b = new Browser(app, '10.7.0.1');
  await b.login(IVANOV, 'demo-0242013137');
}, 180_000);
afterAll(async () => { await app?.close(); await handle?.close(); await sim?.close(); });
beforeEach(() => {
  sim.dropCallbacks = false; sim.badChecksum = false; sim.callbackAmount = null; sim.depositAmount = null; sim.down = false;
});

/** The parent asks to pay `amount`; returns the bank's order (the browser is at its formUrl). */
async function startPayment(amount: string): Promise<{ order: SimOrder; paymentId: string }> {
  await b.get('/cabinet/topup');
  const res = await b.post('/cabinet/topup', { amount });
  expect(res.statusCode).toBe(303);
  const location = new URL(String(res.headers.location));
  expect(location.origin).toBe(sim.url);
  const order = sim.orders.get(location.searchParams.get('mdOrder')!)!;
  const paymentId = new URL(order.returnUrl).searchParams.get('payment')!;
  return { order, paymentId };
}

async function paymentRow(id: string) {
  const r = (await handle.db.execute(sql`SELECT status, external_id, amount, next_check_at, last_error FROM cabinet_payments WHERE id = ${id}`)) as unknown as { rows: { status: string; external_id: string | null; next_check_at: string | null; last_error: string | null }[] };
  return r.rows[0]!;
}

const topUps = () => count(handle, 'entries', `kind = 'topUp' AND account_number = '${IVANOV}'`);

async function callback(params: Record<string, string>, method: 'GET' | 'POST' = 'GET') {
  const qs = new URLSearchParams(params).toString();
  return method === 'GET'
    ? app.inject({ method: 'GET', url: `/cabinet/payments/callback/sberbank?${qs}` })
    : app.inject({ method: 'POST', url: '/cabinet/payments/callback/sberbank', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: qs });
}

describe('register.do', () => {
  it('carries every field the bank needs, with the 54-ФЗ receipt, and sends the parent to formUrl', async () => {
    const { order, paymentId } = await startPayment('500');
    const f = sim.last('register.do')!;
    expect(sim.problems).toEqual([]);
    expect(f.userName).toBe(sim.userName);
    expect(f.password).toBe(sim.password);
    expect(f.orderNumber).toBe(toOrderNumber(paymentId));
    expect(f.orderNumber).toMatch(/^[0-9a-f]{32}$/);
    expect(f.amount).toBe('50000');
    expect(f.currency).toBe('643');
    expect(f.language).toBe('ru');
    expect(f.returnUrl).toBe(`http://localhost/cabinet/topup/return?payment=${paymentId}`);
    expect(f.failUrl).toBe(f.returnUrl);
    expect(f.dynamicCallbackUrl).toBe('http://localhost/cabinet/payments/callback/sberbank');
    expect(f.description).toContain(IVANOV);
    expect(f.taxSystem).toBe('0');
    const bundle = JSON.parse(f.orderBundle!);
    expect(bundle.customerDetails).toEqual({ email: EMAIL });
    expect(bundle.cartItems.items).toHaveLength(1);
    expect(bundle.cartItems.items[0]).toMatchObject({
      name: `Пополнение лицевого счёта №${IVANOV}`, itemAmount: 50000, itemPrice: 50000, quantity: { value: 1 }, tax: { taxType: 0 },
    });
    expect((await paymentRow(paymentId)).external_id).toBe(order.mdOrder);
    expect(order.amount).toBe(50000);
  });

  it('a bank error answers a Russian message, creates no money and closes the order', async () => {
    const before = await balanceOf(handle, IVANOV);
    sim.failNext.set('register.do', { errorCode: '5', errorMessage: 'Доступ запрещён' });
    await b.get('/cabinet/topup');
    const res = await b.post('/cabinet/topup', { amount: '300' });
    expect(res.statusCode).toBe(502);
    expect(textOf(res.body)).toContain('Банк не принял заказ. Деньги не списаны');
    sim.down = true;
    await b.get('/cabinet/topup');
    const down = await b.post('/cabinet/topup', { amount: '300' });
    expect(down.statusCode).toBe(502);
    expect(textOf(down.body)).toContain('Банк сейчас не отвечает');
    const r = (await handle.db.execute(sql`SELECT status, last_error FROM cabinet_payments WHERE amount = 30000 ORDER BY created_at`)) as unknown as { rows: { status: string; last_error: string }[] };
    expect(r.rows.map((x) => x.status)).toEqual(['failed', 'failed']);
    expect(r.rows[0]!.last_error).toContain('Доступ запрещён (код 5)');
    expect(await balanceOf(handle, IVANOV)).toBe(before);
  });
});

describe('settings', () => {
  it('a token instead of login and password; the fiscal receipt turned off sends no orderBundle', async () => {
    const gw = new SberbankGateway({ apiUrl: sim.apiUrl, token: sim.token, callbackKey: sim.callbackKey, receipt: null, bindings: false });
    sim.expectReceipt = false;
    try {
      const created = await gw.createPayment({
        orderId: '0190a0b0-1111-7000-8000-000000000001', amount: 12345, accountNumber: IVANOV, description: 'тест',
        returnUrl: 'http://localhost/cabinet/topup/return?payment=x', callbackUrl: 'http://localhost/cabinet/payments/callback/sberbank',
      });
      expect(created.redirectUrl.startsWith(sim.url)).toBe(true);
    } finally { sim.expectReceipt = true; }
    const f = sim.last('register.do')!;
    expect(f.token).toBe(sim.token);
    expect(f.userName).toBeUndefined();
    expect(f.orderBundle).toBeUndefined();
    expect(f.taxSystem).toBeUndefined();
    expect(sim.problems).toEqual([]);
    // An unknown order (errorCode 6) is a failed one, not a retry.
    expect(await gw.orderStatus({ orderId: '0190a0b0-1111-7000-8000-000000000002', externalId: null })).toMatchObject({ state: 'failed' });
  });
});

describe('callbacks and confirmation', () => {
  it('pays: the checksum is verified, getOrderStatusExtended.do confirms, credited once; a duplicate callback and the return page change nothing', async () => {
    const before = await balanceOf(handle, IVANOV);
    const n0 = await topUps();
    const { order, paymentId } = await startPayment('250,50');
    const statusCalls = sim.requests.filter((r) => r.method === 'getOrderStatusExtended.do').length;
    await sim.pay(order.mdOrder);
    expect(sim.callbacks.at(-1)!.status).toBe(200);
    expect(sim.requests.filter((r) => r.method === 'getOrderStatusExtended.do').length).toBe(statusCalls + 1);
    expect(sim.last('getOrderStatusExtended.do')!.orderId).toBe(order.mdOrder);
    expect(await balanceOf(handle, IVANOV)).toBe(before + 25050);
    // The same callback again (the bank repeats), and the parent's return page: duplicate.
    expect(await sim.sendCallback(order, 'deposited', '1')).toBe(200);
    const back = await b.get(`/cabinet/topup/return?payment=${paymentId}&orderId=${order.mdOrder}&lang=ru`);
    expect(textOf(back.body)).toContain('Платёж на 250,50 руб. зачислен');
    expect(await balanceOf(handle, IVANOV)).toBe(before + 25050);
    expect(await topUps()).toBe(n0 + 1);
    expect((await paymentRow(paymentId)).next_check_at).toBeNull();
  });

  it('POST form-encoded callbacks are read the same way', async () => {
    const before = await balanceOf(handle, IVANOV);
    const { order } = await startPayment('100');
    sim.dropCallbacks = true;
    await sim.pay(order.mdOrder);
    const params = sim.signed({ mdOrder: order.mdOrder, orderNumber: order.orderNumber, operation: 'deposited', status: '1' });
    const res = await callback(params, 'POST');
    expect(res.json()).toEqual({ ok: true, result: 'credited' });
    expect(await balanceOf(handle, IVANOV)).toBe(before + 10000);
  });

  it('a callback with a wrong checksum is refused and logged; the payment is still found by the poller', async () => {
    const before = await balanceOf(handle, IVANOV);
    const { order, paymentId } = await startPayment('200');
    sim.badChecksum = true;
    await sim.pay(order.mdOrder);
    expect(sim.callbacks.at(-1)!.status).toBe(400);
    expect(await balanceOf(handle, IVANOV)).toBe(before);
    expect(await count(handle, 'cabinet_events', `kind = 'paymentNoticeRefused' AND details->>'reason' = 'контрольная сумма неверна'`)).toBeGreaterThan(0);
    clock.advance(31_000);
    await app.cabinet.pollPayments();
    expect((await paymentRow(paymentId)).status).toBe('paid');
    expect(await balanceOf(handle, IVANOV)).toBe(before + 20000);
  });

  it('lost callback → the poller credits; the late callback after the poll is a duplicate', async () => {
    const before = await balanceOf(handle, IVANOV);
    const { order, paymentId } = await startPayment('400');
    sim.dropCallbacks = true;
    await sim.pay(order.mdOrder);
    expect(await balanceOf(handle, IVANOV)).toBe(before);
    // Not due yet: the poller leaves it.
    expect((await app.cabinet.pollPayments()).checked).toBe(0);
    clock.advance(31_000);
    const polled = await app.cabinet.pollPayments();
    expect(polled.outcomes.map((o) => o.kind)).toContain('credited');
    expect(await balanceOf(handle, IVANOV)).toBe(before + 40000);
    sim.dropCallbacks = false;
    expect(await sim.sendCallback(order, 'deposited', '1')).toBe(200);
    expect(await balanceOf(handle, IVANOV)).toBe(before + 40000);
    expect((await paymentRow(paymentId)).status).toBe('paid');
  });

  it('a declined payment credits nothing and the parent reads why', async () => {
    const before = await balanceOf(handle, IVANOV);
    const { order, paymentId } = await startPayment('150');
    await sim.decline(order.mdOrder);
    expect((await paymentRow(paymentId)).status).toBe('failed');
    const back = await b.get(`/cabinet/topup/return?payment=${paymentId}`);
    expect(textOf(back.body)).toContain('Платёж не прошёл');
    expect(await balanceOf(handle, IVANOV)).toBe(before);
  });

  it('a different amount — in the callback or confirmed by the bank — is refused, flagged for a person, nothing credited', async () => {
    const before = await balanceOf(handle, IVANOV);
    const flags0 = await count(handle, 'review_flags', `reason = 'paymentAmountMismatch'`);
    const a = await startPayment('500');
    sim.callbackAmount = (o) => o.amount * 10;
    await sim.pay(a.order.mdOrder);
    expect(sim.callbacks.at(-1)!.status).toBe(409);
    sim.callbackAmount = null;
    const b2 = await startPayment('600');
    sim.depositAmount = () => 6000;
    sim.dropCallbacks = true;
    await sim.pay(b2.order.mdOrder);
    clock.advance(31_000);
    await app.cabinet.pollPayments();
    expect(await balanceOf(handle, IVANOV)).toBe(before);
    expect(await count(handle, 'review_flags', `reason = 'paymentAmountMismatch'`)).toBe(flags0 + 2);
    const flag = (await handle.db.execute(sql`SELECT message FROM review_flags WHERE entry_uuid = ${b2.paymentId}`)) as unknown as { rows: { message: string }[] };
    expect(flag.rows[0]!.message).toContain('60,00 ₽, заказ был на 600,00 ₽');
    // The poller stops asking about it: a person decides.
    expect((await paymentRow(b2.paymentId)).next_check_at).toBeNull();
  });

  it('bank down → the callback answers 503 and the poller retries until the bank answers', async () => {
    const before = await balanceOf(handle, IVANOV);
    const { order, paymentId } = await startPayment('700');
    sim.dropCallbacks = true;
    await sim.pay(order.mdOrder);
    sim.down = true;
    const params = sim.signed({ mdOrder: order.mdOrder, orderNumber: order.orderNumber, operation: 'deposited', status: '1' });
    expect((await callback(params)).statusCode).toBe(503);
    clock.advance(31_000);
    expect((await app.cabinet.pollPayments()).outcomes.map((o) => o.kind)).toContain('retry');
    expect((await paymentRow(paymentId)).last_error).toContain('банк не отвечает');
    expect((await paymentRow(paymentId)).status).toBe('pending');
    // A system error (code 7) is retried too.
    sim.down = false;
    sim.failNext.set('getOrderStatusExtended.do', { errorCode: '7', errorMessage: 'Системная ошибка' });
    expect(await app.cabinet.settle(paymentId)).toMatchObject({ kind: 'retry' });
    expect((await paymentRow(paymentId)).last_error).toContain('Системная ошибка (код 7');
    expect(await balanceOf(handle, IVANOV)).toBe(before);
    clock.advance(31_000);
    expect((await app.cabinet.pollPayments()).outcomes.map((o) => o.kind)).toContain('credited');
    expect((await paymentRow(paymentId)).status).toBe('paid');
    expect(await balanceOf(handle, IVANOV)).toBe(before + 70000);
  });

  it('a restart in the middle of a payment: the new process polls from the database and credits once', async () => {
    const before = await balanceOf(handle, IVANOV);
    const { order, paymentId } = await startPayment('800');
    sim.dropCallbacks = true;
    await app.close();
    await sim.pay(order.mdOrder);                 // paid while the server is down; its callback lost
    app = await build();
    b = new Browser(app, '10.7.0.2');
    await b.login(IVANOV, 'demo-0242013137');
    clock.advance(31_000);
    await app.cabinet.pollPayments();
    sim.dropCallbacks = false;
    await sim.sendCallback(order, 'deposited', '1');
    await b.get(`/cabinet/topup/return?payment=${paymentId}`);
    expect(await balanceOf(handle, IVANOV)).toBe(before + 80000);
    expect(await count(handle, 'entries', `uuid = '${paymentId}'`)).toBe(1);
  });
});

describe('forged, replayed and incomplete callbacks', () => {
  it('each field missing, altered or forged: a Russian reason, nothing changes', async () => {
    const { order, paymentId } = await startPayment('900');
    const other = await startPayment('901');
    const before = await balanceOf(handle, IVANOV);
    const entries = await count(handle, 'entries');
    const honest = { mdOrder: order.mdOrder, orderNumber: order.orderNumber, operation: 'deposited', status: '1' };
    const signed = sim.signed(honest);
    const cases: [string, Record<string, string>, number, string][] = [];
    for (const name of ['mdOrder', 'orderNumber', 'operation', 'status', 'checksum']) {
      const p = { ...signed };
      delete p[name];
      cases.push([`без ${name}`, p, 400, `нет поля ${name}`]);
    }
    for (const name of ['mdOrder', 'orderNumber', 'operation', 'status'] as const) {
      cases.push([`изменено ${name}`, { ...signed, [name]: name === 'orderNumber' ? other.order.orderNumber : `${signed[name]}0` }, 400, 'контрольная сумма неверна']);
    }
    cases.push(['добавлена сумма', { ...signed, amount: '90000000' }, 400, 'контрольная сумма неверна']);
    cases.push(['чужой ключ', sim.signed(honest, 'guessed-key-guessed-key'), 400, 'контрольная сумма неверна']);
    cases.push(['контрольная сумма не hex', { ...signed, checksum: 'ZZ' }, 400, 'контрольная сумма неверна']);
    // Correctly signed (a leaked key) but not ours, or not this order's bank id, or malformed.
    cases.push(['неизвестный заказ', sim.signed({ ...honest, orderNumber: 'f'.repeat(32) }), 409, 'неизвестный заказ']);
    cases.push(['чужой mdOrder', sim.signed({ ...honest, mdOrder: other.order.mdOrder }), 409, 'номер заказа банка не совпадает с нашим']);
    cases.push(['номер заказа не hex', sim.signed({ ...honest, orderNumber: "x' OR 1=1 --" }), 400, 'номер заказа в неверном формате']);
    cases.push(['сумма не число', sim.signed({ ...honest, amount: '1e9' }), 400, 'сумма в неверном формате']);
    for (const [what, params, status, reason] of cases) {
      const res = await callback(params);
      expect(res.statusCode, what).toBe(status);
      expect(res.json().error.message, what).toBe(`Уведомление отклонено: ${reason}`);
    }
    expect(await balanceOf(handle, IVANOV)).toBe(before);
    expect(await count(handle, 'entries')).toBe(entries);
    expect((await paymentRow(paymentId)).status).toBe('pending');
    // The honest callback before the payment: the bank says not paid yet, so nothing moves.
    expect((await callback(signed)).json()).toEqual({ ok: true, result: 'pending' });
    expect(await balanceOf(handle, IVANOV)).toBe(before);
    // Paid; then the captured callback replayed any number of times credits once.
    sim.dropCallbacks = true;
    await sim.pay(order.mdOrder);
    const results = [];
    for (let i = 0; i < 3; i++) results.push((await callback(signed)).json().result);
    expect(results).toEqual(['credited', 'duplicate', 'duplicate']);
    expect(await balanceOf(handle, IVANOV)).toBe(before + 90000);
  });
});

describe('poller schedule', () => {
  it('every 30 s for the first 10 minutes, then backing off up to an hour; gives up after 24 h', async () => {
    expect(nextCheckDelay(0)).toBe(30_000);
    expect(nextCheckDelay(9 * 60_000)).toBe(30_000);
    expect(nextCheckDelay(10 * 60_000)).toBe(150_000);
    expect(nextCheckDelay(3600_000)).toBe(900_000);
    expect(nextCheckDelay(20 * 3600_000)).toBe(3600_000);
    const { paymentId } = await startPayment('50');   // never paid
    for (let i = 0; i < 60; i++) { clock.advance(30 * 60_000); await app.cabinet.pollPayments(); }
    const row = await paymentRow(paymentId);
    expect(row.status).toBe('failed');
    expect(row.last_error).toBe('банк не подтвердил оплату за сутки');
  });
});
