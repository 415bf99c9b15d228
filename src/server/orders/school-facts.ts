import { and, asc, eq, gte, lte } from 'drizzle-orm';
import { mealSets, menuCycles, schools } from '../db/schema.js';
import { schoolCalendar } from '../db/staff-schema.js';
import { mealSittings, orderSettings, quarantines } from '../db/orders-schema.js';
import type { Tx } from '../db/open.js';
import { HttpError } from '../errors.js';
import { menuOfDates } from '../admin/menu-plan.js';
import type { CalendarFacts, SetFacts, SittingFacts } from '../../core/orders.js';

/**
 * What the order rules read of a school (src/core/orders.ts): its order settings (defaults when
 * it has saved none), sittings, calendar with quarantines, and the meal sets of each date's menu.
 */
export type OrderSettingsRow = typeof orderSettings.$inferSelect;
export type SittingRow = typeof mealSittings.$inferSelect;

export const DEFAULT_ORDER_SETTINGS: Omit<OrderSettingsRow, 'schoolId'> = {
  cutoffKind: 'sameDay', cutoffTime: '08:00', notEatenPolicy: 'charge', horizonDays: 14,
  primaryFree: true, primaryFundingSource: 'federal', version: 0,
};

export async function getOrderSettings(db: Tx, schoolId: string): Promise<OrderSettingsRow> {
  const [row] = await db.select().from(orderSettings).where(eq(orderSettings.schoolId, schoolId));
  return row ?? { schoolId, ...DEFAULT_ORDER_SETTINGS };
}

export async function schoolTimeZone(db: Tx, schoolId: string): Promise<string> {
  const [s] = await db.select({ tz: schools.timeZone }).from(schools).where(eq(schools.id, schoolId));
  if (!s) throw new HttpError(404, 'NOT_FOUND', 'Школа не найдена');
  return s.tz;
}

export async function listSittings(db: Tx, schoolId: string, activeOnly = true): Promise<SittingRow[]> {
  const rows = await db.select().from(mealSittings).where(eq(mealSittings.schoolId, schoolId))
    .orderBy(asc(mealSittings.sort), asc(mealSittings.startsAt));
  return activeOnly ? rows.filter((r) => r.active) : rows;
}

export const sittingFacts = (r: SittingRow): SittingFacts =>
  ({ id: r.id, kind: r.kind, menuCategoryId: r.menuCategoryId, sort: r.sort, startsAt: r.startsAt });

/** The sittings a class eats at. */
export const sittingsOfClass = (all: readonly SittingRow[], className: string): SittingRow[] =>
  all.filter((s) => s.classNames.includes(className));

export async function calendarFacts(db: Tx, schoolId: string, from: string, to: string): Promise<CalendarFacts> {
  const [cycle] = await db.select({ weekdays: menuCycles.weekdays }).from(menuCycles).where(eq(menuCycles.schoolId, schoolId));
  const days = await db.select({ date: schoolCalendar.date, kind: schoolCalendar.kind }).from(schoolCalendar)
    .where(and(eq(schoolCalendar.schoolId, schoolId), gte(schoolCalendar.date, from), lte(schoolCalendar.date, to)));
  const q = await db.select({ classNames: quarantines.classNames, fromDay: quarantines.fromDay, toDay: quarantines.toDay }).from(quarantines)
    .where(and(eq(quarantines.schoolId, schoolId), lte(quarantines.fromDay, to), gte(quarantines.toDay, from)));
  return { weekdays: cycle?.weekdays ?? [1, 2, 3, 4, 5], exceptions: new Map(days.map((d) => [d.date, d.kind])), quarantines: q };
}

export interface MenuFacts {
  /** The school's active meal sets by id. */
  sets: Map<string, SetFacts>;
  /** Each date's menu sets (active ones on the date's plan). */
  byDate: Map<string, SetFacts[]>;
}

export async function menuFacts(db: Tx, schoolId: string, from: string, to: string): Promise<MenuFacts> {
  const rows = await db.select({ id: mealSets.id, name: mealSets.name, price: mealSets.price, categoryId: mealSets.categoryId, sort: mealSets.sort, active: mealSets.active })
    .from(mealSets).where(eq(mealSets.schoolId, schoolId));
  const sets = new Map(rows.filter((r) => r.active).map((r) => [r.id, { id: r.id, name: r.name, price: r.price, categoryId: r.categoryId, sort: r.sort }]));
  const byDate = new Map<string, SetFacts[]>();
  for (const d of await menuOfDates(db, schoolId, from, to)) {
    byDate.set(d.date, d.mealSetIds.map((id) => sets.get(id)).filter((s): s is SetFacts => s !== undefined));
  }
  return { sets, byDate };
}
