import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { v7 as uuidv7 } from 'uuid';
import { browserAvailable, expectAccessible, launchBrowser, openPage, poll, screenshot, signInWithTotpEnrolment, trackProblems } from './harness.js';
import { newTerminal, startTestServer, type TestServer, type TestTerminal } from '../sync/harness.js';
import { addStaff } from '../server/admin-helpers.js';
import { ensureAdminUi } from '../../src/shell/ui-build.js';

/**
 * Issue 13 in the staff console, in Chromium: a school admin sets the school's allergen policy
 * (the till then refuses a dish with the pupil's allergen) and uploads a pupil's photo (the till
 * gets the 240×300 JPEG on its next pull).
 */
const S = 'school-24';
const MOROZOVA_CARD = 'EM:55007E1007';   // allergic to nuts and milk
const KEKS = 'dish-keks';                // gluten, eggs, milk, nuts
const run = browserAvailable();

describe.skipIf(!run)('staff console: allergen policy and pupil photos', () => {
  let server: TestServer;
  let terminal: TestTerminal;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    await ensureAdminUi();
    server = await startTestServer();
    await addStaff(server.handle, { login: 'head24', password: 'head24-pass-1', fullName: 'Иванова Мария Петровна', grants: [{ role: 'schoolAdmin', schoolId: S, classNames: null }] });
    terminal = await newTerminal(server);
    browser = await launchBrowser();
    ({ context, page } = await openPage(browser, { viewport: { width: 1366, height: 768 } }));
    page.setDefaultTimeout(10_000);
    trackProblems(page, problems, { console: true });
    // Signed in with the first-login TOTP enrolment, as a school admin does.
    await signInWithTotpEnrolment(page, server.url, 'head24', 'head24-pass-1');
  }, 180_000);
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await terminal?.close();
    await server?.close();
  });

  const keks = () => terminal.service.quote({ saleId: uuidv7(), cardId: MOROZOVA_CARD, lines: [{ itemId: KEKS, quantity: 1 }], allergenConfirmed: [KEKS] });

  it('allergen policy: «касса не продаёт» saved on the Кассы page; the till then refuses a confirmed allergen', async () => {
    expect((await keks()).ok).toBe(true);                       // confirm (the default): the cashier's confirmation lets it through
    await page.goto(`${server.url}/admin/#/tills`);
    const section = page.getByTestId('allergen-policy');
    await poll(() => section.getByLabel('кассир подтверждает продажу').isChecked()).toBe(true);
    await section.getByLabel('касса не продаёт').check();
    await section.getByRole('button', { name: 'Сохранить' }).click();
    await poll(() => page.getByTestId('allergen-policy-saved').textContent()).toContain('Сохранено');
    await expectAccessible(page, 'tills with the allergen policy');
    await screenshot(page, 'admin-allergen-policy.png');
    await page.reload();
    await poll(() => page.getByTestId('allergen-policy').getByLabel('касса не продаёт').isChecked()).toBe(true);

    let refused = '';
    for (let i = 0; i < 20 && !refused; i++) {
      await terminal.client.syncOnce();
      const q = await keks();
      if (!q.ok) refused = q.error.code;
    }
    expect(refused).toBe('ALLERGEN_REFUSED');
  });

  it('pupil photo: uploaded in the pupil\'s card, shown there, and pulled by the till as a 240×300 JPEG', async () => {
    await page.goto(`${server.url}/admin/#/pupils`);
    const table = page.getByRole('table', { name: 'Ученики' });
    await table.getByText('Морозова Дарья Викторовна').click();
    await poll(() => page.getByTestId('pupil-photo-none').isVisible()).toBe(true);
    const photo = await sharp({ create: { width: 1200, height: 1600, channels: 3, background: '#c08a60' } }).jpeg().toBuffer();
    await page.getByTestId('pupil-photo-file').setInputFiles({ name: 'морозова.jpg', mimeType: 'image/jpeg', buffer: photo });
    await page.getByRole('button', { name: 'Загрузить фотографию' }).click();
    await poll(() => page.getByTestId('pupil-photo-saved').textContent()).toContain('Фотография сохранена');
    await poll(() => page.getByTestId('pupil-photo-img').evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBe(240);
    await expectAccessible(page, 'pupil card with a photo');
    await screenshot(page, 'admin-pupil-photo.png');

    // Not an image: the server's reason, and the photo stays.
    await page.getByTestId('pupil-photo-file').setInputFiles({ name: 'список.txt', mimeType: 'text/plain', buffer: Buffer.from('не фото') });
    await page.getByRole('button', { name: 'Загрузить фотографию' }).click();
    await poll(() => page.getByTestId('pupil-photo').getByRole('alert').textContent()).toContain('Не удалось прочитать изображение');
    expect(await page.getByTestId('pupil-photo-img').isVisible()).toBe(true);

    let width = 0;
    for (let i = 0; i < 20 && !width; i++) {
      await terminal.client.syncOnce();
      const row = terminal.sqlite.prepare(`SELECT photo FROM students WHERE id = 'student-morozova'`).pluck().get() as Buffer | null;
      if (row) width = (await sharp(row).metadata()).width ?? 0;
    }
    expect(width).toBe(240);
    expect(problems).toEqual([]);
  });
});
