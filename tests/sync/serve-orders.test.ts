import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { schoolDay } from '../../src/core/datetime.js';
import { addDays } from '../../src/core/period.js';
import { DEMO_SCHOOL } from '../../src/core/demo-school.js';
import { accounts, cards, students } from '../../src/server/db/schema.js';
import { mealSittings } from '../../src/server/db/orders-schema.js';
import { schoolDayReport } from '../../src/server/reports/school-day.js';
import { flagsOf, newTerminal, startTestServer, type TestServer, type TestTerminal } from './harness.js';
import { Cable } from './net.js';

/**
 * Issue 15, point 7, through the real sync client: the till pulls its school's fixed order lines, serves a
 * class of 30 while offline (card tap, touch, the whole class), reconnects, and the server has each mark once;
 * a second till marking a served pupil again changes nothing; a mark for another school's line is refused.
 */
const S = DEMO_SCHOOL.school.id;
const TZ = DEMO_SCHOOL.school.timeZone;
const CLASS = '05Б';
const LUNCH = 'sit-lunch';
const pupils = Array.from({ length: 30 }, (_, i) => ({
  id: `st-serve-${i + 1}`, account: `02420990${String(i + 1).padStart(2, '0')}`, name: `Ученик${String(i + 1).padStart(2, '0')} Тест`,
}));
const CARD = 'EM:55007E9001';

let server: TestServer;
const cable = new Cable();
let A: TestTerminal;
let B: TestTerminal;
let today: string;

async function rows<T>(q: ReturnType<typeof sql>): Promise<T[]> {
  return ((await server.handle.db.execute(q)) as unknown as { rows: T[] }).rows;
}

async function insertLines(schoolId: string, day: string, list: { id: string; student: string; account: string | null; cls: string }[]) {
  for (const l of list) {
    await server.handle.db.execute(sql`INSERT INTO order_lines (id, subsidy_entry_id, school_id, day, class_name, sitting_id, student_id,
        account_number, meal_set_id, meal_set_name, price, parent_amount, subsidy_amount, funding_source, basis)
      VALUES (${l.id}, ${uuidv7()}, ${schoolId}, ${day}, ${l.cls}, ${LUNCH}, ${l.student}, ${l.account}, 'set-lunch', 'Комплексный обед',
        9000, ${l.account ? 9000 : 0}, ${l.account ? 0 : 9000}, ${l.account ? null : 'federal'}, ${l.account ? 'preOrder' : 'primary'})`);
  }
}

const lineOf = (i: number) => `line-${today}-${i + 1}`;

beforeAll(async () => {
  server = await startTestServer();
  today = schoolDay(new Date(), TZ);
  const db = server.handle.db;
  await db.insert(students).values(pupils.map((p) => ({ id: p.id, schoolId: S, fullName: p.name, className: CLASS })));
  await db.insert(accounts).values(pupils.map((p) => ({ accountNumber: p.account, schoolId: S, studentId: p.id })));
  await db.insert(cards).values({ id: CARD, schoolId: S, accountNumber: pupils[0]!.account, state: 'active' });
  await db.insert(mealSittings).values([
    { schoolId: S, id: 'sit-breakfast', kind: 'breakfast', name: 'Завтрак', startsAt: '09:40', endsAt: '10:00', classNames: [CLASS], sort: 1 },
    { schoolId: S, id: LUNCH, kind: 'lunch', name: 'Обед', startsAt: '12:40', endsAt: '13:00', classNames: [CLASS], sort: 2 },
  ]);
  await insertLines(S, today, pupils.map((p, i) => ({ id: lineOf(i), student: p.id, account: p.account, cls: CLASS })));
  // Another school's line the same day: never in this school's pull.
  await insertLines('school-77', today, [{ id: 'line-other-school', student: 'st-77-1', account: null, cls: CLASS }]);
  A = await newTerminal(server, { terminalId: 'terminal-24-1', fetch: cable.fetch });
  B = await newTerminal(server, { terminalId: 'terminal-24-2' });
}, 180_000);
afterAll(async () => { await A?.close(); await B?.close(); await server?.close(); });

describe('the pull carries the school\'s fixed orders', () => {
  it('today\'s 30 lines of this school only, with the set\'s dishes; the class list shows each pupil\'s meal', async () => {
    const local = A.sqlite.prepare('SELECT id, dishes FROM order_lines ORDER BY id').all() as { id: string; dishes: string }[];
    expect(local.map((l) => l.id).sort()).toEqual(pupils.map((_, i) => lineOf(i)).sort());
    expect(JSON.parse(local[0]!.dishes)).toEqual(['Суп куриный с вермишелью 250 г', 'Котлета рубленая из филе курицы, 100 г', 'Пюре картофельное 150 г', 'Компот из сухофруктов 200 г']);
    const day = await A.service.orderDay();
    // Breakfast has no lines today: listed from the sittings' config, 0 ordered.
    expect(day).toMatchObject({ ok: true, value: { day: today, sittings: [
      { id: 'sit-breakfast', name: 'Завтрак', classes: [{ className: CLASS, ordered: 0, served: 0 }] },
      { id: LUNCH, name: 'Обед', classes: [{ className: CLASS, ordered: 30, served: 0 }] },
    ] } });
    const list = await A.service.orderClass(LUNCH, CLASS);
    if (!list.ok) throw new Error(list.error.message);
    expect(list.value.pupils).toHaveLength(30);
    expect(list.value.pupils[0]).toMatchObject({ fullName: 'Ученик01 Тест', mealSetName: 'Комплексный обед', paidBy: 'parents', served: false });
  });

  it('a day fixed later comes with the next pull (the change log), replacing that day whole', async () => {
    const tomorrow = addDays(today, 1);
    await insertLines(S, tomorrow, [{ id: 'line-tomorrow-1', student: pupils[0]!.id, account: pupils[0]!.account, cls: CLASS }]);
    await A.client.syncOnce();
    expect(A.sqlite.prepare('SELECT id FROM order_lines WHERE day = ?').pluck().all(tomorrow)).toEqual(['line-tomorrow-1']);
    expect(A.sqlite.prepare('SELECT count(*) FROM order_lines WHERE day = ?').pluck().get(today)).toBe(30);
  });
});

describe('a till offline during the sitting', () => {
  it('marks 30 served (card, touch, whole class) offline; after reconnecting the server has each mark once', async () => {
    cable.down = true;
    const before = A.localEntries().length;
    const tap = await A.service.serveOrders({ sittingId: LUNCH, className: CLASS, cardId: CARD });
    expect(tap).toMatchObject({ ok: true, value: { marked: 1, message: 'Выдано: Ученик01 Тест — Комплексный обед' } });
    const again = await A.service.serveOrders({ sittingId: LUNCH, className: CLASS, cardId: CARD });
    expect(again).toMatchObject({ ok: true, value: { marked: 0, message: 'Ученик01 Тест: уже выдано (Комплексный обед)' } });
    const touch = await A.service.serveOrders({ sittingId: LUNCH, className: CLASS, lineIds: [lineOf(1), lineOf(2), lineOf(3), lineOf(4)] });
    expect(touch).toMatchObject({ ok: true, value: { marked: 4 } });
    const all = await A.service.serveOrders({ sittingId: LUNCH, className: CLASS, all: true });
    expect(all).toMatchObject({ ok: true, value: { marked: 25, list: { ordered: 30, served: 30 } } });
    expect(await A.service.serveOrders({ sittingId: LUNCH, className: CLASS, all: true })).toMatchObject({ ok: true, value: { marked: 0 } });
    // A pupil with no order for the sitting: refused here, buys at the till as usual.
    const noOrder = await A.service.serveOrders({ sittingId: 'sit-breakfast', className: CLASS, cardId: CARD });
    expect(noOrder).toMatchObject({ ok: false, error: { code: 'NO_ORDER', details: { funds: { balance: 0, available: 0 } } } });

    const marks = A.localEntries().slice(before);
    expect(marks).toHaveLength(30);
    expect(marks.every((e) => e.kind === 'orderServed' && e.amount === 0)).toBe(true);
    await expect(A.client.syncOnce()).rejects.toThrow();
    expect(A.pending()).toBe(30);

    cable.down = false;
    await A.client.syncOnce();
    await A.client.syncOnce();   // a retried push (the ack lost, say) stores nothing twice
    expect(A.pending()).toBe(0);
    const served = await rows<{ line_id: string; entry_uuid: string; terminal_id: string }>(sql`SELECT line_id, entry_uuid, terminal_id FROM order_served WHERE school_id = ${S}`);
    expect(served.map((r) => r.line_id).sort()).toEqual(pupils.map((_, i) => lineOf(i)).sort());
    expect(new Set(served.map((r) => r.entry_uuid))).toEqual(new Set(marks.map((m) => m.uuid)));
    const stored = await rows<{ n: number }>(sql`SELECT count(*)::int AS n FROM entries WHERE kind = 'orderServed' AND terminal_id = 'terminal-24-1'`);
    expect(stored[0]!.n).toBe(30);
    const balances = await rows<{ balance: number }>(sql`SELECT balance FROM accounts WHERE account_number LIKE '02420990%'`);
    expect(balances.every((b) => Number(b.balance) === 0)).toBe(true);   // serving charges nothing
    for (const m of marks) expect(await flagsOf(server.handle, m.uuid)).toEqual([]);
  });

  it('a second till marking a served pupil keeps one served mark and flags nothing; its pull then shows the class served', async () => {
    const r = await B.service.serveOrders({ sittingId: LUNCH, className: CLASS, lineIds: [lineOf(0)] });
    expect(r).toMatchObject({ ok: true, value: { marked: 1 } });   // B had not pulled A's marks yet
    const uuid = B.localEntries().at(-1)!.uuid;
    await B.client.syncOnce();
    expect(B.pending()).toBe(0);
    expect(await flagsOf(server.handle, uuid)).toEqual([]);
    const served = await rows<{ n: number; by: string }>(sql`SELECT count(*)::int AS n, min(terminal_id) AS by FROM order_served WHERE school_id = ${S}`);
    expect(served[0]).toEqual({ n: 30, by: 'terminal-24-1' });
    await B.client.syncOnce();
    expect(await B.service.orderDay()).toMatchObject({ ok: true, value: { sittings: [{ id: 'sit-breakfast' }, { id: LUNCH, classes: [{ ordered: 30, served: 30 }] }] } });
    // The school's day report counts the served marks, once each.
    const report = await schoolDayReport(server.handle.db, S, today);
    expect(report.orderedServed).toEqual([{ day: today, className: CLASS, ordered: 30, served: 30 }]);
  });

  it('a mark naming another school\'s line is stored unapplied and flagged, and marks nothing', async () => {
    B.sqlite.prepare(`INSERT INTO order_lines (id, day, class_name, sitting_id, student_id, account_number, meal_set_id, meal_set_name,
      parent_amount, subsidy_amount) VALUES ('line-other-school', ?, ?, ?, 'st-77-1', NULL, 'x', 'Чужой обед', 0, 9000)`).run(today, CLASS, LUNCH);
    const r = await B.service.serveOrders({ sittingId: LUNCH, className: CLASS, lineIds: ['line-other-school'] });
    expect(r).toMatchObject({ ok: true, value: { marked: 1 } });
    const uuid = B.localEntries().at(-1)!.uuid;
    await B.client.syncOnce();
    expect(B.pending()).toBe(0);
    expect(await flagsOf(server.handle, uuid)).toEqual([{ entryUuid: uuid, reason: 'orderLineForeign' }]);
    expect(await rows(sql`SELECT 1 FROM order_served WHERE line_id = 'line-other-school'`)).toEqual([]);
  });
});

describe('sittings reach the tills without a day\'s lines', () => {
  it('a sitting added on the server comes with the next pull (no order lines) and is listed offline; a removed one goes', async () => {
    const linesBefore = A.sqlite.prepare('SELECT count(*) FROM order_lines').pluck().get();
    await server.handle.db.insert(mealSittings).values(
      { schoolId: S, id: 'sit-snack', kind: 'snack', name: 'Полдник', startsAt: '15:30', endsAt: '15:50', classNames: ['06А', CLASS], sort: 3 });
    await A.client.syncOnce();
    expect(A.sqlite.prepare('SELECT count(*) FROM order_lines').pluck().get()).toBe(linesBefore);
    expect(A.sqlite.prepare("SELECT class_names FROM order_sittings WHERE id = 'sit-snack'").pluck().get()).toBe(JSON.stringify(['06А', CLASS]));
    cable.down = true;   // offline: the till's own copy
    const day = await A.service.orderDay();
    expect(day).toMatchObject({ ok: true, value: { sittings: [{ id: 'sit-breakfast' }, { id: LUNCH }, {
      id: 'sit-snack', name: 'Полдник', startsAt: '15:30', endsAt: '15:50',
      classes: [{ className: CLASS, ordered: 0, served: 0 }, { className: '06А', ordered: 0, served: 0 }],
    }] } });
    const empty = await A.service.orderClass('sit-snack', '06А');
    expect(empty).toMatchObject({ ok: true, value: { pupils: [], ordered: 0, served: 0 } });
    cable.down = false;

    await server.handle.db.execute(sql`UPDATE meal_sittings SET active = false WHERE school_id = ${S} AND id = 'sit-snack'`);
    await A.client.syncOnce();
    const after = await A.service.orderDay();
    if (!after.ok) throw new Error(after.error.message);
    expect(after.value.sittings.map((x) => x.id)).toEqual(['sit-breakfast', LUNCH]);
  });
});
