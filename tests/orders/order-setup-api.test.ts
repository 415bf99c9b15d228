import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { startTestServer, type TestServer } from '../server/helpers.js';
import { addStaff, CLI, signIn, type ApiClient } from '../server/admin-helpers.js';
import { putCalendar } from '../../src/server/admin/school-settings.js';
import { query } from '../../src/server/db/open.js';
import { setPreOrder, reservedOf } from '../../src/server/orders/pre-orders.js';
import { runDueFixes } from '../../src/server/orders/scheduler.js';
import { FX, seedOrderSchool, type FixturePupil } from './fixture.js';

/**
 * Sittings, order settings and the calendar over /api/v1 (PGlite; PostgreSQL with DATABASE_URL):
 * the manager edits, the class teacher reads only; a quarantine or holiday releases the days'
 * reservations; a fixed day's calendar does not change; a new cutoff is what the fixer honours.
 * Monday 2026-12-07 … Thursday 2026-12-10, Moscow (UTC+3).
 */
const MON = '2026-12-07', TUE = '2026-12-08', WED = '2026-12-09', THU = '2026-12-10';
let clock = Date.parse('2026-12-07T03:00:00Z');   // 06:00 Moscow
let s: TestServer;
let P: FixturePupil[];
let manager: ApiClient;
let teacher: ApiClient;
const base = `/api/v1/schools/${FX.school}/orders`;
const now = () => new Date(clock);

const reserved = async (acc: string) => (await reservedOf(s.handle.db, [acc])).get(acc) ?? 0;
const balance = async (acc: string) => Number((await query<{ b: number }>(s.handle.db, sql`SELECT balance AS b FROM accounts WHERE account_number = ${acc}`))[0]!.b);
const dayState = async (day: string, cls: string) =>
  (await query<{ state: string }>(s.handle.db, sql`SELECT state FROM class_orders WHERE school_id = ${FX.school} AND day = ${day} AND class_name = ${cls}`))[0]?.state ?? null;
async function signInAll() {
  manager = await signIn(s.url, 'manager77', 'manager-password-1');
  teacher = await signIn(s.url, 'teacher3a', 'teacher-password-1');
}

beforeAll(async () => {
  s = await startTestServer({ seed: false, config: { orderFix: { intervalMs: 0 }, cabinet: { now, lowBalanceIntervalMs: 0 } } });
  P = await seedOrderSchool(s.handle.db, { classes: ['03А', '07Б'], perClass: 3 });
  await addStaff(s.handle, { login: 'teacher3a', password: 'teacher-password-1', grants: [{ role: 'classTeacher', schoolId: FX.school, classNames: ['03А'] }] });
  await addStaff(s.handle, { login: 'manager77', password: 'manager-password-1', grants: [{ role: 'manager', schoolId: FX.school, classNames: null }] });
  await signInAll();
}, 180_000);
afterAll(async () => { await s?.close(); });

describe('sittings', () => {
  let snackId = '';
  it('the manager adds a snack for 03А; everyone who may read sees it with the school\'s classes', async () => {
    const r = await manager.call('POST', `${base}/sittings`, { kind: 'snack', name: 'Полдник', startsAt: '15:00', endsAt: '15:20', classNames: ['03А'], sort: 3 });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ kind: 'snack', classNames: ['03А'], menuCategoryId: null, active: true, version: 1 });
    snackId = r.body.id;
    const list = await teacher.call('GET', `${base}/sittings`);
    expect(list.status).toBe(200);
    expect(list.body.classes).toEqual(['03А', '07Б']);
    expect(list.body.sittings.map((x: { name: string; startsAt: string }) => `${x.name} ${x.startsAt}`)).toEqual(['Завтрак 09:40', 'Обед 12:40', 'Полдник 15:00']);
  });

  it('assigns a class; refuses an unknown class, a class at two sittings at once, a reversed time and a stale version', async () => {
    const put = (body: object) => manager.call('PUT', `${base}/sittings/${snackId}`, { kind: 'snack', name: 'Полдник', startsAt: '15:00', endsAt: '15:20', sort: 3, ...body });
    const ok = await put({ classNames: ['03А', '07Б'], version: 1 });
    expect(ok).toMatchObject({ status: 200, body: { classNames: ['03А', '07Б'], version: 2 } });
    const unknown = await put({ classNames: ['03А', '09Я'], version: 2 });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toContain('В школе нет класса 09Я');
    const overlap = await manager.call('POST', `${base}/sittings`, { kind: 'lunch', name: 'Обед 2', startsAt: '12:50', endsAt: '13:30', classNames: ['07Б'] });
    expect(overlap.status).toBe(400);
    expect(overlap.body.error.message).toBe('Класс 07Б уже питается в «Обед» 12:40–13:00: время приёмов пищи пересекается');
    const reversed = await put({ classNames: ['03А'], startsAt: '15:20', endsAt: '15:00', version: 2 });
    expect(reversed.status).toBe(400);
    expect(JSON.stringify(reversed.body)).toContain('заканчиваться позже');
    const badTime = await put({ classNames: ['03А'], startsAt: '25:00', version: 2 });
    expect(badTime.status).toBe(400);
    const stale = await put({ classNames: ['03А'], version: 1 });
    expect(stale.status).toBe(409);
    expect(stale.body.error.details.changed).toHaveProperty('classNames');
    const after = await manager.call('GET', `${base}/sittings`);
    expect(after.body.sittings.find((x: { id: string }) => x.id === snackId)).toMatchObject({ classNames: ['03А', '07Б'], version: 2 });
  });

  it('two overlapping sittings for one class saved at the same moment: one is made, the other refused', async () => {
    // On PostgreSQL the two requests run in two transactions at once; without the school's sitting lock both
    // passed the overlap check on what the other had not committed.
    const post = (startsAt: string, endsAt: string) =>
      manager.call('POST', `${base}/sittings`, { kind: 'snack', name: `Полдник ${startsAt}`, startsAt, endsAt, classNames: ['07Б'] });
    const both = await Promise.all([post('16:00', '16:20'), post('16:10', '16:30')]);
    expect(both.map((r) => r.status).sort()).toEqual([201, 400]);
    const made = both.find((r) => r.status === 201)!;
    expect((await manager.call('DELETE', `${base}/sittings/${made.body.id}`)).status).toBe(200);
  });

  it('the class teacher and the accountant read but cannot edit; the manager removes an unused sitting', async () => {
    for (const [method, path, body] of [
      ['POST', `${base}/sittings`, { kind: 'snack', name: 'Х', startsAt: '16:00', endsAt: '16:10' }],
      ['PUT', `${base}/sittings/${snackId}`, { kind: 'snack', name: 'Х', startsAt: '16:00', endsAt: '16:10', version: 2 }],
      ['DELETE', `${base}/sittings/${snackId}`, undefined],
      ['PUT', `${base}/settings`, { cutoffKind: 'sameDay', cutoffTime: '09:00', notEatenPolicy: 'charge', version: 1 }],
      ['POST', `${base}/quarantines`, { from: TUE, to: TUE, classNames: ['03А'] }],
      ['POST', `${base}/calendar/days`, { from: TUE, to: TUE, kind: 'holiday' }],
    ] as const) {
      expect((await teacher.call(method, path, body)).status, `${method} ${path}`).toBe(403);
    }
    expect((await teacher.call('GET', `${base}/settings`)).status).toBe(200);
    const del = await manager.call('DELETE', `${base}/sittings/${snackId}`);
    expect(del).toMatchObject({ status: 200, body: { ok: true, released: 0 } });
    expect((await manager.call('GET', `${base}/sittings`)).body.sittings).toHaveLength(2);
  });
});

describe('the calendar and the fixed day', () => {
  it('a fixed day (Monday, fixed at its 08:00 cutoff) refuses a quarantine and a holiday, with the reason', async () => {
    expect((await setPreOrder(s.handle.db, P[4]!.account, { day: MON, sittingId: FX.lunch, mealSetId: FX.setLunchA }, now())).ok).toBe(true);
    clock = Date.parse('2026-12-07T06:00:00Z');   // 09:00 Moscow
    expect((await runDueFixes(s.handle.db, now())).map((r) => r.day)).toEqual([MON]);
    await signInAll();
    const q = await manager.call('POST', `${base}/quarantines`, { from: MON, to: TUE, classNames: ['07Б'] });
    expect(q.status).toBe(409);
    expect(q.body.error.message).toContain('Заявка уже зафиксирована: 07.12.2026 (07Б)');
    expect(q.body.error.message).toContain('возврат');
    const h = await manager.call('POST', `${base}/calendar/days`, { from: MON, to: MON, kind: 'holiday' });
    expect(h.status).toBe(409);
    // The Schools page's calendar (its service; its admins sign in with TOTP, which the fake clock would not pass) follows the same rule.
    await expect(s.handle.db.transaction((tx) => putCalendar(tx, CLI, FX.school, [{ date: MON, kind: 'holiday', note: 'x' }], now())))
      .rejects.toMatchObject({ status: 409, message: expect.stringContaining('07.12.2026 (03А, 07Б)') });
    // Nothing changed: no quarantine, no holiday, Monday's charge stands.
    const month = await teacher.call('GET', `${base}/calendar?month=2026-12`);
    const mon = month.body.days.find((d: { date: string }) => d.date === MON);
    expect(mon).toMatchObject({ schoolDay: true, exception: null, quarantine: null, fixedClasses: ['03А', '07Б'] });
    expect(month.body.quarantines).toEqual([]);
    expect(await balance(P[4]!.account)).toBe(100_000 - FX.priceLunchA);
  });

  it('a quarantine of 07Б on Tuesday and Wednesday releases its reservation: доступно = balance again', async () => {
    expect((await setPreOrder(s.handle.db, P[3]!.account, { day: TUE, sittingId: FX.lunch, mealSetId: FX.setLunchB }, now())).ok).toBe(true);
    expect((await setPreOrder(s.handle.db, P[2]!.account, { day: TUE, sittingId: FX.lunch, mealSetId: FX.setLunchB }, now())).ok).toBe(true);
    expect(await reserved(P[3]!.account)).toBe(FX.priceLunchB);
    const q = await manager.call('POST', `${base}/quarantines`, { from: TUE, to: WED, classNames: ['07Б'], note: 'ОРВИ' });
    expect(q).toMatchObject({ status: 201, body: { classNames: ['07Б'], fromDay: TUE, toDay: WED, released: 1 } });
    expect(await reserved(P[3]!.account)).toBe(0);
    expect(await balance(P[3]!.account)).toBe(100_000);
    expect(await reserved(P[2]!.account)).toBe(FX.priceLunchB);   // 03А is not quarantined
    const again = await setPreOrder(s.handle.db, P[3]!.account, { day: TUE, sittingId: FX.lunch, mealSetId: FX.setLunchB }, now());
    expect(again).toEqual({ ok: false, message: 'На 08.12.2026 заказ не принимается: карантин' });
    const unknown = await manager.call('POST', `${base}/quarantines`, { from: TUE, to: WED, classNames: ['11Z'] });
    expect(unknown.status).toBe(400);
    const month = await manager.call('GET', `${base}/calendar?month=2026-12`);
    expect(month.body.days.find((d: { date: string }) => d.date === WED).quarantine).toEqual({ wholeSchool: false, classNames: ['07Б'] });
  });

  it('a holiday on Wednesday releases 03А\'s order of that day; lifting the quarantine from Wednesday leaves Tuesday closed', async () => {
    expect((await setPreOrder(s.handle.db, P[1]!.account, { day: WED, sittingId: FX.lunch, mealSetId: FX.setLunchA }, now())).ok).toBe(true);
    const h = await manager.call('POST', `${base}/calendar/days`, { from: WED, to: WED, kind: 'holiday', note: 'День здоровья' });
    expect(h).toMatchObject({ status: 200, body: { days: 1, released: 1 } });
    expect(await reserved(P[1]!.account)).toBe(0);
    const month = await manager.call('GET', `${base}/calendar?month=2026-12`);
    const qid = month.body.quarantines[0].id as string;
    expect(month.body.days.find((d: { date: string }) => d.date === WED)).toMatchObject({ schoolDay: false, exception: 'holiday', note: 'День здоровья' });
    const lift = await manager.call('POST', `${base}/quarantines/${qid}/lift`, { fromDay: WED });
    expect(lift).toMatchObject({ status: 200, body: { days: 1 } });
    const after = await manager.call('GET', `${base}/calendar?month=2026-12`);
    expect(after.body.quarantines).toEqual([{ id: qid, classNames: ['07Б'], fromDay: TUE, toDay: TUE, note: 'ОРВИ' }]);
    const audit = await query<{ action: string }>(s.handle.db, sql`SELECT action FROM audit_log WHERE school_id = ${FX.school} AND action LIKE 'quarantine.%' ORDER BY id`);
    expect(audit.map((a) => a.action)).toEqual(['quarantine.create', 'quarantine.lift']);
  });
});

describe('order settings', () => {
  it('round-trips; a stale version and a bad time are refused; a later cutoff does not reopen the fixed Monday', async () => {
    const got = await teacher.call('GET', `${base}/settings`);
    expect(got.body).toMatchObject({ cutoffKind: 'sameDay', cutoffTime: '08:00', notEatenPolicy: 'charge', version: 1, cutoffText: '08:00 того же дня' });
    const later = await manager.call('PUT', `${base}/settings`, { cutoffKind: 'sameDay', cutoffTime: '10:00', notEatenPolicy: 'release', version: 1 });
    expect(later).toMatchObject({ status: 200, body: { cutoffTime: '10:00', notEatenPolicy: 'release', version: 2, closesNow: [] } });
    expect(await dayState(MON, '03А')).toBe('fixed');
    const mon = await setPreOrder(s.handle.db, P[1]!.account, { day: MON, sittingId: FX.lunch, mealSetId: FX.setLunchA }, now());
    expect(mon.ok).toBe(false);
    expect((await manager.call('PUT', `${base}/settings`, { cutoffKind: 'sameDay', cutoffTime: '09:00', notEatenPolicy: 'charge', version: 1 })).status).toBe(409);
    const bad = await manager.call('PUT', `${base}/settings`, { cutoffKind: 'sameDay', cutoffTime: '8:00', notEatenPolicy: 'charge', version: 2 });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('ЧЧ:ММ');
    expect((await manager.call('GET', `${base}/settings`)).body).toMatchObject({ cutoffTime: '10:00', notEatenPolicy: 'release', version: 2 });
  });

  it('the fixer honours a new cutoff of 14:00 the day before under the fake clock', async () => {
    const r = await manager.call('PUT', `${base}/settings`, { cutoffKind: 'dayBefore', cutoffTime: '14:00', notEatenPolicy: 'release', version: 2 });
    expect(r).toMatchObject({ status: 200, body: { cutoffText: '14:00 накануне', version: 3 } });
    clock = Date.parse('2026-12-07T10:59:00Z');   // 13:59 Moscow: Tuesday still open
    expect((await runDueFixes(s.handle.db, now())).map((x) => x.day)).toEqual([MON]);
    expect(await dayState(TUE, '03А')).not.toBe('fixed');
    clock = Date.parse('2026-12-07T11:00:00Z');   // 14:00 Moscow: Tuesday closes
    const runs = await runDueFixes(s.handle.db, now());
    expect(runs.map((x) => x.day)).toEqual([MON, TUE]);
    expect(await dayState(TUE, '03А')).toBe('fixed');
    expect(await dayState(TUE, '07Б')).toBe('fixed');   // quarantined: fixed with nothing
    expect(await reserved(P[2]!.account)).toBe(0);
    expect(await balance(P[2]!.account)).toBe(100_000 - FX.priceLunchB);
    expect(await balance(P[3]!.account)).toBe(100_000);
    // Thursday is a day away from its cutoff yet: the parent may still change it.
    expect((await setPreOrder(s.handle.db, P[2]!.account, { day: THU, sittingId: FX.lunch, mealSetId: FX.setLunchA }, now())).ok).toBe(true);
  });
});
