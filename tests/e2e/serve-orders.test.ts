import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schoolDay } from '../../src/core/datetime.js';
import { DEMO_CARDS, DEMO_SCHOOL } from '../../src/core/demo-school.js';
import { addDays, resolvePeriod } from '../../src/core/period.js';
import { formatMoney } from '../../src/core/money.js';
import { menuCycleDays, menuCycles } from '../../src/server/db/schema.js';
import { schoolCalendar } from '../../src/server/db/staff-schema.js';
import { mealSittings } from '../../src/server/db/orders-schema.js';
import { reservedOf, setPreOrder } from '../../src/server/orders/pre-orders.js';
import { fixDay } from '../../src/server/orders/fix.js';
import { buildStatement } from '../../src/server/cabinet/statement.js';
import { loadAccount } from '../../src/server/cabinet/account.js';
import { startDemo, type Demo } from '../../src/shell/demo.js';
import { browserAvailable, launchBrowser, login, openPage, poll, screenshot, shiftPadOverflow } from './harness.js';

const run = browserAvailable();
const S = DEMO_SCHOOL.school.id;
const TZ = DEMO_SCHOOL.school.timeZone;
const POPOVA = { account: '0242013187', card: DEMO_CARDS.dailyLimit, name: 'Попова Мария Андреевна' };   // 06А
const KUZNETSOVA = { account: '0242013161', name: 'Кузнецова Ольга Дмитриевна' };                      // 05А

/**
 * Issue 15, «Выдача по заявке» end to end (the demo: embedded server, enrolled till, sync client, Chromium at
 * 1024×768): parents pre-order a week ahead (the orders service under a clock a week back), the day is fixed
 * (fixDay, as the scheduler does at the cutoff), the till pulls it, the cashier serves one pupil by card and a
 * class at once, the marks reach the server, and the parent's statement shows the charge with the meal's dishes.
 */
describe.skipIf(!run)('served at the till (demo, Chromium)', () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let demo: Demo;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'canteen-e2e-serve-'));
  const today = schoolDay(new Date(), TZ);

  beforeAll(async () => {
    browser = await launchBrowser();
    demo = await startDemo({
      dataDir, serverInMemory: true,
      syncTuning: { debounceMs: 50, intervalMs: 1000, backoff: { baseMs: 200, maxMs: 1000 }, requestTimeoutMs: 2000 },
    });
    const db = demo.server!.handle.db;
    // Today is a school day with the complex lunch on the menu, eaten by 05А and 06А.
    await db.insert(schoolCalendar).values({ schoolId: S, date: today, kind: 'schoolDay' }).onConflictDoNothing();
    await db.insert(menuCycles).values({ schoolId: S, lengthDays: 10, startsOn: '2026-09-01', weekdays: [1, 2, 3, 4, 5, 6, 7] }).onConflictDoNothing();
    await db.insert(menuCycleDays).values(Array.from({ length: 10 }, (_, i) => ({ schoolId: S, dayNo: i + 1, mealSetIds: ['set-lunch'] }))).onConflictDoNothing();
    await db.insert(mealSittings).values({ schoolId: S, id: 'lunch', kind: 'lunch', name: 'Обед', startsAt: '12:40', endsAt: '13:10', classNames: ['05А', '06А'], sort: 1 });
    ({ context, page } = await openPage(browser, { url: demo.shell.server.url, viewport: { width: 1024, height: 768 } }));
  }, 180_000);
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await demo?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a week ahead the parents order lunch; the day is fixed and charged', async () => {
    const db = demo.server!.handle.db;
    const weekAgo = new Date(Date.now() - 7 * 86_400_000);
    for (const p of [POPOVA, KUZNETSOVA]) {
      expect(await setPreOrder(db, p.account, { day: today, sittingId: 'lunch', mealSetId: 'set-lunch' }, weekAgo)).toMatchObject({ ok: true });
    }
    const fixed = await fixDay(db, S, today, { now: new Date(), by: 'auto' });
    expect(fixed).toMatchObject({ lines: 2, charged: 2 });
    // And tomorrow's lunch for Попова, still open: reserved on her account (the till shows «доступно»).
    await db.insert(schoolCalendar).values({ schoolId: S, date: addDays(today, 1), kind: 'schoolDay' }).onConflictDoNothing();
    expect(await setPreOrder(db, POPOVA.account, { day: addDays(today, 1), sittingId: 'lunch', mealSetId: 'set-lunch' }, new Date())).toMatchObject({ ok: true });
  });

  /** «Баланс … · доступно …» as the till should show it: the server's balance less the open pre-orders. */
  async function popovaFunds() {
    const db = demo.server!.handle.db;
    const balance = (await loadAccount(db, POPOVA.account))!.balance;
    const reserved = (await reservedOf(db, [POPOVA.account])).get(POPOVA.account) ?? 0;
    expect(reserved).toBeGreaterThan(0);
    return { balance: formatMoney(balance), available: formatMoney(balance - reserved) };
  }

  it('the cashier opens «Выдача по заявке», serves Попова by her card and 05А at once; the server has both marks', async () => {
    await login(page, '1111');
    await demo.shell.runtime.syncNow?.();
    await page.getByTestId('open-serving').click();
    await page.getByTestId('serve-screen').waitFor();
    await poll(() => page.getByTestId('serve-class-lunch-06А').isVisible()).toBe(true);
    await page.getByTestId('serve-class-lunch-06А').click();
    await poll(() => page.getByTestId('serve-row').count()).toBe(1);
    await poll(() => page.getByTestId('serve-count').textContent()).toBe('Выдано 0 из 1');
    expect(await page.getByTestId('serve-row').textContent()).toContain('Суп куриный с вермишелью');

    demo.shell.runtime.simulatedReader!.tap(POPOVA.card);
    await poll(() => page.getByTestId('serve-message').textContent()).toMatch(`Выдано: ${POPOVA.name}`);
    await poll(() => page.getByTestId('serve-count').textContent()).toBe('Выдано 1 из 1');
    const funds = await popovaFunds();
    await poll(() => page.getByTestId('serve-funds').textContent()).toBe(`Баланс ${funds.balance} · доступно ${funds.available}`);
    await screenshot(page, 'till-serve-funds-1024.png');
    demo.shell.runtime.simulatedReader!.tap(POPOVA.card);
    await poll(() => page.getByTestId('serve-message').textContent()).toMatch('уже выдано');

    await page.getByTestId('serve-class-lunch-05А').click();
    await poll(() => page.getByTestId('serve-count').textContent()).toBe('Выдано 0 из 1');
    await page.getByTestId('serve-all').click();
    await poll(() => page.getByTestId('serve-message').textContent()).toBe('Отмечено выданными: 1');
    await poll(() => page.getByTestId('serve-count').textContent()).toBe('Выдано 1 из 1');
    // A pupil with no order: told so, buys on the sale screen as usual.
    demo.shell.runtime.simulatedReader!.tap(DEMO_CARDS.ivanov);
    await poll(() => page.getByTestId('serve-message').textContent()).toMatch('заказа на «Обед» сегодня нет');
    await poll(() => page.getByTestId('serve-funds').textContent()).toMatch(/^Баланс .+ · доступно .+$/);
    await screenshot(page, 'till-serve-orders-1024.png');

    const db = demo.server!.handle.db;
    await poll(async () => ((await db.execute(sql`SELECT count(*)::int AS n FROM order_served WHERE school_id = ${S}`)) as unknown as { rows: { n: number }[] }).rows[0]!.n, { timeout: 20_000 }).toBe(2);

    await page.getByTestId('serve-back').click();
    await page.getByTestId('pupil-panel').waitFor();
    // On the sale screen a tap shows the same: balance and what is available beside tomorrow's reserved lunch.
    demo.shell.runtime.simulatedReader!.tap(POPOVA.card);
    await poll(() => page.getByTestId('pupil-available').textContent()).toBe(funds.available);
    expect(await page.getByTestId('pupil-balance').textContent()).toBe(funds.balance);
    // The shift is closed: the in-place PIN pad fits under the balance and «доступно» without scrolling.
    await poll(() => page.getByTestId('shift-prompt').isVisible()).toBe(true);
    expect(await shiftPadOverflow(page)).toEqual([]);
    await screenshot(page, 'till-pupil-available-1024.png');
  });

  it('the parent\'s statement shows the lunch charge with its dishes', async () => {
    const db = demo.server!.handle.db;
    const account = (await loadAccount(db, POPOVA.account))!;
    const p = resolvePeriod({ from: addDays(today, -1), to: today }, TZ, new Date());
    if (!p.ok) throw new Error(p.message);
    const st = await buildStatement(db, account, p.period, true);
    const charge = st.lines.find((l) => l.kind === 'orderCharge');
    expect(charge?.title).toContain('Питание по заявке');
    expect(charge?.items.map((i) => i.name).join(' ')).toContain('Суп куриный с вермишелью 250 г');
  });
});
