import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { Browser } from 'playwright-core';
import { browserAvailable, expectAccessible, launchBrowser, openPage, poll, screenshot } from './harness.js';
import { newTerminal, startTestServer, KASHA, PIZZA, type TestServer, type TestTerminal } from '../sync/harness.js';
import { receiptText } from '../../src/terminal/receipt-text.js';
import type { ReceiptDoc } from '../../src/core/receipt.js';
import { SberSimulator } from '../payments/sber-simulator.js';
import { gatewayFromEnv } from '../../src/server/payments/settings.js';

/**
 * The parent's path end to end: a sale at the demo terminal prints a receipt
 * with a temporary cabinet password; the parent logs in with it in Chromium,
 * sets a permanent one, sees today's meal on the first page and the sale with
 * its dishes in the statement, tops up 500 ₽ on the
 * (simulated) Sberbank payment page — register.do, the bank's callback over
 * HTTP, getOrderStatusExtended.do — and the terminal shows the balance 500,00
 * higher after its next pull. axe-core finds no serious or critical violation on any of the
 * cabinet's pages (login, password, home, profile, statement, top-up, card and limits, allergies and bans).
 */
const PETROVA = { account: '0242013145', card: 'MF:BCD14264' };
const run = browserAvailable();

describe.skipIf(!run)('parent cabinet in Chromium', () => {
  let server: TestServer;
  let terminal: TestTerminal;
  let browser: Browser;
  let sim: SberSimulator;

  beforeAll(async () => {
    sim = await new SberSimulator().start();
    // The server as `canteen server` builds it from CANTEEN_PAYMENTS=sberbank and the bank's settings.
    server = await startTestServer({ config: { cabinet: { gateway: gatewayFromEnv(sim.env()), paymentPollMs: 0 } } });
    // The receipt's login block points at this server's cabinet.
    await server.handle.db.execute(sql`UPDATE schools SET cabinet_url = ${`${server.url}/cabinet/`}`);
    terminal = await newTerminal(server);
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await terminal?.close();
    await server?.close();
    await sim?.close();
  });

  it('receipt password → permanent password → statement with dishes → top-up 500 ₽ → terminal balance +500,00', async () => {
    // 1. A sale at the terminal prints the login block with a temporary password.
    const sale = await terminal.sell(PETROVA.card, [PIZZA, KASHA]);
    const job = terminal.sqlite.prepare(`SELECT payload FROM print_jobs WHERE receipt_id = ? AND kind = 'receipt'`).get(sale.receiptId) as { payload: string };
    const doc = JSON.parse(job.payload) as ReceiptDoc;
    expect(doc.cabinetLogin?.login).toBe(PETROVA.account);
    const password = doc.cabinetLogin!.password;
    const printed = receiptText(doc, 32).join('\n');
    expect(printed).toContain(password);
    expect(doc.cabinetLogin!.url).toBe(`${server.url}/cabinet/`);
    await terminal.client.syncOnce();   // pushes the sale and the password's hash

    const { context, page } = await openPage(browser, { viewport: { width: 1100, height: 820 } });
    const problems: string[] = [];
    // Form errors answer 400/401 on purpose; what must never appear is a CSP refusal or a script error.
    page.on('console', (m) => { if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) problems.push(m.text()); });
    page.on('pageerror', (e) => problems.push(String(e)));

    // 2. Login with the receipt's password.
    await page.goto(doc.cabinetLogin!.url);
    await page.fill('input[name=account]', PETROVA.account);
    await page.fill('input[name=password]', password);
    await screenshot(page, 'cabinet-login.png');
    await expectAccessible(page, 'login');
    await page.click('button[type=submit]');
    await page.waitForURL((u) => u.pathname === '/cabinet/password');
    // 3. Forced permanent password, twice, with the rules shown.
    await poll(() => page.locator('h1').textContent()).toContain('Установка постоянного пароля');
    await page.fill('input[name=password]', 'Podsolnuh2026');
    await page.fill('input[name=confirm]', 'Podsolnuh2025');
    await page.click('button:has-text("Установить постоянный пароль")');
    await poll(() => page.locator('.error').textContent()).toContain('Пароли не совпадают');
    await expectAccessible(page, 'password (with an error)');
    await page.fill('input[name=password]', 'Podsolnuh2026');
    await page.fill('input[name=confirm]', 'Podsolnuh2026');
    await screenshot(page, 'cabinet-password.png');
    await page.click('button:has-text("Установить постоянный пароль")');
    // The first page: what the child ate today and yesterday.
    await page.waitForURL((u) => u.pathname === '/cabinet/' && u.searchParams.get('m') === 'welcome');
    await poll(() => page.locator(`#child-${PETROVA.account}`).textContent()).toContain('Пицца 125 г');
    await screenshot(page, 'cabinet-home.png');
    await expectAccessible(page, 'home');
    await page.click('nav >> text=Профиль');
    await page.waitForURL((u) => u.pathname === '/cabinet/profile');
    await poll(() => page.locator('#pupil-name').textContent()).toBe('Петрова Анна Сергеевна');
    await screenshot(page, 'cabinet-profile.png');
    await expectAccessible(page, 'profile');

    // 4. The statement shows the sale with its dish lines.
    await page.click('nav >> text=Отчёт');
    await page.waitForURL((u) => u.pathname === '/cabinet/statement');
    await page.click('text=два дня');
    await page.waitForURL((u) => u.searchParams.get('range') === '2d');
    await page.check('input[name=details]');
    await page.click('button:has-text("Получить отчёт")');
    await page.waitForURL((u) => u.searchParams.has('from') && u.searchParams.get('details') === '1');
    const report = page.locator('#report');
    await poll(() => report.textContent()).toContain('Пицца 125 г');
    await poll(() => report.textContent()).toContain('Каша гречневая рассыпчатая 150 г');
    await poll(() => report.textContent()).toContain('34,50 руб.');
    await screenshot(page, 'cabinet-statement.png', { fullPage: true });
    await expectAccessible(page, 'statement');

    // 5. Top-up 500 ₽ on the bank's payment page.
    const shownBefore = await terminal.shownBalance(PETROVA.card);
    await page.click('nav >> text=Пополнить');
    await page.waitForURL((u) => u.pathname === '/cabinet/topup');
    await expectAccessible(page, 'top-up');
    await page.fill('input[name=amount]', '500');
    await page.click('button:has-text("Перейти к оплате")');
    await page.waitForURL((u) => u.origin === sim.url && u.pathname === '/payment/merchants/school/payment_ru.html');
    await poll(() => page.locator('.amount').textContent()).toContain('500,00 ₽');
    await screenshot(page, 'cabinet-gateway.png');
    await page.click('button:has-text("Оплатить")');
    await page.waitForURL((u) => u.pathname === '/cabinet/topup/return');
    await poll(() => page.locator('#payment-status').textContent()).toContain('Платёж на 500,00 руб. зачислен');
    // The bank's own callback reached the server over HTTP and was accepted; our requests lacked nothing.
    expect(sim.callbacks.map((c) => c.status)).toEqual([200]);
    expect(sim.problems).toEqual([]);
    expect(sim.last('register.do')?.amount).toBe('50000');
    await screenshot(page, 'cabinet-topup-done.png');
    await expectAccessible(page, 'top-up done');

    // 6. The terminal's displayed balance rises by 500,00 after its next pull.
    expect(await terminal.shownBalance(PETROVA.card)).toBe(shownBefore);
    for (let i = 0; i < 20 && (await terminal.shownBalance(PETROVA.card)) === shownBefore; i++) await terminal.client.syncOnce();
    expect(await terminal.shownBalance(PETROVA.card)).toBe(shownBefore + 50000);

    // Lost card from the cabinet: the terminal refuses it after its next pull.
    await page.click('nav >> text=Карта и лимиты');
    await page.waitForURL((u) => u.pathname === '/cabinet/controls');
    await screenshot(page, 'cabinet-controls.png');
    await expectAccessible(page, 'card and limits');
    await page.click('button:has-text("Сообщить об утере")');
    await page.waitForURL((u) => u.searchParams.get('m') === 'lost');
    await poll(() => page.locator('.notice').textContent()).toContain('Карта заблокирована');
    let refused = '';
    for (let i = 0; i < 20 && !refused; i++) {
      await terminal.client.syncOnce();
      try { await terminal.sell(PETROVA.card, [KASHA]); } catch (err) { refused = (err as Error).message; }
    }
    expect(refused).toContain('CARD_LOST');

    // Allergies and bans: the form, and the page after saving with its notice.
    await page.click('nav >> text=Аллергии и запреты');
    await page.waitForURL((u) => u.pathname === '/cabinet/diet');
    await expectAccessible(page, 'allergies and bans');
    await page.check('input[name=allergen][value=fish]');
    await page.click('button:has-text("Сохранить аллергии")');
    await page.waitForURL((u) => u.searchParams.get('m') === 'allergies');
    await poll(() => page.locator('.notice').textContent()).toContain('Аллергии сохранены');
    await expectAccessible(page, 'allergies saved');

    // No CSP violation or script error on any page.
    expect(problems).toEqual([]);
    await context.close();
  }, 180_000);
});
