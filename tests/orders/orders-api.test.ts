import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { startTestServer, type TestServer } from '../server/helpers.js';
import { addStaff, signIn, type ApiClient } from '../server/admin-helpers.js';
import { query } from '../../src/server/db/open.js';
import { FX, seedOrderSchool, type FixturePupil } from './fixture.js';
import { setPreOrder } from '../../src/server/orders/pre-orders.js';

/**
 * The class teacher's day, the manager's fix, the production sheet, a reversal and the табель
 * over /api/v1 (PGlite; PostgreSQL with DATABASE_URL). Tuesday 2026-12-08, cutoff 08:00 Moscow.
 */
const DAY = '2026-12-08';
let clock = Date.parse('2026-12-08T04:00:00Z');   // 07:00 Moscow
let s: TestServer;
let P: FixturePupil[];
let teacher: ApiClient;
const base = `/api/v1/schools/${FX.school}/orders`;

const balance = async (acc: string) => Number((await query<{ b: number }>(s.handle.db, sql`SELECT balance AS b FROM accounts WHERE account_number = ${acc}`))[0]!.b);

beforeAll(async () => {
  s = await startTestServer({ seed: false, config: { orderFix: { intervalMs: 0 }, cabinet: { now: () => new Date(clock), lowBalanceIntervalMs: 0 } } });
  P = await seedOrderSchool(s.handle.db, { beneficiaries: 1 });
  await addStaff(s.handle, { login: 'teacher3a', password: 'teacher-password-1', grants: [{ role: 'classTeacher', schoolId: FX.school, classNames: ['03А'] }] });
  await addStaff(s.handle, { login: 'manager77', password: 'manager-password-1', grants: [{ role: 'manager', schoolId: FX.school, classNames: null }] });
  teacher = await signIn(s.url, 'teacher3a', 'teacher-password-1');
}, 180_000);
afterAll(async () => { await s?.close(); });

describe('the class teacher\'s day', () => {
  it('lists the class with each pupil\'s meal, benefit and balance; other classes are closed to them', async () => {
    const r = await teacher.call('GET', `${base}/classes/03А/days/${DAY}`);
    expect(r.status).toBe(200);
    expect(r.body.state).toBe('open');
    expect(r.body.editable).toBe(true);
    expect(r.body.pupils.map((p: { fullName: string; benefits: string[]; balance: number; meals: { name: string; basis: string }[] }) =>
      [p.fullName, p.benefits, p.balance, p.meals.map((m) => `${m.name}/${m.basis}`)])).toEqual([
      ['Учащийся 1', ['Многодетные'], 100_000, ['Обед А/benefit']],
      ['Учащийся 2', [], 100_000, ['Завтрак/primary']],
      ['Учащийся 3', [], 100_000, ['Завтрак/primary']],
    ]);
    expect((await teacher.call('GET', `${base}/classes/07Б/days/${DAY}`)).status).toBe(403);
  });

  it('marks attendance by hand and from the e-journal\'s CSV, then confirms', async () => {
    expect((await teacher.call('PUT', `${base}/classes/03А/days/${DAY}/attendance`, { marks: [{ studentId: P[1]!.id, present: false }] })).status).toBe(200);
    const csv = 'ФИО;Отметка\nУчащийся 2;\nУчащийся 3;н\n';
    const imp = await teacher.call('POST', `${base}/classes/03А/days/${DAY}/journal`, { fileName: 'journal.csv', contentBase64: Buffer.from(csv).toString('base64') });
    expect(imp).toMatchObject({ status: 200, body: { marked: 2, absent: 1 } });
    const bad = await teacher.call('POST', `${base}/classes/03А/days/${DAY}/journal`, { fileName: 'j.csv', contentBase64: Buffer.from('ФИО;Отметка\nНекто;н\n').toString('base64') });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('«Некто» нет в классе 03А');
    const conf = await teacher.call('POST', `${base}/classes/03А/days/${DAY}/confirm`);
    expect(conf.status).toBe(200);
    expect(conf.body.state).toBe('confirmed');
    expect(conf.body.pupils.map((p: { present: boolean | null; source: string | null }) => [p.present, p.source])).toEqual([[null, null], [true, 'journal'], [false, 'journal']]);
  });
});

describe('after the cutoff', () => {
  let manager: ApiClient;
  let lineP4 = '';
  it('the manager fixes; the teacher can no longer change the class', async () => {
    expect((await setPreOrder(s.handle.db, P[3]!.account, { day: DAY, sittingId: FX.lunch, mealSetId: FX.setLunchA }, new Date(clock))).ok).toBe(true);
    clock = Date.parse('2026-12-08T05:30:00Z');
    manager = await signIn(s.url, 'manager77', 'manager-password-1');
    teacher = await signIn(s.url, 'teacher3a', 'teacher-password-1');
    const late = await teacher.call('PUT', `${base}/classes/03А/days/${DAY}/attendance`, { marks: [{ studentId: P[2]!.id, present: true }] });
    expect(late.status).toBe(409);
    const fix = await manager.call('POST', `${base}/days/${DAY}/fix`);
    expect(fix).toMatchObject({ status: 200, body: { classes: 2, lines: 3 } });
    const day = await teacher.call('GET', `${base}/classes/03А/days/${DAY}`);
    expect(day.body.state).toBe('fixed');
    expect((await teacher.call('POST', `${base}/classes/03А/days/${DAY}/confirm`)).status).toBe(409);
    lineP4 = (await query<{ id: string }>(s.handle.db, sql`SELECT id FROM order_lines WHERE student_id = ${P[3]!.id} AND day = ${DAY}`))[0]!.id;
  });

  it('gives the kitchen its production sheet, as JSON, PDF, XLSX and CSV', async () => {
    const sheet = await manager.call('GET', `${base}/days/${DAY}/production`);
    expect(sheet.body.totals).toEqual([
      { mealSetId: FX.setBreakfast, mealSetName: 'Завтрак', portions: 1 },
      { mealSetId: FX.setLunchA, mealSetName: 'Обед А', portions: 2 },
    ]);
    expect(sheet.body.rows.map((r: { sittingName: string; className: string; mealSetName: string; portions: number }) => `${r.sittingName}|${r.className}|${r.mealSetName}|${r.portions}`))
      .toEqual(['Завтрак|03А|Завтрак|1', 'Обед|03А|Обед А|1', 'Обед|07Б|Обед А|1']);
    for (const [format, magic] of [['pdf', '%PDF'], ['xlsx', 'PK']] as const) {
      const res = await fetch(`${s.url}${base}/days/${DAY}/production?format=${format}`, { headers: { cookie: manager.cookie } });
      expect(res.status).toBe(200);
      expect(Buffer.from(await res.arrayBuffer()).subarray(0, magic.length).toString('latin1')).toBe(magic);
    }
  });

  it('a reversal by the manager gives the money back with new entries, once', async () => {
    const before = await balance(P[3]!.account);
    const r = await manager.call('POST', `${base}/lines/${lineP4}/reversal`, { reason: 'Заболел, ушёл домой' });
    expect(r).toMatchObject({ status: 201, body: { refunded: FX.priceLunchA, subsidyReturned: 0 } });
    expect(await balance(P[3]!.account)).toBe(before + FX.priceLunchA);
    expect((await manager.call('POST', `${base}/lines/${lineP4}/reversal`, { reason: 'ещё раз' })).status).toBe(409);
    expect((await teacher.call('POST', `${base}/lines/${lineP4}/reversal`, { reason: 'учитель' })).status).toBe(403);
    const lines = await query<{ n: number | string }>(s.handle.db, sql`SELECT count(*) AS n FROM order_lines WHERE id = ${lineP4} AND parent_amount = ${FX.priceLunchA}`);
    expect(Number(lines[0]!.n)).toBe(1);   // the line itself is unchanged
  });

  it('the табель: totals equal the ledger\'s entries of the month to the kopeck', async () => {
    for (const cls of ['03А', '07Б']) {
      const t = await manager.call('GET', `${base}/tabel?className=${encodeURIComponent(cls)}&month=2026-12`);
      expect(t.status).toBe(200);
      const [ledger] = await query<{ paid: number | string | null; sub: number | string | null }>(s.handle.db, sql`
        SELECT -sum(e.amount) FILTER (WHERE e.kind IN ('orderCharge', 'orderReversal')) AS paid, -sum(e.amount) FILTER (WHERE e.kind = 'subsidy') AS sub
        FROM entries e JOIN order_lines l ON l.id = e.payload->>'orderLineId'
        WHERE e.school_id = ${FX.school} AND l.class_name = ${cls} AND l.day >= '2026-12-01' AND l.day < '2027-01-01' AND e.applied`);
      expect(t.body.totals.paid).toBe(Number(ledger!.paid ?? 0));
      expect(t.body.totals.subsidised).toBe(Number(ledger!.sub ?? 0));
    }
    const a = await manager.call('GET', `${base}/tabel?className=${encodeURIComponent('03А')}&month=2026-12`);
    expect(a.body.days).toEqual([DAY]);
    expect(a.body.pupils.map((p: { fullName: string; marks: string[]; paid: number; subsidised: number }) => [p.fullName, p.marks, p.paid, p.subsidised])).toEqual([
      ['Учащийся 1', ['О'], FX.benefitParentPays, FX.priceLunchA - FX.benefitParentPays],
      ['Учащийся 2', ['З'], 0, FX.priceBreakfast],
    ]);
    const csv = await fetch(`${s.url}${base}/tabel?className=${encodeURIComponent('03А')}&month=2026-12&format=csv`, { headers: { cookie: manager.cookie } });
    const text = (await csv.text()).replace(/^\uFEFF/, '');
    expect(text).toContain('Итого');
    expect(text).toContain('Учащийся 1');
    expect(text).toContain('30,00');
    const pdf = await fetch(`${s.url}${base}/tabel?className=${encodeURIComponent('03А')}&month=2026-12&format=pdf`, { headers: { cookie: manager.cookie } });
    expect(Buffer.from(await pdf.arrayBuffer()).subarray(0, 4).toString('latin1')).toBe('%PDF');
  });
});
