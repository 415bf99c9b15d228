import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { startBrowserShell, type BrowserShell } from '../../src/shell/start.js';
import type { RuntimeOptions } from '../../src/shell/runtime.js';
import { CHROMIUM, launchBrowser } from './chromium.js';

export { CHROMIUM, launchBrowser } from './chromium.js';

/**
 * Whether the browser tests can run here. Without Chromium they are skipped
 * with a printed reason, except under CI=true where a missing browser is a failure.
 */
export function browserAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI === 'true') throw new Error(`${CHROMIUM} is missing and CI=true: install the chromium package`);
  console.warn(`e2e skipped: ${CHROMIUM} not found (apt-get install chromium); set CI=true to make this a failure`);
  return false;
}

export interface PageOptions {
  /** Default 1280×800, the till's screen. */
  viewport?: { width: number; height: number };
  /** Opened before the page is handed back. */
  url?: string;
}

/** A fresh browser context as the canteen's users have it (Russian locale, Moscow time) and a page in it. */
export async function openPage(browser: Browser, opts: PageOptions = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: opts.viewport ?? { width: 1280, height: 800 }, locale: 'ru-RU', timezoneId: 'Europe/Moscow' });
  const page = await context.newPage();
  if (opts.url !== undefined) await page.goto(opts.url);
  return { context, page };
}

export interface Till { shell: BrowserShell; page: Page; dataDir: string; close(): Promise<void> }

/** A fresh demo terminal (real core, simulated reader, file printer) in the browser shell, with a page on it. */
export async function openTill(browser: Browser, extra: Partial<RuntimeOptions> = {}): Promise<Till> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'canteen-e2e-'));
  const shell = await startBrowserShell({ dataDir, seedDemo: true, reader: 'simulated', printer: 'file', ...extra });
  const { context, page } = await openPage(browser);
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (err) => console.error('page error:', err));
  await page.goto(shell.server.url);
  return {
    shell, page, dataDir,
    async close() { await context.close(); await shell.close(); rmSync(dataDir, { recursive: true, force: true }); },
  };
}

/**
 * Chromium and one fresh till (openTill) for the describe block it is called
 * in: opened in beforeAll, closed in afterAll. The returned till reads
 * through to them, so it is usable in the tests, not at collection time.
 */
export function useTill(extra: Partial<RuntimeOptions> = {}): Till {
  let browser: Browser | undefined;
  let till: Till | undefined;
  beforeAll(async () => {
    browser = await launchBrowser();
    till = await openTill(browser, extra);
  });
  afterAll(async () => { await till?.close(); await browser?.close(); });
  const open = (): Till => {
    if (!till) throw new Error('useTill: the till opens in beforeAll');
    return till;
  };
  return {
    get shell() { return open().shell; },
    get page() { return open().page; },
    get dataDir() { return open().dataDir; },
    close: () => open().close(),
  };
}

export async function login(page: Page, pin: string): Promise<void> {
  await page.getByTestId('pin').fill(pin);
  await page.keyboard.press('Enter');
  await page.getByTestId('cashier').waitFor();
}

/** The raw bytes of every job the file printer wrote, in order. */
export function printedBytes(dataDir: string): Buffer[] {
  const dir = path.join(dataDir, 'printer');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith('.bin')).sort().map((f) => readFileSync(path.join(dir, f)));
}

/**
 * Where the e2e tests save their screenshots. The committed ones in
 * docs/screenshots are rewritten only on request (`UPDATE_SCREENSHOTS=1`):
 * every run changes their bytes, and `npm test` must leave the tree clean.
 */
export const SCREENSHOTS = path.resolve(import.meta.dirname, '../..', process.env.UPDATE_SCREENSHOTS === '1' ? 'docs/screenshots' : 'test-results/screenshots');

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Saves `<SCREENSHOTS>/<name>` and checks that a real, non-empty PNG landed there. */
export async function screenshot(page: Page, name: string, opts: { fullPage?: boolean } = {}): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, name);
  rmSync(file, { force: true }); // a stale file from an earlier run must not pass for this one
  await page.screenshot({ path: file, ...opts });
  const png = readFileSync(file);
  expect(png.subarray(0, 8).equals(PNG_SIGNATURE), `${file} is not a PNG`).toBe(true);
  expect(png.length, `${file} is empty`).toBeGreaterThan(PNG_SIGNATURE.length + 25); // more than signature + IHDR
}

/** "611,01 ₽" as the UI shows it (non-breaking spaces). */
export const rub = (s: string): string => `${s.replace(/ /g, '\u00a0')}\u00a0₽`;

/** expect.poll with a timeout that survives a loaded CI machine (vitest's default is 1 s). */
export function poll<T>(fn: () => Promise<T> | T, opts: { timeout?: number } = {}) {
  return expect.poll(fn, { timeout: 10_000, interval: 50, ...opts });
}

/** axe-core (WCAG 2.1 A/AA) on the page as it is now: no serious or critical violation, listed by rule and element. */
export async function expectAccessible(page: Page, where: string): Promise<void> {
  const { AxeBuilder } = await import('@axe-core/playwright');
  const { violations } = await new AxeBuilder({ page: page as never }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${where}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
}

/**
 * The parts of the in-place «open the shift» PIN pad that do not show whole without scrolling: outside the
 * pupil panel, or below what the left column shows. Empty when the pad fits (1024×768 is the till's screen).
 */
export async function shiftPadOverflow(page: Page): Promise<{ what: string; right: number; bottom: number }[]> {
  return page.getByTestId('pupil-panel').evaluate((panel) => {
    const p = panel.getBoundingClientRect();
    const column = (panel.closest('.sale-left') ?? panel).getBoundingClientRect();
    const bottom = Math.min(p.bottom, column.bottom, window.innerHeight);
    return [...panel.querySelectorAll('.shift-prompt input, .shift-prompt button')].map((e) => {
      const r = e.getBoundingClientRect();
      return { what: e.getAttribute('data-testid') ?? e.tagName, right: Math.round(r.right - p.right), bottom: Math.round(r.bottom - bottom) };
    }).filter((o) => o.right > 0 || o.bottom > 0);
  });
}

/** Collects what goes wrong in the page: uncaught errors, and with `console` the console's errors too. */
export function trackProblems(page: Page, problems: string[], opts: { console?: boolean } = {}): void {
  if (opts.console) page.on('console', (m) => { if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push(String(e)));
}

/**
 * A staff console page signed in as `login` through the staff API (TOTP enrolled on the way where the role needs
 * it): the session cookie goes into a fresh browser context, so a test starts on the page it is about.
 */
export async function consolePage(browser: Browser, serverUrl: string, login: string, password: string,
  opts: { viewport?: { width: number; height: number }; timeout?: number; problems?: string[]; consoleErrors?: boolean } = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const { signIn } = await import('../server/admin-helpers.js');
  const client = await signIn(serverUrl, login, password);
  const opened = await openPage(browser, { viewport: opts.viewport ?? { width: 1366, height: 900 } });
  const [name, value] = client.cookie.split('=') as [string, string];
  await opened.context.addCookies([{ name, value, domain: new URL(serverUrl).hostname, path: '/api/v1', httpOnly: true, sameSite: 'Strict' }]);
  opened.page.setDefaultTimeout(opts.timeout ?? 15_000);
  if (opts.problems) trackProblems(opened.page, opts.problems, { console: opts.consoleErrors });
  return opened;
}

/** The console's own sign-in form, as a school admin meets it the first time: password, then TOTP enrolment. */
export async function signInWithTotpEnrolment(page: Page, serverUrl: string, login: string, password: string): Promise<void> {
  const { generate } = await import('otplib');
  await page.goto(`${serverUrl}/admin/`);
  await page.getByLabel('Логин').fill(login);
  await page.getByLabel('Пароль').fill(password);
  await page.getByRole('button', { name: 'Войти' }).click();
  const secret = (await page.getByTestId('totp-secret').textContent())!.trim();
  await page.getByLabel('Код из приложения').fill(await generate({ secret }));
  await page.getByRole('button', { name: 'Подтвердить' }).click();
  await page.getByRole('navigation', { name: 'Разделы' }).waitFor();
}

/** A downloaded XLSX read back with exceljs: each sheet by name, as rows of cell values (without exceljs's empty column 0). */
export async function downloadedSheets(download: { path(): Promise<string> }): Promise<Record<string, unknown[][]>> {
  const { default: ExcelJS } = await import('exceljs');
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(readFileSync(await download.path()) as unknown as ArrayBuffer);
  return Object.fromEntries(wb.worksheets.map((w) => [w.name, (w.getSheetValues().filter(Boolean) as unknown[][]).map((r) => r.slice(1))]));
}
