import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CARDS } from '../../src/core/demo-school.js';
import { accounts } from '../../src/server/db/schema.js';
import { startDemo, type Demo } from '../../src/shell/demo.js';
import { browserAvailable, launchBrowser, login, openPage, poll, rub, screenshot } from './harness.js';

const run = browserAvailable();

// The whole demo (embedded server + enrolled terminal + sync client + browser
// shell) with the server taken off the network in the middle of selling.
describe.skipIf(!run)('selling through a server outage (demo: embedded server, sync client, Chromium)', () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let demo: Demo;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'canteen-e2e-demo-'));

  beforeAll(async () => {
    browser = await launchBrowser();
    demo = await startDemo({
      dataDir, serverInMemory: true,
      // Short timers so the outage and the recovery take seconds, not minutes.
      syncTuning: { debounceMs: 50, intervalMs: 1000, backoff: { baseMs: 200, maxMs: 1000 }, requestTimeoutMs: 2000 },
    });
    ({ context, page } = await openPage(browser, { url: demo.shell.server.url }));
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await demo?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const serverBalance = async (account: string) => {
    const [row] = await demo.server!.handle.db.select({ b: accounts.balance }).from(accounts).where(eq(accounts.accountNumber, account));
    return row!.b;
  };
  const pending = async () => Number(await page.getByTestId('pending').textContent());
  const sell = async (keys: string[]) => {
    demo.shell.runtime.simulatedReader!.tap(DEMO_CARDS.ivanov);
    await poll(() => page.getByTestId('pupil-name').textContent()).toBe('Иванов Иван Иванович');
    for (const k of keys) await page.keyboard.press(k);
    await poll(() => page.getByTestId('cart-line').count()).toBe(new Set(keys).size);
    await page.keyboard.press('Enter');
    await poll(() => page.getByTestId('notice').textContent()).toMatch(/Оплачено/);
  };

  it('sales go on under the offline banner and the pending count returns to 0 by itself', async () => {
    await login(page, '1111');
    await page.keyboard.press('Control+m');
    await page.keyboard.press('Enter');
    await poll(() => page.getByTestId('manager-info').textContent()).toContain('открыта');
    await page.keyboard.press('Escape');

    await poll(() => page.getByTestId('sync-status').textContent()).toContain('на связи');
    await sell(['1']); // каша 8,30
    await poll(pending, { timeout: 15_000 }).toBe(0);
    await poll(() => serverBalance('0242013137')).toBe(67766 - 830);

    await demo.server!.stop();
    await sell(['5', '6']); // пицца 34,50 + сок 13,20
    await poll(() => page.getByTestId('offline-banner').isVisible(), { timeout: 15_000 }).toBe(true);
    await sell(['7']); // булочка 16,50
    expect(await page.getByTestId('pupil-balance').textContent()).toBe(rub('605,16')); // 677,66 − 8,30 − 47,70 − 16,50
    expect(await pending()).toBeGreaterThanOrEqual(2);
    expect(await page.getByTestId('offline-banner').textContent()).toMatch(/Продажа продолжается/);
    await screenshot(page, 'offline.png');
    expect(await serverBalance('0242013137')).toBe(67766 - 830); // the server has not seen them

    await demo.server!.start();
    await poll(pending, { timeout: 30_000 }).toBe(0);
    await poll(() => page.getByTestId('offline-banner').count()).toBe(0);
    await poll(() => serverBalance('0242013137')).toBe(60516);
    await screenshot(page, 'back-online.png');
  });
});
