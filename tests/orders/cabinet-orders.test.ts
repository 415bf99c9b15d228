import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, balanceOf, saleEntry, textOf, type CabinetTest, startCabinet } from '../cabinet/helpers.js';
import { mealSittings } from '../../src/server/db/orders-schema.js';
import { menuCycleDays, menuCycles } from '../../src/server/db/schema.js';
import { cabinetProfiles } from '../../src/server/db/cabinet-schema.js';
import { notifyOrderShortfalls } from '../../src/server/orders/notify.js';
import { MemoryMailer } from '../../src/server/cabinet/mailer.js';

/**
 * The parent's «Заказ питания» in the cabinet (demo school 24, Sidorov 07В, 300,00 ₽). The clock:
 * Monday 2026-03-16 12:00 Moscow, after that day's 08:00 cutoff; Tuesday is open.
 */
const SIDOROV = '0242013153';
let t: CabinetTest;
let b: Browser;

type Pull = { cursor: string; accounts: { accountNumber: string; balance: number; reserved?: number }[] };
async function pullReserved(): Promise<Map<string, number | undefined>> {
  const p = (await t.app.inject({ method: 'GET', url: '/api/v1/sync/pull', headers: { authorization: `Bearer ${t.token}` } })).json() as Pull;
  return new Map(p.accounts.map((a) => [a.accountNumber, a.reserved]));
}

beforeAll(async () => {
  t = await startCabinet();
  await t.handle.db.insert(mealSittings).values({ schoolId: 'school-24', id: 'ln', kind: 'lunch', name: 'Обед', startsAt: '12:40', endsAt: '13:00', classNames: ['07В'] });
  await t.handle.db.insert(menuCycles).values({ schoolId: 'school-24', lengthDays: 10, startsOn: '2026-03-02' });
  await t.handle.db.insert(menuCycleDays).values(Array.from({ length: 10 }, (_, i) => ({ schoolId: 'school-24', dayNo: i + 1, mealSetIds: ['set-lunch'] })));
  b = new Browser(t.app, '10.9.0.2');
  await b.login(SIDOROV, 'demo-0242013153');
}, 180_000);
afterAll(async () => { await t?.close(); });

describe('cabinet: pre-orders', () => {
  it('shows two weeks of school days with the lunch to choose, today closed after the cutoff', async () => {
    const page = await b.get('/cabinet/orders');
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain('<script');
    const text = textOf(page.body);
    expect(text).toContain('Заказ питания');
    expect(text).toContain('Понедельник, 16.03.2026 · заказ закрыт');
    expect(text).toContain('Вторник, 17.03.2026');
    expect(text).not.toContain('21.03.2026');                 // Saturday
    expect(text).toContain('Обед Ежедневное полное меню 5-11 кл. — 89,75 руб.');
    expect(text).toContain('доступно 300,00 руб.');
  });

  it('orders Tuesday\'s lunch: reserved in the cabinet and in the till\'s pull; cancelled, released', async () => {
    const res = await b.post('/cabinet/orders', { day: '2026-03-17', s_ln: 'set-lunch' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/cabinet/orders?saved=2026-03-17#day-2026-03-17');
    const text = textOf((await b.get('/cabinet/orders?saved=2026-03-17')).body);
    expect(text).toContain('Заказ на 17.03.2026 сохранён.');
    expect(text).toContain('зарезервировано под заказы 89,75 руб.');
    expect(text).toContain('доступно 210,25 руб.');
    expect((await pullReserved()).get(SIDOROV)).toBe(8975);
    await b.post('/cabinet/orders', { day: '2026-03-17', s_ln: '' });
    expect(textOf((await b.get('/cabinet/orders')).body)).toContain('доступно 300,00 руб.');
    expect((await pullReserved()).get(SIDOROV)).toBe(0);
    expect(await balanceOf(t.handle, SIDOROV)).toBe(30_000);
  });

  it('after the cutoff: a clear Russian refusal, nothing changes', async () => {
    const res = await b.post('/cabinet/orders', { day: '2026-03-16', s_ln: 'set-lunch' });
    expect(res.statusCode).toBe(400);
    expect(textOf(res.body)).toContain('Заказ на 16.03.2026 уже закрыт: изменить или отменить его можно было до 08:00 того же дня');
    expect((await pullReserved()).get(SIDOROV)).toBe(0);
  });

  it('a balance that won\'t cover tomorrow\'s order: a banner and one e-mail', async () => {
    await b.post('/cabinet/orders', { day: '2026-03-17', s_ln: 'set-lunch' });
    // The pupil spends at the till after ordering: 250 ₽ of 300 ₽.
    expect((await t.push([saleEntry(t, SIDOROV, [{ name: 'Пицца', amount: 25_000 }])])).status).toBe(200);
    const text = textOf((await b.get('/cabinet/orders')).body);
    expect(text).toContain('На счёте не хватает 39,75 руб. для оплаты заказанного питания.');
    expect(textOf((await b.get('/cabinet/')).body)).toContain('На счёте не хватает 39,75 руб. для оплаты заказанного питания.');
    await t.handle.db.insert(cabinetProfiles).values({ accountNumber: SIDOROV, email: 'parent@example.ru' })
      .onConflictDoUpdate({ target: cabinetProfiles.accountNumber, set: { email: 'parent@example.ru' } });
    const mailer = new MemoryMailer();
    expect(await notifyOrderShortfalls(t.handle.db, mailer, t.clock.now(), 'https://school.example')).toBe(1);
    expect(await notifyOrderShortfalls(t.handle.db, mailer, t.clock.now(), 'https://school.example')).toBe(0);
    expect(mailer.sent).toHaveLength(1);
    expect(mailer.sent[0]!.to).toBe('parent@example.ru');
    expect(mailer.sent[0]!.text).toContain('не хватает 39,75 руб.');
  });
});
