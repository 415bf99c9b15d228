import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { browserAvailable, expectAccessible, launchBrowser, openPage, poll, screenshot, signInWithTotpEnrolment, trackProblems } from './harness.js';
import { enrollDemoTerminal, startTestServer, type TestServer } from '../server/helpers.js';
import { addStaff } from '../server/admin-helpers.js';
import { DEMO_SCHOOL } from '../../src/core/demo-school.js';
import { tillDiagnostics } from '../../src/server/db/releases-schema.js';
import { openRuntime, type Runtime } from '../../src/shell/runtime.js';
import { ensureAdminUi, REPO_ROOT } from '../../src/shell/ui-build.js';

/**
 * Remote help in the staff console (issue 18), in Chromium: a school admin presses «Диагностика»
 * for a till, the page says the request waits for the till's next sync, the till (the shells'
 * runtime with its real sync client) pulls and sends the bundle, and the page shows it: the
 * till's version, its sync state, devices, the redacted log, a JSON download — and no pupil's name.
 * Opened again, it shows that bundle without asking the till again, until «Запросить заново».
 */
const S = DEMO_SCHOOL.school.id;
const TILL = DEMO_SCHOOL.terminal.id;
const VERSION = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const run = browserAvailable();

describe.skipIf(!run)('staff console: a till\'s diagnostics', () => {
  let server: TestServer;
  let till: Runtime;
  let token: string;
  let dir: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    await ensureAdminUi();
    server = await startTestServer();
    await addStaff(server.handle, { login: 'head24', password: 'head24-pass-1', fullName: 'Иванова Мария Петровна', grants: [{ role: 'schoolAdmin', schoolId: S, classNames: null }] });
    const enrolled = await enrollDemoTerminal(server.handle);
    token = enrolled.token;
    dir = mkdtempSync(path.join(tmpdir(), 'canteen-e2e-diag-'));
    // Its own sync timer is slow here: the test says when the till pulls.
    till = await openRuntime({
      dataDir: dir, reader: 'simulated', printer: 'memory', dbKeyStore: false,
      server: { serverUrl: server.url, token, terminalId: TILL, pinPepper: enrolled.pinPepper },
      syncTuning: { intervalMs: 3_600_000 },
    });
    browser = await launchBrowser();
    ({ context, page } = await openPage(browser, { viewport: { width: 1024, height: 768 } }));
    page.setDefaultTimeout(10_000);
    trackProblems(page, problems, { console: true });
    await signInWithTotpEnrolment(page, server.url, 'head24', 'head24-pass-1');
  }, 180_000);
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await till?.close();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('asks, waits for the till\'s sync, then shows the bundle without personal data', async () => {
    // Something on the till logs a pupil's name and card (a failing screen listener quoting what it saw):
    // the bundle's log must carry the line, with the name and card hidden.
    const ivanov = DEMO_SCHOOL.students.find((s) => s.accountNumber === '0242013137')!;
    const off = till.onEvent((e) => { if (e.type === 'sync') throw new Error(`не показан ${ivanov.fullName}, карта EM:55007EE424`); });
    await till.syncNow!();
    off();

    await page.goto(`${server.url}/admin/#/tills`);
    await page.getByRole('button', { name: `Диагностика кассы ${DEMO_SCHOOL.terminal.name}` }).click();
    await poll(() => page.getByTestId('diag-pending').textContent()).toContain('придёт со следующей синхронизацией кассы');
    expect(await page.getByTestId('diag-bundle').count()).toBe(0);

    await till.syncNow!();   // the till's pull learns of the request and uploads the bundle
    await poll(() => page.getByTestId('diag-versions').textContent(), { timeout: 20_000 }).toContain(VERSION);
    const panel = page.getByTestId('diagnostics');
    expect(await panel.getByTestId('diag-sync').textContent()).toContain('Последняя синхронизация');
    expect(await panel.getByTestId('diag-database').textContent()).toContain(`Учеников (число)${DEMO_SCHOOL.students.length}`);
    expect(await panel.getByTestId('diag-devices').textContent()).toContain('считыватель: СИМУЛЯТОР');
    expect(await panel.getByTestId('diag-printer').textContent()).toContain('готов');
    await poll(() => panel.getByTestId('diag-log').textContent()).toContain('event listener failed: Error: не показан *** *** ***, карта ***');
    expect(await page.getByTestId('diag-pending').count()).toBe(0);

    // The JSON download holds the same bundle.
    const href = (await panel.getByRole('link', { name: 'Скачать' }).getAttribute('href'))!;
    const file = JSON.parse(decodeURIComponent(href.slice(href.indexOf(',') + 1))) as { bundle: { versions: { app: string } } };
    expect(file.bundle.versions.app).toBe(VERSION);

    // The roster is on the till (it sells to these pupils) but never in what it sent.
    const text = (await page.locator('body').textContent())!;
    expect(till.diagnostics!().database.pupils).toBeGreaterThan(0);
    expect(text).not.toContain(ivanov.fullName);
    expect(DEMO_SCHOOL.students.filter((s) => text.includes(s.fullName) || text.includes(s.accountNumber)).map((s) => s.fullName)).toEqual([]);
    expect(text).not.toContain(token);

    await expectAccessible(page, 'till diagnostics');
    await screenshot(page, 'admin-till-diagnostics.png', { fullPage: true });

    // Opened again: the bundle already received is shown at once, with its time, and the till is not asked again.
    const requests = async () => (await server.handle.db.select({ id: tillDiagnostics.id }).from(tillDiagnostics)).length;
    expect(await requests()).toBe(1);
    await panel.getByRole('button', { name: 'Закрыть' }).click();
    await poll(() => page.getByTestId('diagnostics').count()).toBe(0);
    await page.getByRole('button', { name: `Диагностика кассы ${DEMO_SCHOOL.terminal.name}` }).click();
    await poll(() => page.getByTestId('diag-versions').textContent()).toContain(VERSION);
    expect(await page.getByTestId('diag-bundle').textContent()).toMatch(/Получена \d\d\.\d\d\.\d{4}/);
    expect(await page.getByTestId('diag-pending').count()).toBe(0);
    expect(await requests()).toBe(1);
    // A fresh one on demand: the request waits for the till's next sync again.
    await page.getByRole('button', { name: 'Запросить заново' }).click();
    await poll(() => page.getByTestId('diag-pending').textContent()).toContain('придёт со следующей синхронизацией кассы');
    expect(await requests()).toBe(2);
    expect(problems).toEqual([]);
  });
});
