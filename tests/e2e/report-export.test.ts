import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { browserAvailable, consolePage, downloadedSheets, expectAccessible, launchBrowser, poll } from './harness.js';
import { newTerminal, startTestServer, type TestServer, type TestTerminal } from '../sync/harness.js';
import { addStaff } from '../server/admin-helpers.js';
import { ensureAdminUi } from '../../src/shell/ui-build.js';
import { DEMO_SCHOOL } from '../../src/core/demo-school.js';

/**
 * Issue 16, point 8 in Chromium: the accountant starts the month's reimbursement export, sees it in
 * progress on the server, then «Скачать»; the file downloaded reads back with exceljs.
 */
const run = browserAvailable();
const S = DEMO_SCHOOL.school.id;

describe.skipIf(!run)('console: a long export as a job on the server', () => {
  let server: TestServer;
  let terminal: TestTerminal;
  let browser: Browser;
  let context: BrowserContext | undefined;
  const problems: string[] = [];
  // The worker waits here after taking a job, so the test sees it running; released below. Then the
  // next job fails once (as a job cut off by a restart would), and the one after passes.
  let release: () => void = () => {};
  const held = new Promise<void>((ok) => { release = ok; });
  let failNext = false;
  const gate = async () => {
    await held;
    if (failNext) { failNext = false; throw new Error('проверка: сбой'); }
  };

  beforeAll(async () => {
    await ensureAdminUi();
    server = await startTestServer({ config: { exportJobs: { gate } } });
    await addStaff(server.handle, { login: 'acc24', password: 'acc24-pass-1', fullName: 'Счётова Анна', grants: [{ role: 'accountant', schoolId: S, classNames: null }] });
    terminal = await newTerminal(server);
    await terminal.sell('MF:BCD14264', ['set-breakfast-1-4']);
    await terminal.client.syncOnce();
    browser = await launchBrowser();
  }, 240_000);
  afterAll(async () => {
    release();
    await context?.close();
    await browser?.close();
    await terminal?.close();
    await server?.close();
  });

  async function pageAs(login: string, password: string): Promise<Page> {
    const opened = await consolePage(browser, server.url, login, password, { problems });
    context = opened.context;
    return opened.page;
  }

  it('the accountant starts the month\'s reimbursement export, sees its progress, downloads it when ready', async () => {
    const page = await pageAs('acc24', 'acc24-pass-1');
    await page.goto(`${server.url}/admin/#/report-reimbursement`);
    await poll(() => page.getByRole('status').filter({ hasText: 'копейки' }).count()).toBe(1);
    const button = page.getByRole('button', { name: 'Выгрузить XLSX' });
    await button.dblclick();   // a double click makes one job
    const bar = page.getByRole('progressbar');
    await poll(() => bar.count()).toBe(1);
    await poll(() => page.getByRole('status').filter({ hasText: 'Сервер считает отчёт' }).count()).toBe(1);
    await expectAccessible(page, 'export in progress');
    const jobs = await server.handle.db.execute('SELECT count(*)::int AS n, min(status) AS status FROM export_jobs');
    expect((jobs as unknown as { rows: { n: number; status: string }[] }).rows[0]).toEqual({ n: 1, status: 'running' });

    // Leaving the page while the server works loses nothing: back on it, the job is there.
    await page.goto(`${server.url}/admin/#/report-day`);
    await page.goto(`${server.url}/admin/#/report-reimbursement`);
    await poll(() => bar.count()).toBe(1);
    release();
    const link = page.getByRole('link', { name: /Скачать возмещение-.*\.xlsx/ });
    await poll(() => link.count()).toBe(1);
    await poll(() => bar.count()).toBe(0);
    await page.reload();
    await poll(() => link.count()).toBe(1);
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const sheets = await downloadedSheets(download);
    const rows = sheets['Возмещение']!;
    expect(rows).toContainEqual([DEMO_SCHOOL.school.name, 'муниципальный бюджет', '1-4 классы', 1, 1, 1, 49.61, 49.61]);
    expect(rows.flat()).toContain('Итого к возмещению: 49,61 ₽');
    const basis = sheets['Основание']!;
    expect(basis.some((r) => r.includes('03А') && r.includes(49.61))).toBe(true);
    expect(problems).toEqual([]);
  });

  it('a failed export says why, and running it again makes a new job that finishes', async () => {
    const page = await pageAs('acc24', 'acc24-pass-1');
    await page.goto(`${server.url}/admin/#/report-reimbursement`);
    failNext = true;
    await page.getByRole('button', { name: 'PDF для подписи' }).click();
    await poll(() => page.getByRole('alert').filter({ hasText: 'Выгрузка не удалась: не удалось сформировать файл (подробности в журнале сервера), запустите заново' }).count()).toBe(1);
    await page.getByRole('button', { name: 'PDF для подписи заново' }).click();
    const link = page.getByRole('link', { name: /Скачать возмещение-.*\.pdf/ });
    await poll(() => link.count()).toBe(1);
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    expect(readFileSync(await download.path()).subarray(0, 5).toString()).toBe('%PDF-');
    const jobs = await server.handle.db.execute(`SELECT status FROM export_jobs WHERE format = 'pdf' ORDER BY created_at`);
    expect((jobs as unknown as { rows: { status: string }[] }).rows.map((r) => r.status)).toEqual(['failed', 'done']);
    expect(problems).toEqual([]);
  });
});
