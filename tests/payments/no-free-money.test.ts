import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createTestDb } from '../server/helpers.js';
import { Browser, balanceOf, count, textOf } from '../cabinet/helpers.js';
import { seedDemo } from '../../src/server/admin/seed-demo.js';
import { configuredServer } from '../../src/cli/server.js';
import { gatewayFromEnv, PaymentSettingsError } from '../../src/server/payments/settings.js';
import { TestGateway } from '../../src/server/cabinet/test-gateway.js';
import type { DbHandle } from '../../src/server/db/open.js';

/**
 * A server started as docs/server.md says for production (`DATABASE_URL=… canteen server`,
 * no payment settings), built by the same function `canteen server` uses: it offers no
 * card top-up and has no test bank, so no logged-in parent can credit money without paying.
 */
const IVANOV = '0242013137';
let handle: DbHandle;
let app: FastifyInstance;

beforeAll(async () => {
  handle = await createTestDb();
  await seedDemo(handle.db);
  app = await configuredServer(handle, { housekeeping: { intervalMs: 0 } }, { DATABASE_URL: 'postgres://canteen:SECRET@127.0.0.1:5432/canteen' });
  await app.ready();
}, 180_000);
afterAll(async () => { await app?.close(); await handle?.close(); });

describe('production server without payment settings', () => {
  it('offers no card top-up: the page says how else to pay, a forged form POST creates nothing', async () => {
    const b = new Browser(app, '10.9.0.1');
    await b.login(IVANOV, 'demo-0242013137');
    const page = await b.get('/cabinet/topup');
    expect(page.statusCode).toBe(200);
    expect(textOf(page.body)).toContain('Оплата картой не настроена — пополните счёт через Сбербанк Онлайн или в школе');
    expect(page.body).not.toContain('name="amount"');
    expect(page.body).not.toMatch(/Перейти к оплате|картой\. После/);
    const before = await balanceOf(handle, IVANOV);
    const res = await b.post('/cabinet/topup', { amount: '15000' });
    expect(res.statusCode).toBe(404);
    expect(textOf(res.body)).toContain('Оплата картой не настроена');
    expect(await count(handle, 'cabinet_payments')).toBe(0);
    expect(await balanceOf(handle, IVANOV)).toBe(before);
  });

  it('every test-gateway route and every callback answers 404, crediting nothing', async () => {
    const before = await balanceOf(handle, IVANOV);
    const entries = await count(handle, 'entries');
    for (const [method, url] of [
      ['GET', '/test-gateway/pay/tg_0190a0b0-0000-7000-8000-000000000000'],
      ['POST', '/test-gateway/pay/tg_0190a0b0-0000-7000-8000-000000000000'],
      ['GET', '/test-gateway/'],
      ['GET', '/cabinet/payments/callback/sberbank?mdOrder=x&orderNumber=y&operation=deposited&status=1&checksum=AA'],
    ] as const) {
      const r = await app.inject({ method, url, payload: method === 'POST' ? 'action=pay&token=x' : undefined, headers: method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {} });
      expect(r.statusCode, `${method} ${url}`).toBe(404);
    }
    // A notice signed the way the test bank signs (any key): there is no test bank to accept it.
    const tg = new TestGateway('whatever');
    const body = JSON.stringify({ orderId: 'x', paymentId: 'tg_x', amount: 1500000, status: 'paid' });
    const r = await app.inject({ method: 'POST', url: '/cabinet/payments/callback/test', headers: { 'content-type': 'application/json', 'x-test-gateway-signature': tg.sign(body) }, payload: body });
    expect(r.statusCode).toBe(404);
    expect(await balanceOf(handle, IVANOV)).toBe(before);
    expect(await count(handle, 'entries')).toBe(entries);
  });
});

describe('payment settings', () => {
  it('the test gateway only by name; Sberbank refuses to start with missing settings and names each', () => {
    expect(gatewayFromEnv({})).toBeNull();
    expect(gatewayFromEnv({ CANTEEN_PAYMENTS: 'none' })).toBeNull();
    expect(gatewayFromEnv({ CANTEEN_PAYMENTS: 'test' })).toBeInstanceOf(TestGateway);
    expect(() => gatewayFromEnv({ CANTEEN_PAYMENTS: 'paypal' })).toThrow(PaymentSettingsError);
    let message = '';
    try { gatewayFromEnv({ CANTEEN_PAYMENTS: 'sberbank' }); } catch (err) { message = (err as Error).message; }
    expect(message).toContain('CANTEEN_SBERBANK_API_URL');
    expect(message).toContain('CANTEEN_SBERBANK_USERNAME');
    expect(message).toContain('CANTEEN_SBERBANK_CALLBACK_KEY');
    const sb = gatewayFromEnv({
      CANTEEN_PAYMENTS: 'sberbank', CANTEEN_SBERBANK_API_URL: 'https://3dsec.sberbank.ru/payment/rest/',
      CANTEEN_SBERBANK_TOKEN: 'tok', CANTEEN_SBERBANK_CALLBACK_KEY: '0123456789abcdef0123',
    });
    expect(sb?.id).toBe('sberbank');
    expect(sb?.origin).toBe('https://3dsec.sberbank.ru');
  });

  it('canteen server refuses to build a server whose payment settings are incomplete', async () => {
    await expect(configuredServer(handle, { housekeeping: { intervalMs: 0 } }, { CANTEEN_PAYMENTS: 'sberbank' })).rejects.toThrow(/не настроена/);
  });
});
