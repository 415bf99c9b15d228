import { sql } from 'drizzle-orm';
import { query, type Tx } from '../db/open.js';
import { textArray } from '../db/bulk.js';
import { HttpError } from '../errors.js';
import { writeAudit, type Actor } from '../audit.js';
import { parse as parseCsvText } from 'csv-parse/sync';
import { detectCsvDelimiter } from '../csv.js';
import { closedReason, cutoffInstant, entitlements, gradeOf, planLine, type BenefitFacts } from '../../core/orders.js';
import { calendarFacts, getOrderSettings, listSittings, menuFacts, schoolTimeZone, sittingFacts, sittingsOfClass } from './school-facts.js';
import type { ClassDayView } from '../../api/admin/orders.js';

/**
 * The class teacher's day (docs/orders.md): the class list with attendance, each pupil's meal per
 * sitting (what the fix will serve: pre-order, benefit or the free meal of grades 1–4), benefit and
 * balance; marks by hand or from the e-journal's CSV; the confirmation by the cutoff.
 */
interface PupilRow {
  id: string; full_name: string; account_number: string | null; balance: number | string | null; reserved: number | string | null;
  present: boolean | null; source: string | null; benefits: string[] | null;
}

export async function classDay(db: Tx, schoolId: string, className: string, day: string, now: Date): Promise<ClassDayView> {
  const tz = await schoolTimeZone(db, schoolId);
  const settings = await getOrderSettings(db, schoolId);
  const sittings = sittingsOfClass(await listSittings(db, schoolId), className);
  const calendar = await calendarFacts(db, schoolId, day, day);
  const menu = await menuFacts(db, schoolId, day, day);
  const [order] = await query<{ state: string; confirmed_at: string | null; fixed_at: string | null }>(db, sql`
    SELECT state, confirmed_at, fixed_at FROM class_orders WHERE school_id = ${schoolId} AND day = ${day} AND class_name = ${className}`);
  const pupils = await query<PupilRow>(db, sql`
    SELECT s.id, s.full_name, a.account_number, a.balance,
      (SELECT sum(p.amount) FROM pre_orders p WHERE p.account_number = a.account_number AND p.state = 'open') AS reserved,
      t.present, t.source,
      (SELECT array_agg(c.name ORDER BY c.name) FROM student_benefits b JOIN benefit_categories c ON c.school_id = b.school_id AND c.id = b.benefit_category_id
        WHERE b.student_id = s.id AND b.valid_from <= ${day} AND (b.valid_until IS NULL OR b.valid_until >= ${day})) AS benefits
    FROM students s
    LEFT JOIN LATERAL (SELECT account_number, balance FROM accounts WHERE student_id = s.id AND active ORDER BY account_number LIMIT 1) a ON true
    LEFT JOIN attendance t ON t.student_id = s.id AND t.day = ${day}
    WHERE s.school_id = ${schoolId} AND s.class_name = ${className} AND s.active AND s.archived_at IS NULL
    ORDER BY s.full_name, s.id`);
  const ids = pupils.map((p) => p.id);
  const pres = ids.length ? await query<{ student_id: string; sitting_id: string; meal_set_id: string | null }>(db, sql`
    SELECT student_id, sitting_id, meal_set_id FROM pre_orders WHERE day = ${day} AND student_id = ANY(${textArray(ids)}::text[])`) : [];
  const bens = ids.length ? await query<{ student_id: string; category_id: string; meal_set_id: string; parent_pays: number | string; funding_source: string }>(db, sql`
    SELECT b.student_id, b.benefit_category_id AS category_id, r.meal_set_id, r.parent_pays, c.funding_source FROM student_benefits b
    JOIN benefit_categories c ON c.school_id = b.school_id AND c.id = b.benefit_category_id AND c.active
    JOIN benefit_rules r ON r.school_id = b.school_id AND r.benefit_category_id = b.benefit_category_id AND r.active
    WHERE b.school_id = ${schoolId} AND b.student_id = ANY(${textArray(ids)}::text[]) AND b.valid_from <= ${day} AND (b.valid_until IS NULL OR b.valid_until >= ${day})`) : [];
  const lines = ids.length ? await query<{ id: string; student_id: string; sitting_id: string; meal_set_id: string; meal_set_name: string; parent_amount: number | string; subsidy_amount: number | string; basis: string }>(db, sql`
    SELECT id, student_id, sitting_id, meal_set_id, meal_set_name, parent_amount, subsidy_amount, basis FROM order_lines
    WHERE school_id = ${schoolId} AND day = ${day} AND class_name = ${className}`) : [];
  const reversed = new Set((lines.length ? await query<{ line_id: string }>(db, sql`SELECT line_id FROM order_reversals WHERE line_id = ANY(${textArray(lines.map((l) => l.id))}::text[])`) : []).map((r) => r.line_id));
  const cutoff = cutoffInstant(day, settings, tz);
  const state = (order?.state ?? 'open') as 'open' | 'confirmed' | 'fixed';
  const daySets = menu.byDate.get(day) ?? [];
  const facts = sittings.map(sittingFacts);
  return {
    day, className, state, cutoff: cutoff.toISOString(), closed: closedReason(day, className, calendar),
    editable: state !== 'fixed' && now < cutoff, confirmedAt: order?.confirmed_at ?? null, fixedAt: order?.fixed_at ?? null,
    sittings: sittings.map((s) => ({ id: s.id, name: s.name, startsAt: s.startsAt })),
    pupils: pupils.map((p) => {
      const benefits: BenefitFacts[] = bens.filter((b) => b.student_id === p.id)
        .map((b) => ({ categoryId: b.category_id, mealSetId: b.meal_set_id, parentPays: Number(b.parent_pays), fundingSource: b.funding_source }));
      const ent = entitlements({ sittings: facts, daySets, allSets: menu.sets, benefits, grade: gradeOf(className), primaryFree: settings.primaryFree, primaryFundingSource: settings.primaryFundingSource });
      const meals = state === 'fixed'
        ? lines.filter((l) => l.student_id === p.id).map((l) => ({
          sittingId: l.sitting_id, mealSetId: l.meal_set_id, name: l.meal_set_name, parentAmount: Number(l.parent_amount), subsidyAmount: Number(l.subsidy_amount),
          basis: l.basis as 'preOrder' | 'benefit' | 'primary', lineId: l.id, reversed: reversed.has(l.id),
        }))
        : facts.flatMap((s) => {
          const pre = pres.find((x) => x.student_id === p.id && x.sitting_id === s.id);
          const plan = planLine({ present: true, preOrder: pre ? { mealSetId: pre.meal_set_id } : null, entitled: ent.get(s.id) ?? null, sets: menu.sets });
          return plan ? [{ sittingId: s.id, mealSetId: plan.mealSet.id, name: plan.mealSet.name, parentAmount: plan.parentAmount, subsidyAmount: plan.subsidyAmount, basis: plan.basis, lineId: null, reversed: false }] : [];
        });
      return {
        studentId: p.id, fullName: p.full_name, accountNumber: p.account_number, balance: p.balance === null ? null : Number(p.balance),
        reserved: Number(p.reserved ?? 0), present: p.present, source: (p.source ?? null) as 'manual' | 'journal' | null, benefits: p.benefits ?? [], meals,
      };
    }),
  };
}

/** Locks the class's order of the day and refuses a change once it is fixed or past the cutoff. */
async function openClassOrder(db: Tx, schoolId: string, className: string, day: string, now: Date): Promise<void> {
  await db.execute(sql`INSERT INTO class_orders (school_id, day, class_name) VALUES (${schoolId}, ${day}, ${className}) ON CONFLICT DO NOTHING`);
  const [row] = await query<{ state: string }>(db, sql`SELECT state FROM class_orders WHERE school_id = ${schoolId} AND day = ${day} AND class_name = ${className} FOR UPDATE`);
  if (row?.state === 'fixed') throw new HttpError(409, 'CONFLICT', 'Заявка класса на этот день уже зафиксирована: изменения — только возвратом через заведующего производством');
  const cutoff = cutoffInstant(day, await getOrderSettings(db, schoolId), await schoolTimeZone(db, schoolId));
  if (now >= cutoff) throw new HttpError(409, 'CONFLICT', 'Время подачи заявки на этот день истекло');
}

export async function markAttendance(db: Tx, actor: Actor, schoolId: string, className: string, day: string,
  marks: readonly { studentId: string; present: boolean }[], source: 'manual' | 'journal', now: Date): Promise<number> {
  await openClassOrder(db, schoolId, className, day, now);
  const ids = marks.map((m) => m.studentId);
  const known = await query<{ id: string }>(db, sql`SELECT id FROM students WHERE school_id = ${schoolId} AND class_name = ${className} AND id = ANY(${textArray(ids)}::text[])`);
  const unknown = ids.filter((id) => !known.some((k) => k.id === id));
  if (unknown.length) throw new HttpError(400, 'BAD_INPUT', `Нет таких учеников в классе ${className}: ${unknown.slice(0, 5).join(', ')}`);
  for (const m of marks) {
    await db.execute(sql`INSERT INTO attendance (school_id, student_id, day, present, source, marked_by, marked_at)
      VALUES (${schoolId}, ${m.studentId}, ${day}, ${m.present}, ${source}, ${actor.staffId ?? actor.name}, ${now.toISOString()})
      ON CONFLICT (student_id, day) DO UPDATE SET present = excluded.present, source = excluded.source, marked_by = excluded.marked_by, marked_at = excluded.marked_at`);
  }
  await writeAudit(db, actor, { action: 'attendance.mark', entity: 'classOrder', entityId: `${schoolId}:${day}:${className}`, schoolId, after: { source, marks } });
  return marks.length;
}

/**
 * The e-journal's first-lesson marks as CSV (';' or ','): a column with the pupil's full name
 * («ФИО», «Ученик») and one with the mark («Отметка»: «н», «б», «у», «о», «п» = absent; empty or
 * anything else = present). Rows are matched by full name within the class; unknown names are refused.
 */
export async function importJournal(db: Tx, actor: Actor, schoolId: string, className: string, day: string, csvText: string, now: Date) {
  let rows: string[][];
  try {
    rows = parseCsvText(csvText, { delimiter: detectCsvDelimiter(csvText), skip_empty_lines: true, relax_column_count: true, trim: true, bom: true }) as string[][];
  } catch (e) {
    throw new HttpError(400, 'BAD_INPUT', `Файл не читается как CSV: ${(e as Error).message}`);
  }
  const header = (rows[0] ?? []).map((h) => h.trim().toLowerCase());
  const nameCol = header.findIndex((h) => h === 'фио' || h === 'ученик' || h === 'учащийся');
  const markCol = header.findIndex((h) => h.startsWith('отметка') || h === '1 урок' || h === 'первый урок');
  if (nameCol < 0 || markCol < 0) throw new HttpError(400, 'BAD_INPUT', 'В файле нужны столбцы «ФИО» и «Отметка» (первый урок)');
  const pupils = await query<{ id: string; full_name: string }>(db, sql`SELECT id, full_name FROM students
    WHERE school_id = ${schoolId} AND class_name = ${className} AND active AND archived_at IS NULL`);
  const byName = new Map(pupils.map((p) => [p.full_name.trim().toLowerCase().replace(/ё/g, 'е'), p.id]));
  const marks: { studentId: string; present: boolean }[] = [];
  const problems: string[] = [];
  rows.slice(1).forEach((r, i) => {
    const name = (r[nameCol] ?? '').trim();
    if (!name) return;
    const id = byName.get(name.toLowerCase().replace(/ё/g, 'е'));
    if (!id) { problems.push(`строка ${i + 2}: «${name}» нет в классе ${className}`); return; }
    const mark = (r[markCol] ?? '').trim().toLowerCase();
    marks.push({ studentId: id, present: !['н', 'б', 'у', 'о', 'п', 'нб'].includes(mark) });
  });
  if (problems.length) throw new HttpError(400, 'BAD_INPUT', `Отметки не загружены: ${problems.slice(0, 5).join('; ')}`, { problems });
  await markAttendance(db, actor, schoolId, className, day, marks, 'journal', now);
  return { marked: marks.length, absent: marks.filter((m) => !m.present).length };
}

export async function confirmClassDay(db: Tx, actor: Actor, schoolId: string, className: string, day: string, now: Date): Promise<void> {
  await openClassOrder(db, schoolId, className, day, now);
  await db.execute(sql`UPDATE class_orders SET state = 'confirmed', confirmed_by = ${actor.staffId ?? actor.name}, confirmed_at = ${now.toISOString()}
    WHERE school_id = ${schoolId} AND day = ${day} AND class_name = ${className}`);
  await writeAudit(db, actor, { action: 'classOrder.confirm', entity: 'classOrder', entityId: `${schoolId}:${day}:${className}`, schoolId, after: { state: 'confirmed' } });
}
