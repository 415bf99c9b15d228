import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import { startTestServer, type TestServer } from './helpers.js';
import { addStaff, signIn, type ApiClient } from './admin-helpers.js';
import { DEMO_SCHOOL } from '../../src/core/demo-school.js';
import { cards, dishes, students } from '../../src/server/db/schema.js';
import { auditLog } from '../../src/server/db/staff-schema.js';

const S = DEMO_SCHOOL.school.id;
const P = `/api/v1/schools/${S}`;

/** The console's pupil, card, menu and benefit routes over HTTP, as the console calls them. */
describe('admin API: pupils, cards, menu, benefits', () => {
  let server: TestServer;
  let admin: ApiClient;
  let other: ApiClient;
  let teacher: ApiClient;
  let nurse: ApiClient;
  beforeAll(async () => {
    server = await startTestServer();
    await server.handle.db.execute(sql`INSERT INTO schools (id, code, name) VALUES ('school-25', '25', 'Школа №25')`);
    await addStaff(server.handle, { login: 'admin24', password: 'admin24-pass-1', fullName: 'Админова Ирина', grants: [{ role: 'schoolAdmin', schoolId: S, classNames: null }] });
    await addStaff(server.handle, { login: 'admin24b', password: 'admin24b-pass-1', fullName: 'Второва Ольга', grants: [{ role: 'schoolAdmin', schoolId: S, classNames: null }] });
    await addStaff(server.handle, { login: 'admin25', password: 'admin25-pass-1', grants: [{ role: 'schoolAdmin', schoolId: 'school-25', classNames: null }] });
    await addStaff(server.handle, { login: 'teacher3b', password: 'teacher-pass-1', grants: [{ role: 'classTeacher', schoolId: S, classNames: ['03Б'] }] });
    await addStaff(server.handle, { login: 'nurse24', password: 'nurse24-pass-1', grants: [{ role: 'nurse', schoolId: S, classNames: null }] });
    admin = await signIn(server.url, 'admin24', 'admin24-pass-1');
    other = await signIn(server.url, 'admin25', 'admin25-pass-1');
    teacher = await signIn(server.url, 'teacher3b', 'teacher-pass-1');
    nurse = await signIn(server.url, 'nurse24', 'nurse24-pass-1');
  }, 120_000);
  afterAll(async () => { await server?.close(); });

  it('pupil search pages on the server; a class teacher sees their class only; another school is refused', async () => {
    const page = await admin.call('GET', `${P}/pupils?limit=2&sort=balance&dir=desc`);
    expect(page.status).toBe(200);
    expect(page.body.total).toBe(DEMO_SCHOOL.students.length);
    expect(page.body.rows.map((r: { balance: number }) => r.balance)).toEqual([67766, 50000]);
    const mine = await teacher.call('GET', `${P}/pupils`);
    expect(mine.body.rows.map((r: { className: string }) => r.className)).toEqual(['03Б']);
    expect((await other.call('GET', `${P}/pupils`)).status).toBe(403);
    expect((await nurse.call('GET', `${P}/pupils`)).status).toBe(403);
    const bad = await admin.call('GET', `${P}/pupils?limit=100000`);
    expect(bad.status).toBe(400);
  });

  it('two admins edit the same pupil: the second save gets 409 with what changed and who, nothing overwritten', async () => {
    const { body } = await admin.call('GET', `${P}/pupils?q=0242013161`);
    const pupil = body.rows[0];
    const second = await signIn(server.url, 'admin24b', 'admin24b-pass-1');
    const first = await admin.call('PATCH', `${P}/pupils/${pupil.id}`, { className: '05Б', version: pupil.version });
    expect(first.status).toBe(200);
    const stale = await second.call('PATCH', `${P}/pupils/${pupil.id}`, { className: '05В', version: pupil.version });
    expect(stale.status).toBe(409);
    expect(stale.body.error.details).toMatchObject({ currentVersion: pupil.version + 1, changed: { className: '05Б' }, by: ['Админова Ирина'] });
    expect((await server.handle.db.select().from(students).where(eq(students.id, pupil.id)))[0]!.className).toBe('05Б');
    const bad = await admin.call('PATCH', `${P}/pupils/${pupil.id}`, { className: '15Б', version: pupil.version + 1 });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('Класс: от 1 до 11');
  });

  it('import: the preview lists every bad row and writes nothing; the confirmation writes and is audited', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Ученики');
    for (const r of [['ФИО', 'Школа', 'Класс'], ['Орлова Дарья Максимовна', '24', '1А'], ['Безфамильный', '24', '3Б'], ['Козлов Илья', '24', '14Б']]) ws.addRow(r);
    const contentBase64 = Buffer.from(await wb.xlsx.writeBuffer()).toString('base64');
    const count = async () => (await server.handle.db.select({ n: sql<number>`count(*)::int` }).from(students))[0]!.n;
    const before = await count();
    const preview = await admin.call('POST', `${P}/pupils/import`, { fileName: 'ученики.xlsx', contentBase64, confirm: false });
    expect(preview.status).toBe(200);
    expect(preview.body.errors.map((e: { line: number }) => e.line)).toEqual([3, 4]);
    expect(preview.body.rows).toHaveLength(1);
    expect(await count()).toBe(before);
    const done = await admin.call('POST', `${P}/pupils/import`, { fileName: 'ученики.xlsx', contentBase64, confirm: true });
    expect(done.body).toMatchObject({ dryRun: false, created: 1 });
    expect(await count()).toBe(before + 1);
    const audit = await server.handle.db.select().from(auditLog).where(eq(auditLog.action, 'pupil.import'));
    expect(audit).toHaveLength(1);
    expect((await other.call('POST', `${P}/pupils/import`, { fileName: 'x.csv', contentBase64, confirm: true })).status).toBe(403);
  });

  it('cards: block reaches the card row; a card of another school is not found', async () => {
    const blocked = await admin.call('POST', `${P}/cards/MF:BCD14264/state`, { state: 'blocked', reason: 'по заявлению' });
    expect(blocked.status).toBe(200);
    expect((await server.handle.db.select().from(cards).where(eq(cards.id, 'MF:BCD14264')))[0]!.state).toBe('blocked');
    const bad = await admin.call('POST', `${P}/cards`, { accountNumber: '0242013145', cardId: 'XX:1' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('Номер карты');
    const re = await admin.call('POST', `${P}/cards/MF:BCD14264/reissue`, { newCardId: 'MF:0A0B0C0D' });
    expect(re.body).toMatchObject({ cardId: 'MF:0A0B0C0D', accountNumber: '0242013145' });
    expect((await server.handle.db.select().from(cards).where(eq(cards.id, 'MF:BCD14264')))[0]!.state).toBe('lost');
  });

  it('menu: a dish edit with a stale version gets 409 with the price now; a nurse reads but cannot write', async () => {
    const created = await admin.call('PUT', `${P}/menu/dishes`, { name: 'Суп гороховый', portion: '250 г', price: 3900, categoryId: 'cat-hot', allergens: ['milk', 'gluten'] });
    expect(created.status).toBe(200);
    expect(created.body.allergens).toEqual(['gluten', 'milk']); // TR CU 022/2011 order, as the till shows them
    expect((await admin.call('PUT', `${P}/menu/dishes`, { name: 'Суп', price: 3900, categoryId: 'cat-hot', allergens: ['peanut-butter'] })).status).toBe(400);
    const id = created.body.id as string;
    expect((await admin.call('PUT', `${P}/menu/dishes/${id}`, { name: 'Суп гороховый', portion: '250 г', price: 4100, categoryId: 'cat-hot', version: 1 })).status).toBe(200);
    const stale = await admin.call('PUT', `${P}/menu/dishes/${id}`, { name: 'Суп гороховый', portion: '250 г', price: 3950, categoryId: 'cat-hot', version: 1 });
    expect(stale.status).toBe(409);
    expect(stale.body.error.details.changed).toMatchObject({ price: 4100 });
    expect((await server.handle.db.select().from(dishes).where(and(eq(dishes.schoolId, S), eq(dishes.id, id))))[0]!.price).toBe(4100);
    expect((await nurse.call('GET', `${P}/menu`)).status).toBe(200);
    expect((await nurse.call('PUT', `${P}/menu/dishes`, { name: 'x', price: 1, categoryId: 'cat-hot' })).status).toBe(403);
    const dates = await nurse.call('GET', `${P}/menu/dates?from=2026-09-01&to=2026-09-07`);
    expect(dates.body).toHaveLength(7);
  });

  it('benefits: a pupil\'s benefit with its document, listed when it nears expiry', async () => {
    const { body } = await admin.call('GET', `${P}/pupils?q=0242013153`);
    const soon = new Date(Date.now() + 5 * 86_400_000).toISOString().slice(0, 10);
    const today = new Date().toISOString().slice(0, 10);
    const put = await admin.call('PUT', `${P}/pupils/${body.rows[0].id}/benefits`, { benefitCategoryId: 'ben-low-income', document: 'справка УСЗН № 7', validFrom: today, validUntil: soon });
    expect(put.status).toBe(200);
    const expiring = await admin.call('GET', `${P}/benefits/expiring?withinDays=7`);
    expect(expiring.body.map((e: { document: string }) => e.document)).toEqual(['справка УСЗН № 7']);
    const cats = await admin.call('GET', `${P}/benefits`);
    expect(cats.body.find((c: { id: string }) => c.id === 'ben-low-income').fundingSource).toBe('municipal');
  });
});
