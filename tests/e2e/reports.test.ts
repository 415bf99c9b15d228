import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { browserAvailable, consolePage, downloadedSheets, expectAccessible, launchBrowser, poll, screenshot } from './harness.js';
import { IVANOV, newTerminal, PIZZA, startTestServer, type TestServer, type TestTerminal } from '../sync/harness.js';
import { addStaff } from '../server/admin-helpers.js';
import { ensureAdminUi } from '../../src/shell/ui-build.js';
import { DEMO_SCHOOL } from '../../src/core/demo-school.js';
import { sql } from 'drizzle-orm';

/**
 * Issue 16 in Chromium: the district admin opens the day's control page and its charts; the
 * accountant downloads the month's reimbursement as XLSX, read back with exceljs.
 */
const run = browserAvailable();
const S = DEMO_SCHOOL.school.id;
const GRADE_1_4_CARD = 'MF:BCD14264';

describe.skipIf(!run)('console reports: district control and reimbursement', () => {
  let server: TestServer;
  let terminal: TestTerminal;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const problems: string[] = [];

  async function pageAs(login: string, password: string): Promise<Page> {
    const { context, page } = await consolePage(browser, server.url, login, password, { problems });
    contexts.push(context);
    return page;
  }

  beforeAll(async () => {
    await ensureAdminUi();
    server = await startTestServer();
    await addStaff(server.handle, { login: 'district', password: 'district-pass-1', fullName: 'Районова Ольга', grants: [{ role: 'districtAdmin', schoolId: null, classNames: null }] });
    await addStaff(server.handle, { login: 'acc24', password: 'acc24-pass-1', fullName: 'Счётова Анна', grants: [{ role: 'accountant', schoolId: S, classNames: null }] });
    terminal = await newTerminal(server);
    await terminal.sell(IVANOV.card, [PIZZA]);
    await terminal.sell(GRADE_1_4_CARD, ['set-breakfast-1-4']);
    await terminal.client.syncOnce();
    browser = await launchBrowser();
  }, 240_000);
  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await terminal?.close();
    await server?.close();
  });

  it('the district admin sees every school\'s day and the 30-day charts', async () => {
    const page = await pageAs('district', 'district-pass-1');
    await page.goto(`${server.url}/admin/#/report-district`);
    const table = page.getByRole('table', { name: 'Контроль питания по школам' });
    const row = table.getByRole('row').filter({ hasText: DEMO_SCHOOL.school.name });
    await poll(() => row.locator('td').first().textContent()).toBe('2');
    await poll(() => row.locator('td').nth(1).textContent()).toBe('1 / 2');
    // No attendance marked today: the page says so rather than guessing.
    await poll(() => row.locator('td').nth(2).textContent()).toBe('нет данных о посещаемости');
    const chart = page.getByRole('img', { name: /Питалось по дням/ });
    await poll(() => chart.locator('svg path').count()).toBeGreaterThan(2);
    await screenshot(page, 'admin-report-district.png', { fullPage: true });
    // One of the two beneficiaries marked absent on the page's day (the class teacher's attendance): present 2 − 1.
    const [pupil] = (await server.handle.db.execute(sql`SELECT id FROM students WHERE school_id = ${S} AND active AND cardinality(benefit_category_ids) > 0 ORDER BY id LIMIT 1`) as unknown as { rows: { id: string }[] }).rows;
    await server.handle.db.execute(sql`INSERT INTO attendance (school_id, student_id, day, present, source, marked_by, marked_at)
      VALUES (${S}, ${pupil!.id}, ${new Date(Date.now() - new Date().getTimezoneOffset() * 60_000).toISOString().slice(0, 10)}, false, 'manual', 'test', now())`);
    await page.reload();
    await poll(() => row.locator('td').nth(2).textContent()).toBe('1');
    await expectAccessible(page, 'district control');
    expect(problems).toEqual([]);
  });

  it('the accountant downloads the reimbursement XLSX and it says what the ledger says', async () => {
    const page = await pageAs('acc24', 'acc24-pass-1');
    await page.goto(`${server.url}/admin/#/report-reimbursement`);
    await poll(() => page.getByRole('status').filter({ hasText: 'копейки' }).count()).toBe(1);
    await page.getByRole('button', { name: 'Выгрузить XLSX' }).click();
    const link = page.getByRole('link', { name: /Скачать возмещение-.*\.xlsx/ });
    await link.waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const sheets = await downloadedSheets(download);
    const rows = sheets['Возмещение']!;
    expect(rows).toContainEqual([DEMO_SCHOOL.school.name, 'муниципальный бюджет', '1-4 классы', 1, 1, 1, 49.61, 49.61]);
    expect(rows.flat()).toContain('Итого к возмещению: 49,61 ₽');
    const basis = sheets['Основание']!;
    expect(basis.some((r) => r.includes('03А') && r.includes(49.61))).toBe(true);
    expect(problems).toEqual([]);
  });
});
