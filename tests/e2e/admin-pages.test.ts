import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { browserAvailable, consolePage, expectAccessible, launchBrowser, poll, screenshot } from './harness.js';
import { IVANOV, KASHA, newTerminal, startTestServer, type TestServer, type TestTerminal } from '../sync/harness.js';
import { addStaff } from '../server/admin-helpers.js';
import { ensureAdminUi } from '../../src/shell/ui-build.js';
import { accounts, benefitCategories, benefitRules, mealSets, menuCycleDays, menuOverrides, schools, studentBenefits, students } from '../../src/server/db/schema.js';
import { moneyRequests, schoolCalendar } from '../../src/server/db/staff-schema.js';
import { DEMO_SCHOOL } from '../../src/core/demo-school.js';
import { formatMoney } from '../../src/core/money.js';

/**
 * The console's schools, accounts, money-by-hand and audit-log pages in
 * Chromium against a real server with the demo school and a till that sold
 * one dish: a district admin edits a school and its calendar and adds a
 * school; an account shows the sale's dish line; a correction above the
 * school's limit waits for a second admin (four eyes); the audit log finds it.
 */
const run = browserAvailable();
const S = DEMO_SCHOOL.school.id;

describe.skipIf(!run)('console pages: schools, accounts, money by hand, audit log', () => {
  let server: TestServer;
  let terminal: TestTerminal;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let district: Page;
  let head: Page;
  const problems: string[] = [];

  /** A page signed in as `login` (through the API, TOTP enrolled on the way): the cookie goes into a fresh context. */
  async function pageAs(login: string, password: string): Promise<Page> {
    const { context, page } = await consolePage(browser, server.url, login, password,
      { viewport: { width: 1366, height: 768 }, timeout: 10_000, problems, consoleErrors: true });
    contexts.push(context);
    return page;
  }

  beforeAll(async () => {
    await ensureAdminUi();
    server = await startTestServer();
    await addStaff(server.handle, { login: 'district', password: 'district-pass-1', fullName: 'Районова Ольга', grants: [{ role: 'districtAdmin', schoolId: null, classNames: null }] });
    await addStaff(server.handle, { login: 'head24', password: 'head24-pass-1', fullName: 'Иванова Мария Петровна', grants: [{ role: 'schoolAdmin', schoolId: S, classNames: null }] });
    terminal = await newTerminal(server);
    await terminal.sell(IVANOV.card, [KASHA]);
    await terminal.client.syncOnce();
    browser = await launchBrowser();
    district = await pageAs('district', 'district-pass-1');
    head = await pageAs('head24', 'head24-pass-1');
  }, 180_000);
  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await terminal?.close();
    await server?.close();
  });

  it('schools: settings saved with their version, a holiday in the calendar, a new school', async () => {
    await district.goto(`${server.url}/admin/#/schools`);
    const table = district.getByRole('table', { name: 'Школы', exact: true });
    await table.getByTestId(`school-${S}`).click();
    await district.getByLabel('Касса без связи, часов').fill('abc');
    await district.getByRole('button', { name: 'Сохранить' }).click();
    await poll(() => district.locator('.field-error').textContent()).toContain('Часы');
    await district.getByLabel('Касса без связи, часов').fill('12');
    await district.getByLabel('Исправления без второй подписи до, ₽').fill('500');
    await district.getByRole('button', { name: 'Сохранить' }).click();
    await poll(() => district.getByRole('status').textContent()).toContain('Сохранено');
    const [row] = await server.handle.db.select().from(schools).where(eq(schools.id, S));
    expect(row).toMatchObject({ staleAfterMinutes: 12 * 60, correctionApprovalLimit: 500_00 });

    await district.getByLabel('Дата').fill('2026-12-30');
    await district.getByLabel('Пояснение').fill('Новогодние каникулы');
    await district.getByRole('button', { name: 'Отметить день' }).click();
    await poll(() => district.getByRole('table', { name: 'Календарь школы' }).textContent()).toContain('Новогодние каникулы');
    const cal = await server.handle.db.select().from(schoolCalendar).where(eq(schoolCalendar.schoolId, S));
    expect(cal.map((d) => [d.date, d.kind])).toEqual([['2026-12-30', 'holiday']]);
    await expectAccessible(district, 'schools');
    await screenshot(district, 'admin-schools.png');

    await district.getByRole('button', { name: 'Новая школа…' }).click();
    await district.getByLabel('Код школы').fill('31');
    await district.getByLabel('Название').fill('Школа №31');
    await district.getByRole('button', { name: 'Сохранить' }).click();
    await poll(() => table.textContent()).toContain('Школа №31');
  });

  it('accounts: a pupil found by name, the balance and the sale with its dish line', async () => {
    await head.goto(`${server.url}/admin/#/accounts`);
    await head.getByLabel('Ученик или лицевой счёт').fill('Иванов');
    await head.getByRole('button', { name: 'Найти' }).click();
    await head.getByRole('table', { name: 'Найденные ученики' }).getByText(IVANOV.account).click();
    const [acc] = await server.handle.db.select().from(accounts).where(eq(accounts.accountNumber, IVANOV.account));
    await poll(() => head.getByTestId('account-balance').textContent()).toBe(formatMoney(acc!.balance));
    const ops = head.getByRole('table', { name: 'Операции по счёту' });
    await poll(() => ops.textContent()).toContain('Каша гречневая рассыпчатая 150 г');
    await poll(() => ops.textContent()).toMatch(/Чек №24-\d+/);
    await expectAccessible(head, 'accounts');
    await screenshot(head, 'admin-accounts.png');
  });

  it('money by hand: a correction above the limit waits for a second admin, who approves it', async () => {
    const [before] = await server.handle.db.select().from(accounts).where(eq(accounts.accountNumber, IVANOV.account));
    await head.getByRole('button', { name: 'Ручная операция по счёту…' }).click();
    await poll(() => head.getByLabel('Лицевой счёт').inputValue()).toBe(IVANOV.account);
    await head.getByLabel('Сумма, ₽').fill('0');
    await head.getByRole('button', { name: 'Провести' }).click();
    await poll(() => head.locator('.field-error').allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining('нулевой'), expect.stringContaining('Причина'), expect.stringContaining('документа')]));
    await head.getByLabel('Сумма, ₽').fill('-600');
    await head.getByLabel('Причина').fill('Двойное списание 12.11, касса 1');
    await head.getByLabel('Номер документа').fill('Акт №7');
    await head.getByRole('button', { name: 'Провести' }).click();
    await poll(() => head.getByTestId('money-notice').textContent()).toContain('ждёт подтверждения');
    const pending = head.getByRole('table', { name: 'Операции вручную' });
    await poll(() => pending.textContent()).toContain('Акт №7');
    expect((await server.handle.db.select().from(accounts).where(eq(accounts.accountNumber, IVANOV.account)))[0]!.balance).toBe(before!.balance);
    // The requester cannot approve their own correction.
    await pending.getByText('Акт №7').click();
    await poll(() => head.getByRole('button', { name: 'Подтвердить' }).isDisabled()).toBe(true);
    await expectAccessible(head, 'money');
    await screenshot(head, 'admin-money.png');
    await head.getByRole('button', { name: 'Закрыть' }).last().click();

    await district.goto(`${server.url}/admin/#/money`);
    await district.getByRole('table', { name: 'Операции вручную' }).getByText('Акт №7').click();
    await district.getByLabel('Комментарий').fill('Сверено с кассой');
    await district.getByRole('button', { name: 'Подтвердить' }).click();
    await poll(() => district.getByTestId('money-notice').textContent()).toContain('подтверждено и проведено');
    expect((await server.handle.db.select().from(accounts).where(eq(accounts.accountNumber, IVANOV.account)))[0]!.balance).toBe(before!.balance - 600_00);
    const [req] = await server.handle.db.select().from(moneyRequests).where(and(eq(moneyRequests.schoolId, S), eq(moneyRequests.documentNumber, 'Акт №7')));
    expect(req).toMatchObject({ state: 'applied', requestedByName: 'Иванова Мария Петровна', decidedByName: 'Районова Ольга' });
  });

  it('audit log: filtered by person and action, a row opens with before and after', async () => {
    await head.goto(`${server.url}/admin/#/audit`);
    const table = head.getByRole('table', { name: 'Журнал действий' });
    await poll(() => table.textContent()).toContain('money.correction.apply');
    await head.getByLabel('Действие:').fill('money.correction.request');
    await poll(async () => table.locator('tbody tr').count()).toBe(1);
    await head.getByLabel('Сотрудник:').selectOption({ label: 'Районова Ольга' });
    await poll(() => table.textContent()).toContain('Записей нет');
    await head.getByLabel('Сотрудник:').selectOption({ label: 'Иванова Мария Петровна' });
    await poll(async () => table.locator('tbody tr').count()).toBe(1);
    await table.getByText('money.correction.request').click();
    await poll(() => head.getByTestId('audit-after').textContent()).toContain('Акт №7');
    await expectAccessible(head, 'audit');
    await screenshot(head, 'admin-audit.png');
    await head.getByRole('button', { name: 'Закрыть' }).last().click();
  });

  it('menu: a meal set with its dishes, a cycle day, a date of its own and back to the cycle', async () => {
    await head.goto(`${server.url}/admin/#/menu`);
    await head.getByRole('tab', { name: 'Комплексы' }).click();
    await head.getByRole('button', { name: 'Добавить комплекс…' }).click();
    await head.getByLabel('Наименование комплекса').fill('Завтрак 2');
    await head.getByLabel('Цена комплекса, ₽').fill('60');
    await head.getByRole('button', { name: 'Сохранить' }).click();
    await poll(() => head.locator('.field-error').textContent()).toContain('хотя бы одно блюдо');
    const composition = head.getByRole('group', { name: 'Состав комплекса' });
    await composition.getByLabel('Каша гречневая рассыпчатая 150 г').check();
    await composition.getByLabel('Сок в ассортименте 200 г').check();
    await head.getByRole('button', { name: 'Сохранить' }).click();
    await poll(() => head.getByRole('table', { name: 'Комплексы' }).textContent()).toContain('Завтрак 2');
    const [set] = await server.handle.db.select().from(mealSets).where(and(eq(mealSets.schoolId, S), eq(mealSets.name, 'Завтрак 2')));
    expect(set).toMatchObject({ price: 60_00, dishIds: ['dish-kasha-grech', 'dish-sok'] });

    await head.getByRole('tab', { name: 'Цикличное меню' }).click();
    await head.getByLabel('Длина цикла').selectOption('14');
    await head.getByRole('button', { name: 'Изменить день 1', exact: true }).click();
    await head.getByRole('group', { name: 'Что подаётся в день 1' }).getByLabel('Завтрак 2').check();
    await head.getByRole('button', { name: 'Готово' }).click();
    await poll(() => head.getByTestId('cycle-day-1').textContent()).toContain('Завтрак 2');
    await head.getByRole('button', { name: 'Сохранить цикл' }).click();
    await poll(() => head.getByRole('status').textContent()).toContain('сохранено');
    await expectAccessible(head, 'menu cycle');
    await screenshot(head, 'admin-menu-cycle.png');
    const days = await server.handle.db.select().from(menuCycleDays).where(eq(menuCycleDays.schoolId, S));
    expect(days.find((d) => d.dayNo === 1)).toMatchObject({ mealSetIds: [set!.id], dishIds: [] });

    await head.getByRole('tab', { name: 'Меню по датам' }).click();
    await head.getByLabel('С даты').fill('2027-03-01');
    await head.getByTestId('menu-date-2027-03-02').click();
    await head.getByLabel('Пояснение').fill('Масленица');
    await head.getByRole('group', { name: 'Что подаётся в этот день' }).getByLabel('Булочка ванильная с изюмом 110 г').check();
    await head.getByRole('button', { name: 'Сохранить меню даты' }).click();
    await poll(() => head.getByTestId('menu-date-2027-03-02').textContent()).toContain('особое меню (Масленица)');
    expect((await server.handle.db.select().from(menuOverrides).where(and(eq(menuOverrides.schoolId, S), eq(menuOverrides.day, '2027-03-02'))))[0])
      .toMatchObject({ dishIds: ['dish-bulochka'], note: 'Масленица' });
    await screenshot(head, 'admin-menu-dates.png');
    await head.getByTestId('menu-date-2027-03-02').click();
    await head.getByRole('button', { name: 'Вернуть день цикла' }).click();
    await poll(() => head.getByTestId('menu-date-2027-03-02').textContent()).toContain('по циклу');
    expect(await server.handle.db.select().from(menuOverrides).where(eq(menuOverrides.schoolId, S))).toEqual([]);
  });

  it('benefits: a category, its meal set and the parents\' share, a pupil\'s basis document', async () => {
    await head.goto(`${server.url}/admin/#/benefits`);
    await head.getByRole('button', { name: 'Добавить категорию…' }).click();
    await head.getByLabel('Название категории').fill('Многодетные семьи');
    await head.getByLabel('Источник финансирования').selectOption({ label: 'Муниципальный бюджет' });
    await head.getByRole('button', { name: 'Сохранить' }).click();
    const cats = head.getByRole('table', { name: 'Льготные категории' });
    await poll(() => cats.textContent()).toContain('Многодетные семьи');
    const [cat] = await server.handle.db.select().from(benefitCategories).where(and(eq(benefitCategories.schoolId, S), eq(benefitCategories.name, 'Многодетные семьи')));
    expect(cat!.fundingSource).toBe('municipal');

    await head.getByRole('button', { name: 'Добавить комплекс для Многодетные семьи' }).click();
    await head.getByLabel('Комплекс', { exact: true }).selectOption({ label: 'Завтрак 2 (60,00\u00a0₽)' });
    await head.getByLabel('Платят родители, ₽').fill('70');
    await head.getByRole('button', { name: 'Сохранить' }).click();
    await poll(() => head.getByRole('alert').textContent()).toContain('больше цены комплекса');
    await head.getByLabel('Платят родители, ₽').fill('10');
    await head.getByRole('button', { name: 'Сохранить' }).click();
    await poll(() => cats.textContent()).toContain('50,00');
    expect((await server.handle.db.select().from(benefitRules).where(eq(benefitRules.benefitCategoryId, cat!.id)))[0]).toMatchObject({ parentPays: 10_00 });

    await head.getByLabel('Ученик', { exact: true }).fill('Петрова');
    await head.getByRole('button', { name: 'Найти' }).click();
    await head.getByRole('button', { name: /^Петрова Анна Сергеевна/ }).click();
    await head.getByRole('button', { name: 'Назначить льготу…' }).click();
    await head.getByLabel('Категория', { exact: true }).selectOption({ label: 'Многодетные семьи' });
    await head.getByLabel('Действует с').fill('2026-09-01');
    await head.getByLabel('Действует по').fill('2026-08-31');
    await head.getByRole('button', { name: 'Сохранить' }).click();
    await poll(() => head.locator('.field-error').allTextContents()).toEqual([expect.stringContaining('документ-основание'), expect.stringContaining('раньше')]);
    await head.getByLabel('Документ-основание').fill('Удостоверение многодетной семьи № 4411');
    await head.getByLabel('Действует по').fill('2099-05-31');
    await head.getByRole('button', { name: 'Сохранить' }).click();
    await poll(() => head.getByRole('table', { name: 'Льготы ученика' }).textContent()).toContain('№ 4411');
    const [pupil] = await server.handle.db.select().from(students).where(eq(students.fullName, 'Петрова Анна Сергеевна'));
    expect(pupil!.benefitCategoryIds).toContain(cat!.id);
    expect((await server.handle.db.select().from(studentBenefits).where(eq(studentBenefits.studentId, pupil!.id))).map((b) => b.validUntil)).toContain('2099-05-31');
    await expectAccessible(head, 'benefits');
    await screenshot(head, 'admin-benefits.png');
    expect(problems).toEqual([]);
  });
});
