import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import { createTestDb } from './helpers.js';
import type { DbHandle } from '../../src/server/db/open.js';
import { seedDemo } from '../../src/server/admin/seed-demo.js';
import { upsertSchool } from '../../src/server/admin/schools.js';
import { importStudents } from '../../src/server/admin/import-students.js';
import { closeReturnTask, listReturnTasks, movePupils, newSchoolYear, searchPupils, updatePupil } from '../../src/server/admin/pupils.js';
import { pupilListQuery } from '../../src/api/admin/pupils.js';
import { accounts, balanceReturnTasks, cards, changes, students } from '../../src/server/db/schema.js';
import { HttpError } from '../../src/server/errors.js';
import { DEMO_SCHOOL } from '../../src/core/demo-school.js';

const S24 = DEMO_SCHOOL.school.id;
const q = (over: Record<string, unknown> = {}) => pupilListQuery.parse(over);

let h: DbHandle;
beforeAll(async () => {
  h = await createTestDb();
  await seedDemo(h.db);
  await upsertSchool(h.db, { id: 'school-25', code: '25', name: 'Школа №25' });
}, 120_000);
afterAll(async () => { await h?.close(); });

const studentCount = async () => (await h.db.select({ n: sql<number>`count(*)::int` }).from(students))[0]!.n;

describe('pupil search (server-side paging, search, sort)', () => {
  it('finds by name prefix, class, account and card, in scope only', async () => {
    const byName = await searchPupils(h.db, q({ q: 'петр' }), 'all');
    expect(byName.rows.map((r) => r.fullName)).toEqual(['Петрова Анна Сергеевна']);
    expect(byName.rows[0]!.cards).toEqual([{ id: 'MF:BCD14264', state: 'active' }]);
    expect((await searchPupils(h.db, q({ q: '3б' }), [S24])).rows.map((r) => r.fullName)).toEqual(['Иванов Иван Иванович']);
    expect((await searchPupils(h.db, q({ q: '0242013153' }), [S24])).rows.map((r) => r.fullName)).toEqual(['Сидоров Пётр Алексеевич']);
    expect((await searchPupils(h.db, q({ q: 'mf:bcd14264' }), [S24])).rows.map((r) => r.accountNumber)).toEqual(['0242013145']);
    // Another school's admin sees none of school 24's pupils.
    expect(await searchPupils(h.db, q({ q: 'петр' }), ['school-25'])).toEqual({ rows: [], total: 0, totalCapped: false });
    // A LIKE wildcard in the box is a character, not a pattern.
    expect((await searchPupils(h.db, q({ q: '%' }), 'all')).total).toBe(0);
  });

  it('pages with the total and sorts by balance', async () => {
    const balances = DEMO_SCHOOL.students.map((s) => s.openingBalance).sort((a, b) => b - a);
    const p1 = await searchPupils(h.db, q({ limit: 3, sort: 'balance', dir: 'desc' }), [S24]);
    expect(p1.total).toBe(DEMO_SCHOOL.students.length);
    expect(p1.rows.map((r) => r.balance)).toEqual(balances.slice(0, 3));
    const last = await searchPupils(h.db, q({ limit: 3, offset: 6, sort: 'balance', dir: 'desc' }), [S24]);
    expect(last.rows.map((r) => r.balance)).toEqual(balances.slice(6, 9));
    const byName = await searchPupils(h.db, q({ limit: 50 }), [S24]);
    expect(byName.rows.map((r) => r.fullName)).toEqual([...byName.rows.map((r) => r.fullName)].sort((a, b) => a.toLowerCase() < b.toLowerCase() ? -1 : 1));
  });
});

describe('editing a pupil', () => {
  it('saves with the version read; a stale save is refused (409) and changes nothing', async () => {
    const [ivanov] = (await searchPupils(h.db, q({ q: '0242013137' }), [S24])).rows;
    const first = await updatePupil(h.db, ivanov!.id, { className: '04Б', version: ivanov!.version }, [S24]);
    expect(first.after.className).toBe('04Б');
    expect(first.after.version).toBe(ivanov!.version + 1);
    const err = await updatePupil(h.db, ivanov!.id, { className: '03В', fullName: 'Иванов Иван Иванович', version: ivanov!.version }, [S24]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect((err as HttpError).status).toBe(409);
    // What changed comes from the audit rows the API writes (tests/server/admin-console-api.test.ts).
    expect((err as HttpError).details).toMatchObject({ currentVersion: ivanov!.version + 1 });
    const [row] = await h.db.select().from(students).where(eq(students.id, ivanov!.id));
    expect(row!.className).toBe('04Б');
    // Out of scope: not found, not changed.
    await expect(updatePupil(h.db, ivanov!.id, { className: '05Б', version: row!.version }, ['school-25'])).rejects.toMatchObject({ status: 404 });
  });

  it('moves pupils to another class, all or none', async () => {
    const { rows } = await searchPupils(h.db, q({ q: '3а' }), [S24]);
    expect(await movePupils(h.db, rows.map((r) => r.id), '03В', [S24])).toEqual({ moved: 1 });
    await expect(movePupils(h.db, [rows[0]!.id, 'nobody'], '03Г', [S24])).rejects.toMatchObject({ status: 404 });
    expect((await searchPupils(h.db, q({ q: '3в' }), [S24])).rows.map((r) => r.fullName)).toEqual(['Петрова Анна Сергеевна']);
  });
});

describe('import from XLSX with a preview', () => {
  async function xlsx(rows: (string | number)[][]): Promise<Buffer> {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Ученики');
    for (const r of rows) ws.addRow(r);
    return Buffer.from(await wb.xlsx.writeBuffer());
  }

  it('the preview lists every bad row and writes nothing; the confirmed import writes the good rows', async () => {
    const file = await xlsx([
      ['ФИО', 'Школа', 'Класс', 'Льготы', 'Лицевой счёт'],
      ['Орлова Дарья Максимовна', 'Школа №24', '1А', '', ''],
      ['Безфамильный', '24', '3Б', '', ''],
      ['Козлов Илья Сергеевич', '24', '14Б', '', ''],
      ['Иванов Иван Иванович', '24', '04Б', '', '0242013137'],
      ['Новикова Вера Павловна', 'Школа №25', '2А', '', ''],
    ]);
    const before = await studentCount();
    const preview = await importStudents(h.db, file, { dryRun: true, schoolIds: [S24] });
    expect(preview.dryRun).toBe(true);
    expect(preview.errors.map((e) => e.line)).toEqual([3, 4, 6]);
    expect(preview.errors[2]!.message).toMatch(/вам не доступна/);
    expect(preview.rows.map((r) => [r.line, r.action])).toEqual([[2, 'created'], [5, 'updated']]);
    expect(await studentCount()).toBe(before);
    const done = await importStudents(h.db, file, { schoolIds: [S24] });
    expect([done.created, done.updated]).toEqual([1, 1]);
    expect(done.rows[0]!.accountNumber).toBe(preview.rows[0]!.accountNumber);
    expect(await studentCount()).toBe(before + 1);
  });
});

describe('new school year', () => {
  it('promotes every class, graduates the 11th with a balance-return task, once per year', async () => {
    const [grad] = await h.db.insert(students).values({ id: 'st-grad', schoolId: S24, fullName: 'Выпускник Олег Ильич', className: '11А' }).returning();
    await h.db.insert(accounts).values({ accountNumber: '0242099991', schoolId: S24, studentId: grad!.id, balance: 12345 });
    await h.db.insert(cards).values({ id: 'EM:55007E9999', schoolId: S24, accountNumber: '0242099991', state: 'active' });
    const classesBefore = Object.fromEntries((await h.db.select().from(students).where(eq(students.schoolId, S24))).map((s) => [s.id, s.className]));

    const preview = await newSchoolYear(h.db, { schoolId: S24, year: 2026, by: 'test', dryRun: true });
    expect(preview).toMatchObject({ dryRun: true, graduated: 1, returnTasks: [{ accountNumber: '0242099991', amount: 12345 }] });
    expect((await h.db.select().from(students).where(eq(students.id, 'st-grad')))[0]!.archivedAt).toBeNull();

    const changesBefore = (await h.db.select({ n: sql<number>`count(*)::int` }).from(changes))[0]!.n;
    const r = await newSchoolYear(h.db, { schoolId: S24, year: 2026, by: 'admin@24' });
    expect(r.graduated).toBe(1);
    expect(r.promoted).toBe(Object.keys(classesBefore).length - 1);
    const after = await h.db.select().from(students).where(eq(students.schoolId, S24));
    for (const s of after) {
      if (s.id === 'st-grad') { expect(s.archivedAt).not.toBeNull(); expect(s.active).toBe(false); continue; }
      const g = Number(classesBefore[s.id]!.slice(0, 2));
      expect(s.className).toBe(String(g + 1).padStart(2, '0') + classesBefore[s.id]!.slice(2));
    }
    expect((await h.db.select().from(cards).where(eq(cards.id, 'EM:55007E9999')))[0]!.state).toBe('blocked');
    // The balance stays on the account (the ledger is untouched) and a task says to return it.
    expect((await h.db.select().from(accounts).where(eq(accounts.accountNumber, '0242099991')))[0]!.balance).toBe(12345);
    const tasks = await listReturnTasks(h.db, [S24]);
    expect(tasks.map((t) => [t.accountNumber, t.amount])).toEqual([['0242099991', 12345]]);
    expect((await h.db.select({ n: sql<number>`count(*)::int` }).from(changes))[0]!.n).toBeGreaterThan(changesBefore);

    await expect(newSchoolYear(h.db, { schoolId: S24, year: 2026, by: 'admin@24' })).rejects.toMatchObject({ status: 409 });
    await closeReturnTask(h.db, tasks[0]!.id, 'admin@24', 'возвращено наличными, РКО 15', [S24]);
    expect(await listReturnTasks(h.db, [S24])).toEqual([]);
    await expect(closeReturnTask(h.db, tasks[0]!.id, 'x', 'y', [S24])).rejects.toMatchObject({ status: 404 });
    expect((await h.db.select().from(balanceReturnTasks))[0]!.note).toMatch(/РКО 15/);
  });
});
