import { and, between, eq, sql } from 'drizzle-orm';
import type { SchoolView } from '../../api/admin/schools.js';
import { schools } from '../db/schema.js';
import { schoolCalendar } from '../db/staff-schema.js';
import type { Tx } from '../db/open.js';
import { HttpError } from '../errors.js';
import { checkVersion, writeAudit, type Actor } from '../audit.js';
import { recordChanges } from '../changes.js';
import { ensurePartitions, type SchoolRow } from './schools.js';
import { applyCalendar } from '../orders/calendar.js';

/** School settings and calendar for the admin API and the CLI: versioned, audited, the tills told. */

export function schoolView(r: SchoolRow): SchoolView {
  return {
    id: r.id, code: r.code, name: r.name, timeZone: r.timeZone, cabinetUrl: r.cabinetUrl, overdraftLimit: r.overdraftLimit,
    offlineWarnHours: r.staleAfterMinutes / 60, correctionApprovalLimit: r.correctionApprovalLimit, allergenPolicy: r.allergenPolicy,
    version: r.version,
  };
}

export async function getSchool(db: Tx, id: string): Promise<SchoolRow> {
  const [r] = await db.select().from(schools).where(eq(schools.id, id));
  if (!r) throw new HttpError(404, 'NOT_FOUND', 'Школа не найдена');
  return r;
}

export interface SchoolInput {
  code: string; name: string; timeZone: string; cabinetUrl: string; overdraftLimit: number; offlineWarnHours: number; correctionApprovalLimit: number;
}

export async function createSchool(db: Tx, actor: Actor, s: SchoolInput): Promise<SchoolRow> {
  const [taken] = await db.select({ id: schools.id }).from(schools).where(eq(schools.code, s.code));
  if (taken) throw new HttpError(409, 'CONFLICT', `Школа с кодом ${s.code} уже есть`);
  const [row] = await db.insert(schools).values({
    id: `school-${s.code}`, code: s.code, name: s.name, timeZone: s.timeZone, cabinetUrl: s.cabinetUrl,
    overdraftLimit: s.overdraftLimit, staleAfterMinutes: Math.round(s.offlineWarnHours * 60), correctionApprovalLimit: s.correctionApprovalLimit,
  }).returning();
  await ensurePartitions(db, 3, row!.id);
  await recordChanges(db, row!.id, 'settings', [row!.id]);
  await writeAudit(db, actor, { action: 'school.create', entity: 'school', entityId: row!.id, schoolId: row!.id, after: schoolView(row!) });
  return row!;
}

export async function updateSchool(
  db: Tx, actor: Actor, id: string, patch: Partial<Omit<SchoolInput, 'code'>> & { allergenPolicy?: 'confirm' | 'refuse'; version: number },
): Promise<SchoolRow> {
  const [before] = await db.select().from(schools).where(eq(schools.id, id)).for('update');
  if (!before) throw new HttpError(404, 'NOT_FOUND', 'Школа не найдена');
  await checkVersion(db, 'school', id, { ...schoolView(before) }, patch.version);
  const [after] = await db.update(schools).set({
    ...(patch.name !== undefined ? { name: patch.name } : {}),
    ...(patch.timeZone !== undefined ? { timeZone: patch.timeZone } : {}),
    ...(patch.cabinetUrl !== undefined ? { cabinetUrl: patch.cabinetUrl } : {}),
    ...(patch.overdraftLimit !== undefined ? { overdraftLimit: patch.overdraftLimit } : {}),
    ...(patch.offlineWarnHours !== undefined ? { staleAfterMinutes: Math.round(patch.offlineWarnHours * 60) } : {}),
    ...(patch.correctionApprovalLimit !== undefined ? { correctionApprovalLimit: patch.correctionApprovalLimit } : {}),
    ...(patch.allergenPolicy !== undefined ? { allergenPolicy: patch.allergenPolicy } : {}),
    version: before.version + 1,
  }).where(eq(schools.id, id)).returning();
  await recordChanges(db, id, 'settings', [id]);
  await writeAudit(db, actor, { action: 'school.update', entity: 'school', entityId: id, schoolId: id, before: schoolView(before), after: schoolView(after!) });
  return after!;
}

export type CalendarDay = { date: string; kind: 'schoolDay' | 'holiday'; note: string };

export async function listCalendar(db: Tx, schoolId: string, from: string, to: string): Promise<CalendarDay[]> {
  return db.select({ date: schoolCalendar.date, kind: schoolCalendar.kind, note: schoolCalendar.note }).from(schoolCalendar)
    .where(and(eq(schoolCalendar.schoolId, schoolId), between(schoolCalendar.date, from, to))).orderBy(schoolCalendar.date);
}

/**
 * Each given date replaces what the calendar had for it. Through the orders' calendar
 * (src/server/orders/calendar.ts): a fixed day is refused, a day closed releases its pre-orders.
 */
export async function putCalendar(db: Tx, actor: Actor, schoolId: string, days: CalendarDay[], now = new Date()): Promise<void> {
  await applyCalendar(db, actor, schoolId, days, now);
}

export async function deleteCalendarDay(db: Tx, actor: Actor, schoolId: string, date: string, now = new Date()): Promise<boolean> {
  return (await applyCalendar(db, actor, schoolId, [{ date, kind: null, note: '' }], now)).changed > 0;
}

/** Schools a person sees (null: every school). */
export async function listSchools(db: Tx, ids: string[] | null): Promise<SchoolRow[]> {
  const rows = await db.select().from(schools).orderBy(sql`length(${schools.code})`, schools.code);
  return ids === null ? rows : rows.filter((r) => ids.includes(r.id));
}
