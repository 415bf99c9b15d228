import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { sql } from 'drizzle-orm';
import { createTestDb } from '../server/helpers.js';
import { Browser, Clock, balanceOf, count, textOf } from '../cabinet/helpers.js';
import { SberSimulator } from './sber-simulator.js';
import { seedDemo } from '../../src/server/admin/seed-demo.js';
import { configuredServer } from '../../src/cli/server.js';
import { addServerEntry } from '../../src/server/ledger/server-entries.js';
import { MemoryMailer } from '../../src/server/cabinet/mailer.js';
import type { DbHandle } from '../../src/server/db/open.js';

/** Saved card (binding) → auto top-up below the threshold, at most once a day, letters, stop after a refusal until the parent acts. */
const IVANOV = '0242013137';
let sim: SberSimulator;
let handle: DbHandle;
let app: FastifyInstance;
let b: Browser;
const clock = new Clock();
const mailer = new MemoryMailer();

beforeAll(async () => {
  sim = await new SberSimulator().start();
  sim.deliver = async (url, params) => (await app.inject({ method: 'GET', url: `${new URL(url).pathname}?${new URLSearchParams(params)}` })).statusCode;
  handle = await createTestDb();
  await seedDemo(handle.db);
  await handle.db.execute(sql`INSERT INTO cabinet_profiles (account_number, email) VALUES (${IVANOV}, 'ivanova@example.ru')`);
  app = await configuredServer(handle, {
    housekeeping: { intervalMs: 0 },
    cabinet: { now: clock.now, paymentPollMs: 0, lowBalanceIntervalMs: 0, secret: 'csrf', mailer, publicUrl: 'http://localhost' },
  }, sim.env({ CANTEEN_SBERBANK_BINDINGS: 'on' }));
  await app.ready();
  b = new Browser(app, '10.8.0.1');
  await b.login(IVANOV, 'demo-0242013137');
}, 180_000);
afterAll(async () => { await app?.close(); await handle?.close(); await sim?.close(); });

/** Spending at the till, as far as the balance is concerned. */
async function spendTo(target: number) {
  const bal = await balanceOf(handle, IVANOV);
  await handle.db.transaction((tx) => addServerEntry(tx, { accountNumber: IVANOV, amount: target - bal, kind: 'correction', payload: { title: 'test spend' } }));
}

const charges = () => sim.requests.filter((r) => r.method === 'paymentOrderBinding.do').length;

describe('auto top-up', () => {
  it('a paid top-up with "save card" leaves a binding; the parent turns auto top-up on', async () => {
    const none = await b.get('/cabinet/autopay');
    expect(textOf(none.body)).toContain('Сохранённой карты нет');
    await b.get('/cabinet/topup');
    const res = await b.post('/cabinet/topup', { amount: '100' });
    const mdOrder = new URL(String(res.headers.location)).searchParams.get('mdOrder')!;
    expect(sim.last('register.do')!.clientId).toBe(IVANOV);
    await sim.pay(mdOrder, { saveCard: true });
    expect(await count(handle, 'payment_bindings', `account_number = '${IVANOV}'`)).toBe(1);
    const page = await b.get('/cabinet/autopay');
    expect(textOf(page.body)).toContain('411111**1111');
    const card = /<option value="([^"]+)"/.exec(page.body)![1]!;
    for (const [amount, threshold] of [['abc', '100'], ['0', '100'], ['300', '-5'], ['300', '0'], ['99999', '100']]) {
      const bad = await b.post('/cabinet/autopay', { card, amount: amount!, threshold: threshold!, action: 'save' });
      expect(bad.statusCode).toBe(400);
      await b.get('/cabinet/autopay');
    }
    const forged = await b.post('/cabinet/autopay', { card: 'someone-elses-binding', amount: '300', threshold: '100', action: 'save' });
    expect(textOf(forged.body)).toContain('Выберите сохранённую карту');
    await b.get('/cabinet/autopay');
    expect(await count(handle, 'auto_topups')).toBe(0);
    const ok = await b.post('/cabinet/autopay', { card, amount: '300', threshold: '100', action: 'save' });
    expect(ok.statusCode).toBe(303);
    expect(textOf((await b.get('/cabinet/autopay?m=saved')).body)).toContain('Сейчас: включено');
  });

  it('charges the saved card below the threshold, credits on the bank confirmation, mails the parent — once a day', async () => {
    await spendTo(15000);
    await app.cabinet.runAutoTopUps();
    expect(charges()).toBe(0);                         // 150 ₽ is not below 100 ₽
    await spendTo(5000);
    const sent = mailer.sent.length;
    await app.cabinet.runAutoTopUps();
    expect(charges()).toBe(1);
    const reg = sim.last('register.do')!;
    expect(reg).toMatchObject({ features: 'AUTO_PAYMENT', clientId: IVANOV, amount: '30000' });
    expect(sim.last('paymentOrderBinding.do')).toMatchObject({ bindingId: expect.any(String), ip: expect.any(String) });
    expect(sim.problems).toEqual([]);
    expect(await balanceOf(handle, IVANOV)).toBe(35000);
    expect(mailer.sent.length).toBe(sent + 1);
    expect(mailer.sent.at(-1)!.text).toContain('пополнен автоматически на 300,00 руб.');
    // Below the threshold again the same day: nothing more.
    await spendTo(1000);
    await app.cabinet.runAutoTopUps();
    await app.cabinet.runAutoTopUps();
    expect(charges()).toBe(1);
    // The next day: once more.
    clock.advance(24 * 3600_000);
    await app.cabinet.runAutoTopUps();
    expect(charges()).toBe(2);
    expect(await balanceOf(handle, IVANOV)).toBe(31000);
    expect(await count(handle, 'entries', `kind = 'topUp' AND payload->>'title' = 'Автопополнение банковской картой'`)).toBe(2);
  });

  it('a refusal stops it, with a letter, until the parent saves the settings again', async () => {
    for (const binding of sim.bindings.values()) binding.decline = true;
    await spendTo(500);
    clock.advance(24 * 3600_000);
    await app.cabinet.runAutoTopUps();
    expect(charges()).toBe(3);
    expect(await balanceOf(handle, IVANOV)).toBe(500);
    expect(mailer.sent.at(-1)!.subject).toContain('остановлено');
    expect(mailer.sent.at(-1)!.text).toContain('Недостаточно средств на карте');
    await b.login(IVANOV, 'demo-0242013137');        // days went by: a new session
    const page = await b.get('/cabinet/autopay');
    expect(textOf(page.body)).toContain('Сейчас: остановлено: Недостаточно средств на карте');
    clock.advance(24 * 3600_000);
    await app.cabinet.runAutoTopUps();
    expect(charges()).toBe(3);
    // The parent acts: saves again (the card is fine now), and the next round charges.
    for (const binding of sim.bindings.values()) binding.decline = false;
    const card = /<option value="([^"]+)"/.exec(page.body)![1]!;
    await b.login(IVANOV, 'demo-0242013137');
    await b.get('/cabinet/autopay');
    expect((await b.post('/cabinet/autopay', { card, amount: '300', threshold: '100', action: 'save' })).headers.location).toBe('/cabinet/autopay?m=saved');
    await app.cabinet.runAutoTopUps();
    expect(charges()).toBe(4);
    expect(await balanceOf(handle, IVANOV)).toBe(30500);
    // Off is off.
    await b.get('/cabinet/autopay');
    await b.post('/cabinet/autopay', { action: 'off' });
    await spendTo(0);
    clock.advance(24 * 3600_000);
    await app.cabinet.runAutoTopUps();
    expect(charges()).toBe(4);
  });
});
