import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, balanceOf, count, pullUntil, startCabinet, textOf, type CabinetTest } from './helpers.js';
import { SIGNATURE_HEADER } from '../../src/server/cabinet/test-gateway.js';

const IVANOV = '0242013137';

let t: CabinetTest;
let b: Browser;
beforeAll(async () => {
  t = await startCabinet();
  b = new Browser(t.app, '10.6.0.1');
  await b.login(IVANOV, 'demo-0242013137');
}, 60_000);
afterAll(async () => { await t?.close(); });

async function pull(cursor?: string) {
  const res = await t.app.inject({ method: 'GET', url: `/api/v1/sync/pull${cursor ? `?cursor=${cursor}` : ''}`, headers: { authorization: `Bearer ${t.token}` } });
  return res.json() as { cursor: string; accounts: { accountNumber: string; balance: number }[]; cards: { cardId: string; state: string }[] };
}

async function startPayment(amount: string) {
  await b.get('/cabinet/topup');
  const res = await b.post('/cabinet/topup', { amount });
  expect(res.statusCode).toBe(303);
  const location = String(res.headers.location);
  expect(location).toMatch(/^\/test-gateway\/pay\/tg_/);
  return location.split('/').pop()!;
}

describe('top-up by card through the test gateway', () => {
  it('credits once after the signed callback; terminals see the new balance on their next pull', async () => {
    const first = await pull();
    const before = await balanceOf(t.handle, IVANOV);
    const externalId = await startPayment('500');
    // The bank's page, then "Оплатить".
    const page = await b.get(`/test-gateway/pay/${externalId}`);
    expect(page.statusCode).toBe(200);
    expect(textOf(page.body)).toContain('К оплате: 500,00 руб.');
    const token = /name="token" value="([^"]+)"/.exec(page.body)![1]!;
    const paid = await b.post(`/test-gateway/pay/${externalId}`, { token, action: 'pay', pan: '4111 1111 1111 1111' }, { csrf: null });
    expect(paid.statusCode).toBe(303);
    const back = await b.get(String(paid.headers.location));
    expect(textOf(back.body)).toContain('Платёж на 500,00 руб. зачислен');
    expect(await balanceOf(t.handle, IVANOV)).toBe(before + 50000);
    expect(await count(t.handle, 'entries', `kind = 'topUp' AND account_number = '${IVANOV}'`)).toBe(1);

    const next = await pullUntil(t, first.cursor, (p) => p.accounts.some((a) => a.accountNumber === IVANOV));
    expect(next.accounts.find((a) => a.accountNumber === IVANOV)?.balance).toBe(before + 50000);

    const st = textOf((await b.get('/cabinet/statement?range=2d')).body);
    expect(st).toContain('Пополнение банковской картой');
    expect(st).toContain('500,00 руб.');

    // The gateway notifies again (retry) and the parent presses again: still credited once.
    await t.gateway.complete(externalId, 'paid');
    await b.post(`/test-gateway/pay/${externalId}`, { token, action: 'pay' }, { csrf: null });
    expect(await balanceOf(t.handle, IVANOV)).toBe(before + 50000);
    expect(await count(t.handle, 'entries', `kind = 'topUp'`)).toBe(1);
  });

  it('a replayed signed notice credits nothing more', async () => {
    const externalId = await startPayment('100,50');
    const order = t.gateway.order(externalId)!;
    const body = t.gateway.noticeBody(order, 'paid');
    const headers = { 'content-type': 'application/json', [SIGNATURE_HEADER]: t.gateway.sign(body) };
    const before = await balanceOf(t.handle, IVANOV);
    // A correctly signed "paid" notice for an order the bank has not been paid: the confirmation finds it unpaid.
    const early = await t.app.inject({ method: 'POST', url: '/cabinet/payments/callback/test', headers, payload: body });
    expect(early.json()).toEqual({ ok: true, result: 'pending' });
    expect(await balanceOf(t.handle, IVANOV)).toBe(before);
    order.state = 'paid';   // paid at the bank, its own notice lost
    const r1 = await t.app.inject({ method: 'POST', url: '/cabinet/payments/callback/test', headers, payload: body });
    const r2 = await t.app.inject({ method: 'POST', url: '/cabinet/payments/callback/test', headers, payload: body });
    expect(r1.json()).toEqual({ ok: true, result: 'credited' });
    expect(r2.json()).toEqual({ ok: true, result: 'duplicate' });
    expect(await balanceOf(t.handle, IVANOV)).toBe(before + 10050);
    // Replayed after the tolerance window: refused outright.
    t.clock.advance(10 * 60_000);
    const r3 = await t.app.inject({ method: 'POST', url: '/cabinet/payments/callback/test', headers, payload: body });
    expect(r3.statusCode).toBe(400);
    expect(await balanceOf(t.handle, IVANOV)).toBe(before + 10050);
  });

  it('refuses forged notices: no signature, wrong key, altered amount, unknown order, another account', async () => {
    const externalId = await startPayment('200');
    const order = t.gateway.order(externalId)!;
    const before = await balanceOf(t.handle, IVANOV);
    const entriesBefore = await count(t.handle, 'entries');
    const honest = t.gateway.noticeBody(order, 'paid');
    const { TestGateway } = await import('../../src/server/cabinet/test-gateway.js');
    const forger = new TestGateway('guessed-secret', '/x', t.clock.now);
    const bigger = honest.replace('"amount":20000', '"amount":2000000');
    const cases: [string, Record<string, string>][] = [
      [honest, { 'content-type': 'application/json' }],
      [honest, { 'content-type': 'application/json', [SIGNATURE_HEADER]: forger.sign(honest) }],
      [bigger, { 'content-type': 'application/json', [SIGNATURE_HEADER]: t.gateway.sign(honest) }],
      [honest, { 'content-type': 'application/json', [SIGNATURE_HEADER]: 't=1,v1=' + '0'.repeat(64) }],
    ];
    for (const [body, headers] of cases) {
      const res = await t.app.inject({ method: 'POST', url: '/cabinet/payments/callback/test', headers, payload: body });
      expect(res.statusCode).toBe(400);
    }
    // Correctly signed (a leaked key) but for an amount other than the order's, or an order that does not exist: refused.
    const wrongAmount = JSON.stringify({ orderId: order.orderId, paymentId: externalId, amount: 2000000, status: 'paid' });
    const r = await t.app.inject({ method: 'POST', url: '/cabinet/payments/callback/test', headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: t.gateway.sign(wrongAmount) }, payload: wrongAmount });
    expect(r.statusCode).toBe(409);
    const unknown = JSON.stringify({ orderId: "x' OR 1=1 --", paymentId: 'tg_x', amount: 100, status: 'paid' });
    const u = await t.app.inject({ method: 'POST', url: '/cabinet/payments/callback/test', headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: t.gateway.sign(unknown) }, payload: unknown });
    expect(u.statusCode).toBe(409);
    expect(await balanceOf(t.handle, IVANOV)).toBe(before);
    expect(await count(t.handle, 'entries')).toBe(entriesBefore);
  });

  it('a cancelled payment credits nothing and says so', async () => {
    const externalId = await startPayment('300');
    const before = await balanceOf(t.handle, IVANOV);
    const page = await b.get(`/test-gateway/pay/${externalId}`);
    const token = /name="token" value="([^"]+)"/.exec(page.body)![1]!;
    const res = await b.post(`/test-gateway/pay/${externalId}`, { token, action: 'cancel' }, { csrf: null });
    const back = await b.get(String(res.headers.location));
    expect(textOf(back.body)).toContain('Платёж не прошёл');
    expect(await balanceOf(t.handle, IVANOV)).toBe(before);
  });

  it('refuses bad amounts (and SQL) with a Russian message, creating no payment', async () => {
    const payments = await count(t.handle, 'cabinet_payments');
    for (const amount of ['', '-5', '0', 'abc', '1e6', '100000', "500'; DROP TABLE cabinet_payments;--", '0,5']) {
      await b.get('/cabinet/topup');
      const res = await b.post('/cabinet/topup', { amount });
      expect(res.statusCode).toBe(400);
      expect(textOf(res.body)).toMatch(/Неверная сумма|Сумма должна быть от 1,00 до 15 000,00 руб/);
    }
    expect(await count(t.handle, 'cabinet_payments')).toBe(payments);
  });

  it('the test gateway page refuses a POST without its own form token', async () => {
    const externalId = await startPayment('150');
    const before = await balanceOf(t.handle, IVANOV);
    const res = await b.post(`/test-gateway/pay/${externalId}`, { action: 'pay' }, { csrf: null });
    expect(res.statusCode).toBe(404);
    expect(await balanceOf(t.handle, IVANOV)).toBe(before);
  });
});
