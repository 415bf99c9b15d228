import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { eq, sql } from 'drizzle-orm';
import iconv from 'iconv-lite';
import { accounts, cards, dishes, students } from '../../src/server/db/schema.js';
import { importStudents } from '../../src/server/admin/import-students.js';
import { parseMenuFile, setMenu } from '../../src/server/admin/menu.js';
import { reissueCard } from '../../src/server/admin/cards.js';
import { seedDemo } from '../../src/server/admin/seed-demo.js';
import { recordTopUp } from '../../src/server/ledger/server-entries.js';
import { luhnDigit, makeAccountNumber } from '../../src/server/account-number.js';
import type { DbHandle } from '../../src/server/db/open.js';
import { createTestDb } from './helpers.js';

let h: DbHandle;
const count = async () => (await h.db.select({ n: sql<number>`count(*)::int` }).from(students))[0]!.n;

beforeAll(async () => { h = await createTestDb(); await seedDemo(h.db); });
afterAll(async () => { await h?.close(); });

describe('district CSV import', () => {
  const csv = [
    'ФИО;Школа;Класс;Льготы;Лицевой счёт',
    'Орлова Дарья Максимовна;Школа №24;1А;1-4 классы;',     // 2 ok, new account
    'Безфамильный;24;3Б;;',                                 // 3 bad: one word
    'Беляев Кирилл Андреевич;24;2б;1-4 классы, многодетные;', // 4 ok
    'Петров Пётр Петрович;Школа №99;5А;;',                  // 5 bad school
    'Смирнова Ольга Петровна;24;5А;ветераны;',              // 6 bad benefit
    'Козлов Илья Сергеевич;24;14Б;;',                      // 7 bad class
    'Лебедев Иван Олегович;24;6А;;12345',                   // 8 bad account
    'Иванов Иван Иванович;24;03Б;;0242013137',              // 9 ok, existing account: update
  ].join('\r\n');

  it('--strict refuses the whole file and changes nothing', async () => {
    const before = await count();
    const r = await importStudents(h.db, Buffer.from(csv, 'utf8'), { strict: true });
    expect(r.refused).toBe(true);
    expect(r.errors.map((e) => e.line)).toEqual([3, 5, 6, 7, 8]);
    expect(await count()).toBe(before);
  });

  it('reports bad rows by line with the reason; good rows land', async () => {
    const before = await count();
    const r = await importStudents(h.db, Buffer.from(csv, 'utf8'));
    expect(r.refused).toBe(false);
    expect(r.errors).toEqual([
      { line: 3, message: expect.stringMatching(/фамилия/) },
      { line: 5, message: expect.stringMatching(/школа «Школа №99» не найдена/) },
      { line: 6, message: expect.stringMatching(/ветераны/) },
      { line: 7, message: expect.stringMatching(/класс «14Б»/) },
      { line: 8, message: expect.stringMatching(/10 цифр/) },
    ]);
    expect(r.created).toBe(2);
    expect(r.updated).toBe(1);
    expect(await count()).toBe(before + 2);
    const [orlova] = await h.db.select().from(students).where(eq(students.fullName, 'Орлова Дарья Максимовна'));
    expect(orlova!.className).toBe('01А');
    expect(orlova!.benefitCategoryIds).toEqual(['ben-grade-1-4']);
    const [acc] = await h.db.select().from(accounts).where(eq(accounts.studentId, orlova!.id));
    // The seed's form: school 24 → "024…", 10 digits, after the demo's serials; ends in a Luhn digit.
    expect(acc!.accountNumber).toMatch(/^024\d{7}$/);
    expect(acc!.accountNumber).toBe(makeAccountNumber('024', 201321));
    expect(Number(acc!.accountNumber[9])).toBe(luhnDigit(acc!.accountNumber.slice(0, 9)));
    expect(r.newAccounts.map((a) => a.line)).toEqual([2, 4]);
  });

  it('re-importing the same file creates nobody twice', async () => {
    const before = await count();
    const r = await importStudents(h.db, Buffer.from(csv, 'utf8'));
    expect(r.created).toBe(0);
    expect(await count()).toBe(before);
  });

  it('reads Windows-1251 files (comma-separated) and the sample in docs/', async () => {
    const cp = iconv.encode('ФИО,Школа,Класс,Льготы\r\nЁжиков Семён Львович,24,4Г,опекаемые\r\n', 'win1251');
    const r = await importStudents(h.db, cp);
    expect(r.errors).toEqual([]);
    const [s] = await h.db.select().from(students).where(eq(students.fullName, 'Ёжиков Семён Львович'));
    expect(s!.className).toBe('04Г');
    expect(s!.benefitCategoryIds).toEqual(['ben-guardianship']);
    const sample = await importStudents(h.db, readFileSync(new URL('../../docs/samples/district-students.csv', import.meta.url)));
    expect(sample.errors).toEqual([]);
    const [card] = await h.db.select().from(cards).where(eq(cards.id, 'MF:04A1B2C3'));
    expect(card?.state).toBe('active');
  });

  it('an empty or headerless file is refused with a reason', async () => {
    const r = await importStudents(h.db, Buffer.from('a;b;c\n1;2;3\n'));
    expect(r.refused).toBe(true);
    expect(r.errors[0]!.message).toMatch(/нет столбцов: ФИО, Школа, Класс/);
  });
});

describe('cards, menu, top-ups', () => {
  it('reissue moves the account to a new card; the balance stays', async () => {
    const [before] = await h.db.select().from(accounts).where(eq(accounts.accountNumber, '0242013137'));
    const r = await reissueCard(h.db, 'EM:55007EE424', 'em:55007ee999');
    expect(r).toEqual({ accountNumber: '0242013137', cardId: 'EM:55007EE999' });
    const rows = await h.db.select().from(cards).where(eq(cards.accountNumber, '0242013137'));
    expect(Object.fromEntries(rows.map((c) => [c.id, c.state]))).toEqual({ 'EM:55007EE424': 'lost', 'EM:55007EE999': 'active' });
    const [after] = await h.db.select().from(accounts).where(eq(accounts.accountNumber, '0242013137'));
    expect(after!.balance).toBe(before!.balance);
  });

  it('a menu from CSV sets prices and hides dishes left out', async () => {
    const csv = 'Категория;Наименование;Цена;Код\nВыпечка;Пицца 125 г;36,00;dish-pizza\nНапитки;Компот 200 г;8,50;dish-kompot\n';
    await setMenu(h.db, 'school-24', parseMenuFile(Buffer.from(csv), 'menu.csv'));
    const rows = await h.db.select().from(dishes).where(eq(dishes.schoolId, 'school-24'));
    const byId = Object.fromEntries(rows.map((d) => [d.id, d]));
    expect(byId['dish-pizza']).toMatchObject({ price: 3600, active: true });
    expect(byId['dish-kompot']).toMatchObject({ price: 850, active: true });
    expect(byId['dish-sok']!.active).toBe(false);
    expect(() => parseMenuFile(Buffer.from('Категория;Наименование;Цена\nА;Б;дорого\n'), 'm.csv')).toThrow(/Строка 2: неверная цена/);
  });

  it('a top-up with the same idempotency key counts once', async () => {
    const [before] = await h.db.select().from(accounts).where(eq(accounts.accountNumber, '0242013145'));
    const key = '0190a0b0-0000-7000-8000-000000000abc';
    await recordTopUp(h.db, '0242013145', 10000, {}, key);
    const again = await recordTopUp(h.db, '0242013145', 10000, {}, key);
    expect(again.created).toBe(false);
    const [after] = await h.db.select().from(accounts).where(eq(accounts.accountNumber, '0242013145'));
    expect(after!.balance).toBe(before!.balance + 10000);
    await expect(recordTopUp(h.db, '0242013145', -5, {})).rejects.toThrow(/больше нуля/);
    await expect(recordTopUp(h.db, '9999999999', 5, {})).rejects.toThrow(/не найден/);
  });
});
