import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { browserAvailable, consolePage, expectAccessible, launchBrowser, openPage, poll, screenshot } from './harness.js';
import { startTestServer, type TestServer } from '../server/helpers.js';
import { addStaff } from '../server/admin-helpers.js';
import { ensureAdminUi } from '../../src/shell/ui-build.js';
import { mealSittings } from '../../src/server/db/orders-schema.js';
import { menuCycleDays, menuCycles } from '../../src/server/db/schema.js';
import { schoolDay } from '../../src/core/datetime.js';
import { addDays, ruDay } from '../../src/core/period.js';

/**
 * Issue 15 in Chromium: a parent pre-orders lunch for next week in the cabinet; the class teacher
 * marks a pupil and confirms the class's order for next Monday on a 390×844 phone.
 */
const run = browserAvailable();
const S = 'school-24';
const SIDOROV = { account: '0242013153', password: 'demo-0242013153', name: 'Сидоров Пётр Алексеевич' };
const today = schoolDay(new Date(), 'Europe/Moscow');
const weekday = (new Date(`${today}T00:00:00Z`).getUTCDay() + 6) % 7;   // 0 = Monday
const nextMonday = addDays(today, 7 - weekday);

describe.skipIf(!run)('meals by order: the parent pre-orders, the teacher confirms', () => {
  let server: TestServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const problems: string[] = [];
  const track = (page: Page) => { page.setDefaultTimeout(15_000); page.on('pageerror', (e) => problems.push(String(e))); return page; };

  beforeAll(async () => {
    await ensureAdminUi();
    server = await startTestServer({ config: { orderFix: { intervalMs: 0 } } });
    await server.handle.db.insert(mealSittings).values({ schoolId: S, id: 'ln', kind: 'lunch', name: 'Обед', startsAt: '12:40', endsAt: '13:00', classNames: ['07В'] });
    await server.handle.db.insert(menuCycles).values({ schoolId: S, lengthDays: 10, startsOn: '2026-09-01' });
    await server.handle.db.insert(menuCycleDays).values(Array.from({ length: 10 }, (_, i) => ({ schoolId: S, dayNo: i + 1, mealSetIds: ['set-lunch'] })));
    await addStaff(server.handle, { login: 'teacher7v', password: 'teacher7v-pass-1', fullName: 'Учителева Анна', grants: [{ role: 'classTeacher', schoolId: S, classNames: ['07В'] }] });
    browser = await launchBrowser();
  }, 240_000);
  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await server?.close();
  });

  it('the parent orders lunch for Monday to Wednesday of next week; the amount is reserved', async () => {
    const { context, page } = await openPage(browser, { viewport: { width: 390, height: 844 } });
    contexts.push(context);
    track(page);
    await page.goto(`${server.url}/cabinet/login`);
    await page.fill('input[name=account]', SIDOROV.account);
    await page.fill('input[name=password]', SIDOROV.password);
    await page.getByRole('button', { name: 'Войти' }).click();
    await page.getByRole('link', { name: 'Заказ питания' }).first().click();
    for (const day of [nextMonday, addDays(nextMonday, 1), addDays(nextMonday, 2)]) {
      const form = page.locator(`#day-${day}`);
      await form.getByLabel(/Обед Ежедневное полное меню 5-11 кл\. — 89,75/).check();
      await form.getByRole('button', { name: /Сохранить заказ/ }).click();
      await poll(() => page.getByRole('status').textContent()).toContain(`Заказ на ${ruDay(day)} сохранён.`);
    }
    await poll(() => page.locator('#reserved').textContent()).toBe('269,25 руб.');
    await poll(() => page.locator('#available').textContent()).toBe('30,75 руб.');
    // A fourth lunch does not fit in what is available: a clear refusal, nothing reserved.
    const thursday = page.locator(`#day-${addDays(nextMonday, 3)}`);
    await thursday.getByLabel(/Обед Ежедневное полное меню/).check();
    await thursday.getByRole('button', { name: /Сохранить заказ/ }).click();
    await poll(() => page.getByRole('alert').textContent()).toContain('Недостаточно средств: доступно 30,75 ₽, комплекс стоит 89,75 ₽.');
    await poll(() => page.locator('#reserved').textContent()).toBe('269,25 руб.');
    await screenshot(page, 'cabinet-orders.png', { fullPage: true });
    await expectAccessible(page, 'cabinet orders');
  });

  it('the class teacher marks a pupil present and confirms Monday\'s order on a phone', async () => {
    const { context, page } = await consolePage(browser, server.url, 'teacher7v', 'teacher7v-pass-1', { viewport: { width: 390, height: 844 } });
    contexts.push(context);
    track(page);
    await page.goto(`${server.url}/admin/#/class-day`);
    await page.getByLabel('День:').fill(nextMonday);
    const card = page.getByTestId('class-pupil').filter({ hasText: SIDOROV.name });
    await poll(() => card.textContent()).toContain('Обед Ежедневное полное меню 5-11 кл. (заказ родителей, 89,75');
    await card.getByRole('button', { name: 'Присутствует' }).click();
    await poll(() => card.getByRole('button', { name: 'Присутствует' }).getAttribute('aria-pressed')).toBe('true');
    await page.getByRole('button', { name: 'Подтвердить заявку' }).click();
    await poll(() => page.getByTestId('class-day-state').textContent()).toContain('Заявка подтверждена');
    // Fits the phone: no sideways scrolling of the page.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(page, 'admin-class-day-phone.png', { fullPage: true });
    await expectAccessible(page, 'class day');
    expect(problems).toEqual([]);
  });
});
