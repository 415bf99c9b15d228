import { and, asc, eq, gte, lte, sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { schoolCalendar } from '../db/staff-schema.js';
import { quarantines } from '../db/orders-schema.js';
import { query, type Tx } from '../db/open.js';
import { HttpError } from '../errors.js';
import { writeAudit, type Actor } from '../audit.js';
import { addDays, ruDay } from '../../core/period.js';
import { isSchoolDay } from '../../core/orders.js';
import type { CalendarMonth } from '../../api/admin/order-setup.js';
import { calendarFacts } from './school-facts.js';
import { assertDaysNotFixed } from './day-guard.js';
import { releasePreOrders } from './pre-orders.js';
import { assertClassesExist, schoolClasses } from './sittings.js';

/**
 * The school's calendar for meals by order (docs/orders.md): whole-school exceptions to the usual
 * week (`school_calendar`: holidays, extra school days) and quarantines (`quarantines`, some classes
 * or the whole school). Every change here (and the Schools page's calendar, which calls
 * `applyCalendar`) is refused on a fixed day (day-guard.ts) and releases the open pre-orders of
 * the days it closes (pre-orders.ts `releasePreOrders`).
 */
const MAX_RANGE_DAYS = 366;

/** The dates from..to inclusive; 400 for a reversed or over-long range. */
export function rangeDays(from: string, to: string): string[] {
  if (from > to) throw new HttpError(400, 'BAD_INPUT', `Дата «с» (${ruDay(from)}) позже даты «по» (${ruDay(to)})`);
  const out: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) {
    out.push(d);
    if (out.length > MAX_RANGE_DAYS) throw new HttpError(400, 'BAD_INPUT', `Не больше ${MAX_RANGE_DAYS} дней за раз`);
  }
  return out;
}

export async function calendarMonth(db: Tx, schoolId: string, month: string): Promise<CalendarMonth> {
  const from = `${month}-01`;
  const to = addDays(`${addDays(from, 31).slice(0, 7)}-01`, -1);
  const facts = await calendarFacts(db, schoolId, from, to);
  const notes = new Map((await db.select({ date: schoolCalendar.date, note: schoolCalendar.note }).from(schoolCalendar)
    .where(and(eq(schoolCalendar.schoolId, schoolId), gte(schoolCalendar.date, from), lte(schoolCalendar.date, to)))).map((r) => [r.date, r.note]));
  const qs = await db.select().from(quarantines)
    .where(and(eq(quarantines.schoolId, schoolId), lte(quarantines.fromDay, to), gte(quarantines.toDay, from))).orderBy(asc(quarantines.fromDay));
  const fixed = await query<{ day: string; classes: string[] }>(db, sql`SELECT day::text AS day, array_agg(class_name ORDER BY class_name) AS classes
    FROM class_orders WHERE school_id = ${schoolId} AND state = 'fixed' AND day BETWEEN ${from}::date AND ${to}::date GROUP BY day`);
  const fixedBy = new Map(fixed.map((r) => [r.day, r.classes]));
  const days = rangeDays(from, to).map((date) => {
    const on = qs.filter((q) => q.fromDay <= date && date <= q.toDay);
    const wholeSchool = on.some((q) => q.classNames.length === 0);
    return {
      date, schoolDay: isSchoolDay(date, facts) && !wholeSchool, exception: facts.exceptions.get(date) ?? null, note: notes.get(date) ?? '',
      quarantine: on.length ? { wholeSchool, classNames: wholeSchool ? [] : [...new Set(on.flatMap((q) => q.classNames))].sort() } : null,
      fixedClasses: fixedBy.get(date) ?? [],
    };
  });
  return {
    month, days,
    quarantines: qs.map((q) => ({ id: q.id, classNames: q.classNames, fromDay: q.fromDay, toDay: q.toDay, note: q.note })),
    classes: await schoolClasses(db, schoolId),
  };
}

/** One date's exception: a holiday, an extra school day, or null = back to the usual week. */
export interface CalendarChange { date: string; kind: 'schoolDay' | 'holiday' | null; note: string }

/**
 * Writes whole-school calendar exceptions, each audited as before. A date whose school-day status
 * flips must not be fixed (a note alone may change); dates it closes release their pre-orders.
 */
export async function applyCalendar(tx: Tx, actor: Actor, schoolId: string, changes: readonly CalendarChange[], now: Date): Promise<{ changed: number; released: number }> {
  if (!changes.length) return { changed: 0, released: 0 };
  const dates = changes.map((c) => c.date).sort();
  const facts = await calendarFacts(tx, schoolId, dates[0]!, dates[dates.length - 1]!);
  const after = new Map(facts.exceptions);
  for (const c of changes) { if (c.kind) after.set(c.date, c.kind); else after.delete(c.date); }
  const next = { ...facts, exceptions: after };
  const flipped = changes.map((c) => c.date).filter((d) => isSchoolDay(d, facts) !== isSchoolDay(d, next));
  await assertDaysNotFixed(tx, schoolId, flipped, null, now);
  let changed = 0;
  for (const c of changes) {
    const where = and(eq(schoolCalendar.schoolId, schoolId), eq(schoolCalendar.date, c.date));
    const [before] = await tx.select().from(schoolCalendar).where(where);
    if (c.kind) {
      await tx.insert(schoolCalendar).values({ schoolId, date: c.date, kind: c.kind, note: c.note })
        .onConflictDoUpdate({ target: [schoolCalendar.schoolId, schoolCalendar.date], set: { kind: c.kind, note: c.note } });
      await writeAudit(tx, actor, { action: 'calendar.set', entity: 'calendar', entityId: `${schoolId}:${c.date}`, schoolId, before: before ?? null, after: { schoolId, date: c.date, kind: c.kind, note: c.note } });
      changed++;
    } else if (before) {
      await tx.delete(schoolCalendar).where(where);
      await writeAudit(tx, actor, { action: 'calendar.delete', entity: 'calendar', entityId: `${schoolId}:${c.date}`, schoolId, before, after: null });
      changed++;
    }
  }
  const closed = flipped.filter((d) => !isSchoolDay(d, next));
  return { changed, released: await releasePreOrders(tx, schoolId, { days: closed }) };
}

/** A range of dates marked at once: holidays, extra school days, or back to the usual week. */
export async function markDays(tx: Tx, actor: Actor, schoolId: string, input: { from: string; to: string; kind: 'holiday' | 'schoolDay' | 'usual'; note: string }, now: Date) {
  const kind = input.kind === 'usual' ? null : input.kind;
  const r = await applyCalendar(tx, actor, schoolId, rangeDays(input.from, input.to).map((date) => ({ date, kind, note: kind ? input.note : '' })), now);
  return { days: r.changed, released: r.released };
}

/** A quarantine of some classes (or, with none, the whole school): no order is taken or fixed for them on its days. */
export async function createQuarantine(tx: Tx, actor: Actor, schoolId: string, input: { from: string; to: string; classNames: string[]; note: string }, now: Date) {
  const days = rangeDays(input.from, input.to);
  const classNames = [...new Set(input.classNames)].sort();
  await assertClassesExist(tx, schoolId, classNames);
  const scope = classNames.length ? classNames : null;
  await assertDaysNotFixed(tx, schoolId, days, scope, now);
  const [row] = await tx.insert(quarantines).values({ id: uuidv7(), schoolId, classNames, fromDay: input.from, toDay: input.to, note: input.note }).returning();
  const released = await releasePreOrders(tx, schoolId, { days, classNames: scope });
  const view = { id: row!.id, classNames, fromDay: row!.fromDay, toDay: row!.toDay, note: row!.note };
  await writeAudit(tx, actor, { action: 'quarantine.create', entity: 'quarantine', entityId: row!.id, schoolId, after: { ...view, released } });
  return { ...view, released };
}

/**
 * Lifts a quarantine from a day on: it ends the day before (or is removed when lifted from its
 * first day). The days it reopens must not be fixed: those were fixed as closed, with no meals.
 */
export async function liftQuarantine(tx: Tx, actor: Actor, schoolId: string, id: string, fromDay: string, now: Date) {
  const [q] = await tx.select().from(quarantines).where(and(eq(quarantines.schoolId, schoolId), eq(quarantines.id, id))).for('update');
  if (!q) throw new HttpError(404, 'NOT_FOUND', 'Такого карантина в школе нет');
  if (fromDay > q.toDay) throw new HttpError(409, 'CONFLICT', `Карантин и так заканчивается ${ruDay(q.toDay)}`);
  const reopened = rangeDays(fromDay > q.fromDay ? fromDay : q.fromDay, q.toDay);
  await assertDaysNotFixed(tx, schoolId, reopened, q.classNames.length ? q.classNames : null, now);
  const before = { id: q.id, classNames: q.classNames, fromDay: q.fromDay, toDay: q.toDay, note: q.note };
  let after: typeof before | null = null;
  if (fromDay <= q.fromDay) {
    await tx.delete(quarantines).where(eq(quarantines.id, id));
  } else {
    after = { ...before, toDay: addDays(fromDay, -1) };
    await tx.update(quarantines).set({ toDay: after.toDay }).where(eq(quarantines.id, id));
  }
  await writeAudit(tx, actor, { action: 'quarantine.lift', entity: 'quarantine', entityId: id, schoolId, before, after });
  return { days: reopened.length, released: 0 };
}
