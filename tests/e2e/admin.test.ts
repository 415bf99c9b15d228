import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { generate } from 'otplib';
import { browserAvailable, expectAccessible, launchBrowser, openPage, poll, screenshot } from './harness.js';
import { newTerminal, startTestServer, type TestServer, type TestTerminal } from '../sync/harness.js';
import { addStaff } from '../server/admin-helpers.js';
import { ensureAdminUi } from '../../src/shell/ui-build.js';
import { students } from '../../src/server/db/schema.js';
import { DEMO_SCHOOL } from '../../src/core/demo-school.js';

/**
 * The staff console at /admin/ in Chromium, against a real server with the demo
 * school and an enrolled till: a school admin's first login with TOTP, the pupil
 * import with a bad row, a cashier's PIN reset that the till then accepts.
 * axe-core finds no serious or critical violation on these pages.
 */
const run = browserAvailable();
const S = DEMO_SCHOOL.school.id;

describe.skipIf(!run)('staff console in Chromium', () => {
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
    await addStaff(server.handle, { fullName: 'Кассирова Анна', pin: '482913', grants: [{ role: 'cashier', schoolId: S, classNames: null }] });
    terminal = await newTerminal(server);
    browser = await launchBrowser();
    ({ context, page } = await openPage(browser, { viewport: { width: 1366, height: 768 } }));
    page.setDefaultTimeout(10_000);
    // Refused calls answer 4xx on purpose; what must never appear is a CSP refusal or a script error.
    page.on('console', (m) => { if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) problems.push(m.text()); });
    page.on('pageerror', (e) => problems.push(String(e)));
  }, 180_000);
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await terminal?.close();
    await server?.close();
  });

  it('first login of a school admin: password, then the TOTP secret as text and its first code', async () => {
    await page.goto(`${server.url}/admin/`);
    await page.getByLabel('Логин').fill('head24');
    await page.getByLabel('Пароль').fill('wrong-password');
    await page.getByRole('button', { name: 'Войти' }).click();
    await poll(() => page.getByRole('alert').textContent()).toMatch(/невер/i);
    await page.getByLabel('Пароль').fill('head24-pass-1');
    await page.getByRole('button', { name: 'Войти' }).click();
    const secret = (await page.getByTestId('totp-secret').textContent())!.trim();
    expect(await page.getByTestId('totp-uri').textContent()).toMatch(/^otpauth:\/\/totp\/.*secret=/);
    await page.getByLabel('Код из приложения').fill('12');
    await page.getByRole('button', { name: 'Подтвердить' }).click();
    await poll(() => page.locator('.field-error').textContent()).toContain('6 цифр');
    await expectAccessible(page, 'login');
    await screenshot(page, 'admin-login-totp.png');
    await page.getByLabel('Код из приложения').fill(await generate({ secret }));
    await page.getByRole('button', { name: 'Подтвердить' }).click();
    await page.getByRole('navigation', { name: 'Разделы' }).waitFor();
    await poll(() => page.locator('.who').textContent()).toContain('Иванова Мария Петровна');
  });

  it('pupils: server-side search; an import with a bad row shows it and writes nothing until confirmed', async () => {
    await page.goto(`${server.url}/admin/#/pupils`);
    const table = page.getByRole('table', { name: 'Ученики' });
    await table.getByText('Иванов Иван Иванович').waitFor();
    await page.getByTestId('table-search').fill('петр');
    await poll(async () => table.locator('tbody tr').count()).toBe(1);
    await poll(() => table.locator('tbody').textContent()).toContain('Петрова Анна Сергеевна');
    await page.getByTestId('table-search').fill('');
    await expectAccessible(page, 'pupils');
    await screenshot(page, 'admin-pupils.png');

    const count = async () => (await server.handle.db.select({ n: sql<number>`count(*)::int` }).from(students))[0]!.n;
    const before = await count();
    await page.getByRole('button', { name: 'Импорт из файла…' }).click();
    const csv = ['ФИО;Школа;Класс;Льготы', 'Орлова Дарья Максимовна;24;1А;', 'Безфамильный;24;3Б;', 'Козлов Илья Сергеевич;24;14Б;', 'Лебедев Иван Олегович;24;6А;'].join('\r\n');
    await page.getByTestId('import-file').setInputFiles({ name: 'ученики.csv', mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8') });
    await page.getByRole('button', { name: 'Проверить' }).click();
    const errors = page.getByTestId('import-errors');
    await errors.waitFor();
    await poll(() => errors.locator('tbody tr td:first-child').allTextContents()).toEqual(['3', '4']);
    await poll(() => errors.textContent()).toContain('класс «14Б» не распознан');
    expect(await count()).toBe(before);
    await expectAccessible(page, 'import preview');
    await screenshot(page, 'admin-pupils-import.png');
    await page.getByRole('button', { name: /^Записать 2/ }).click();
    await poll(() => page.getByRole('status').filter({ hasText: 'Импорт выполнен' }).textContent()).toContain('добавлено 2');
    expect(await count()).toBe(before + 2);
    expect((await server.handle.db.select().from(students).where(eq(students.fullName, 'Орлова Дарья Максимовна')))[0]!.className).toBe('01А');
    await page.getByRole('button', { name: 'Готово' }).click();
  });

  it('staff: a new PIN for a cashier reaches the till on its next sync', async () => {
    await page.goto(`${server.url}/admin/#/staff`);
    await page.getByRole('table', { name: 'Сотрудники' }).getByText('Кассирова Анна').click();
    await page.getByLabel('Новый ПИН для кассы').fill('1234');
    await page.getByRole('button', { name: 'Сменить ПИН' }).click();
    await poll(() => page.locator('.field-error').textContent()).toContain('PIN-код');
    await page.getByLabel('Новый ПИН для кассы').fill('739164');
    await page.getByRole('button', { name: 'Сменить ПИН' }).click();
    await page.getByTestId('staff-notice').waitFor();
    await expectAccessible(page, 'staff');
    await screenshot(page, 'admin-staff-pin.png');

    await terminal.client.syncOnce();
    await terminal.service.logout();
    expect((await terminal.service.login('482913')).ok).toBe(false);
    const login = await terminal.service.login('739164');
    expect(login.ok).toBe(true);
    expect(login.ok && login.value.name).toBe('Кассирова Анна');
  });

  it('tills: the live status table warns of a till silent longer than the school allows', async () => {
    await terminal.client.syncOnce();
    await server.handle.db.execute(sql`INSERT INTO terminals (id, school_id, name, enrolled_at, last_seen_at)
      VALUES ('terminal-24-2', ${S}, 'Касса буфета', now() - interval '5 days', now() - interval '3 days')`);
    await page.goto(`${server.url}/admin/#/tills`);
    const table = page.getByRole('table', { name: 'Кассы' });
    await table.getByText('Касса буфета').waitFor();
    await poll(() => page.getByTestId('silent-warning').textContent()).toContain('Касса буфета');
    await poll(() => page.getByTestId('till-terminal-24-2').getAttribute('class')).toBe('silent');
    await poll(() => page.getByTestId(`till-${terminal.terminalId}`).textContent()).not.toContain('ни разу');
    await expectAccessible(page, 'tills');
    await screenshot(page, 'admin-tills.png');
  });

  it('review flags: a flag is resolved with a note, once', async () => {
    await server.handle.db.execute(sql`INSERT INTO review_flags (school_id, entry_uuid, terminal_id, account_number, reason, message)
      VALUES (${S}, '00000000-0000-7000-8000-00000000f1a9', ${terminal.terminalId}, '0242013145', 'overdraft', 'Продажа ушла в минус сверх допустимого: −12,50 ₽')`);
    await page.goto(`${server.url}/admin/#/flags`);
    const table = page.getByRole('table', { name: 'Отметки для проверки' });
    await table.getByText('Продажа ушла в минус').click();
    await page.getByRole('button', { name: 'Отметить решённой' }).click();
    await poll(() => page.locator('.field-error').textContent()).toContain('не короче 3');
    await page.getByLabel('Что сделано').fill('Родители внесли 100 ₽ наличными, ПКО 17');
    await expectAccessible(page, 'flag');
    await screenshot(page, 'admin-flag-resolve.png');
    await page.getByRole('button', { name: 'Отметить решённой' }).click();
    await poll(() => table.locator('tbody').textContent()).toContain('Нет отметок');
    const [row] = (await server.handle.db.execute(sql`SELECT resolved_by, resolution_note FROM review_flags WHERE entry_uuid = '00000000-0000-7000-8000-00000000f1a9'`) as unknown as { rows: { resolved_by: string; resolution_note: string }[] }).rows;
    expect(row).toEqual({ resolved_by: expect.stringContaining('Иванова Мария Петровна'), resolution_note: 'Родители внесли 100 ₽ наличными, ПКО 17' });
  });

  it('no CSP violation or script error on any page', () => {
    expect(problems).toEqual([]);
  });
});
