import { and, eq, gte, lte, sql } from 'drizzle-orm';
import { accounts, schools, students } from '../db/schema.js';
import { classOrders, preOrders } from '../db/orders-schema.js';
import { query, type Db, type Tx } from '../db/open.js';
import { textArray } from '../db/bulk.js';
import { recordChanges } from '../changes.js';
import { schoolDay } from '../../core/datetime.js';
import { addDays, ruDay } from '../../core/period.js';
import { formatAmount } from '../../core/money.js';
import {
  closedReason, cutoffInstant, describeCutoff, entitlements, gradeOf, setsOfSitting, type BenefitFacts, type OrderDay, type OrderPlan, type SittingChoice,
} from '../../core/orders.js';
import { calendarFacts, getOrderSettings, listSittings, menuFacts, sittingFacts, sittingsOfClass } from './school-facts.js';

/**
 * Parents' pre-orders (docs/orders.md): the order days of a pupil (two weeks ahead), a choice per
 * sitting until the cutoff, and the reservation it makes: доступно = balance − Σ open pre-orders.
 */

/** Σ open pre-orders per account (kopecks); accounts with none are absent. */
export async function reservedOf(db: Tx, accountNumbers: readonly string[]): Promise<Map<string, number>> {
  if (accountNumbers.length === 0) return new Map();
  const rows = await query<{ a: string; s: number | string }>(db, sql`SELECT account_number AS a, sum(amount) AS s FROM pre_orders
    WHERE state = 'open' AND account_number = ANY(${textArray(accountNumbers)}::text[]) GROUP BY account_number`);
  return new Map(rows.map((r) => [r.a, Number(r.s)]));
}

export async function reservedOfSchool(db: Tx, schoolId: string): Promise<Map<string, number>> {
  const rows = await query<{ a: string; s: number | string }>(db, sql`SELECT account_number AS a, sum(amount) AS s FROM pre_orders
    WHERE state = 'open' AND school_id = ${schoolId} GROUP BY account_number`);
  return new Map(rows.map((r) => [r.a, Number(r.s)]));
}

/**
 * Releases the open pre-orders that can no longer be served (a day closed by a holiday or a
 * quarantine, a sitting removed, a class taken off a sitting): they are deleted as a parent's
 * cancel deletes one, so the reservation is back in «доступно» and the tills learn it on their next
 * pull. Fixed pre-orders stay: their charge is made (a reversal undoes it). Returns how many went.
 */
export async function releasePreOrders(tx: Tx, schoolId: string, where: {
  days?: readonly string[]; sittingIds?: readonly string[]; classNames?: readonly string[] | null;
}): Promise<number> {
  if (where.days?.length === 0 || where.sittingIds?.length === 0 || where.classNames?.length === 0) return 0;
  const gone = await query<{ a: string }>(tx, sql`DELETE FROM pre_orders p WHERE p.school_id = ${schoolId} AND p.state = 'open'
    ${where.days ? sql`AND p.day = ANY(${textArray(where.days)}::date[])` : sql``}
    ${where.sittingIds ? sql`AND p.sitting_id = ANY(${textArray(where.sittingIds)}::text[])` : sql``}
    ${where.classNames ? sql`AND p.student_id IN (SELECT s.id FROM students s WHERE s.school_id = ${schoolId} AND s.class_name = ANY(${textArray(where.classNames)}::text[]))` : sql``}
    RETURNING p.account_number AS a`);
  await recordChanges(tx, schoolId, 'account', gone.map((r) => r.a));
  return gone.length;
}

export type { OrderDay, OrderPlan, SittingChoice } from '../../core/orders.js';

interface PupilOfAccount { schoolId: string; studentId: string; className: string; balance: number; timeZone: string }

async function pupilOf(db: Tx, accountNumber: string): Promise<PupilOfAccount | null> {
  const [r] = await db.select({ schoolId: accounts.schoolId, studentId: students.id, className: students.className, balance: accounts.balance, timeZone: schools.timeZone })
    .from(accounts).innerJoin(students, eq(students.id, accounts.studentId)).innerJoin(schools, eq(schools.id, accounts.schoolId))
    .where(and(eq(accounts.accountNumber, accountNumber), eq(accounts.active, true)));
  return r ?? null;
}

async function benefitsOf(db: Tx, schoolId: string, studentId: string, day: string): Promise<BenefitFacts[]> {
  const rows = await query<{ category_id: string; meal_set_id: string; parent_pays: number | string; funding_source: string }>(db, sql`
    SELECT b.benefit_category_id AS category_id, r.meal_set_id, r.parent_pays, c.funding_source FROM student_benefits b
    JOIN benefit_categories c ON c.school_id = b.school_id AND c.id = b.benefit_category_id AND c.active
    JOIN benefit_rules r ON r.school_id = b.school_id AND r.benefit_category_id = b.benefit_category_id AND r.active
    WHERE b.school_id = ${schoolId} AND b.student_id = ${studentId} AND b.valid_from <= ${day} AND (b.valid_until IS NULL OR b.valid_until >= ${day})`);
  return rows.map((r) => ({ categoryId: r.category_id, mealSetId: r.meal_set_id, parentPays: Number(r.parent_pays), fundingSource: r.funding_source }));
}

const WEEKDAY = ['Понедельник', 'Вторник', 'Среда', 'Четверг', 'Пятница', 'Суббота', 'Воскресенье'];
const weekdayOf = (day: string) => WEEKDAY[(new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7]!;

/** The pupil's order days from today to the horizon, with each sitting's options and the current choice. */
export async function orderPlan(db: Tx, accountNumber: string, now: Date): Promise<OrderPlan | null> {
  const p = await pupilOf(db, accountNumber);
  if (!p) return null;
  const settings = await getOrderSettings(db, p.schoolId);
  const today = schoolDay(now, p.timeZone);
  const last = addDays(today, settings.horizonDays);
  // One after another: inside setPreOrder's transaction they share one connection.
  const sittings = await listSittings(db, p.schoolId);
  const calendar = await calendarFacts(db, p.schoolId, today, last);
  const menu = await menuFacts(db, p.schoolId, today, last);
  const pres = await db.select().from(preOrders).where(and(eq(preOrders.studentId, p.studentId), gte(preOrders.day, today), lte(preOrders.day, last)));
  const reserved = await reservedOf(db, [accountNumber]);
  const fixedDays = await db.select({ day: classOrders.day }).from(classOrders).where(and(eq(classOrders.schoolId, p.schoolId),
    eq(classOrders.className, p.className), eq(classOrders.state, 'fixed'), gte(classOrders.day, today), lte(classOrders.day, last)));
  const fixed = new Set(fixedDays.map((d) => d.day));
  const mine = sittingsOfClass(sittings, p.className);
  const days: OrderDay[] = [];
  for (let day = today; day <= last; day = addDays(day, 1)) {
    const closed = closedReason(day, p.className, calendar);
    if (closed === 'выходной или каникулы') continue;
    const cutoff = cutoffInstant(day, settings, p.timeZone);
    const daySets = menu.byDate.get(day) ?? [];
    const ent = entitlements({
      sittings: mine.map(sittingFacts), daySets, allSets: menu.sets, benefits: await benefitsOf(db, p.schoolId, p.studentId, day),
      grade: gradeOf(p.className), primaryFree: settings.primaryFree, primaryFundingSource: settings.primaryFundingSource,
    });
    const list = mine.map((s): SittingChoice => {
      const pre = pres.find((x) => x.day === day && x.sittingId === s.id);
      return {
        sittingId: s.id, sittingName: s.name, startsAt: s.startsAt, options: setsOfSitting(sittingFacts(s), daySets),
        entitled: ent.get(s.id) ?? null, chosen: pre ? pre.mealSetId : undefined, amount: pre?.amount ?? 0, fixed: pre?.state === 'fixed' || fixed.has(day),
      };
    });
    days.push({
      day, label: `${weekdayOf(day)}, ${ruDay(day)}`, closed, cutoff: cutoff.toISOString(),
      editable: closed === null && now < cutoff && !fixed.has(day) && list.length > 0, sittings: list,
    });
  }
  const r = reserved.get(accountNumber) ?? 0;
  return {
    accountNumber, studentId: p.studentId, className: p.className, balance: p.balance, reserved: r, available: p.balance - r,
    cutoffText: describeCutoff(settings), days,
  };
}

/** mealSetId: a set, or null for «не питается»; cancel: remove the pre-order (the reservation is released). */
export interface PreOrderInput { day: string; sittingId: string; mealSetId: string | null; cancel?: boolean }

export type PreOrderOutcome = { ok: true; amount: number } | { ok: false; message: string };

const money = (k: number) => `${formatAmount(k)} ₽`;

/**
 * Sets (mealSetId), declines (null) or cancels (`cancel`) the pre-order of a day and sitting,
 * before the cutoff only. A set must be on the sitting's menu of that day (or be the pupil's
 * entitled set); its parents' price is reserved and must fit in what is available.
 */
export async function setPreOrder(db: Db, accountNumber: string, input: PreOrderInput, now: Date, by = 'parent'): Promise<PreOrderOutcome> {
  return db.transaction(async (tx) => {
    // The account row is the lock that keeps two choices from overspending it together.
    const [acc] = await tx.select({ n: accounts.accountNumber }).from(accounts).where(eq(accounts.accountNumber, accountNumber)).for('update');
    if (!acc) return { ok: false, message: 'Лицевой счёт не найден' };
    const plan = await orderPlan(tx, accountNumber, now);
    if (!plan) return { ok: false, message: 'Лицевой счёт не привязан к учащемуся' };
    const day = plan.days.find((d) => d.day === input.day);
    if (!day) return { ok: false, message: `На ${ruDay(input.day)} заказ не принимается: это не учебный день или он дальше двух недель` };
    if (day.closed) return { ok: false, message: `На ${ruDay(input.day)} заказ не принимается: ${day.closed}` };
    const sitting = day.sittings.find((s) => s.sittingId === input.sittingId);
    if (!sitting) return { ok: false, message: 'В этот приём пищи класс ребёнка не питается' };
    if (!day.editable) {
      return { ok: false, message: `Заказ на ${ruDay(input.day)} уже закрыт: изменить или отменить его можно было до ${plan.cutoffText}` };
    }
    const where = and(eq(preOrders.studentId, plan.studentId), eq(preOrders.day, input.day), eq(preOrders.sittingId, input.sittingId));
    if (input.cancel) {
      await tx.delete(preOrders).where(where);
      await recordChanges(tx, (await schoolOf(tx, accountNumber)), 'account', [accountNumber]);
      return { ok: true, amount: 0 };
    }
    let amount = 0;
    if (input.mealSetId !== null) {
      const e = sitting.entitled;
      if (e && e.mealSet.id !== input.mealSetId) {
        return { ok: false, message: `В этот приём пищи ребёнку положен «${e.mealSet.name}» по льготе; можно только отказаться от него («не питается»)` };
      }
      const set = e ? e.mealSet : sitting.options.find((o) => o.id === input.mealSetId);
      if (!set) return { ok: false, message: 'Этого комплекса нет в меню на выбранный день' };
      amount = e ? e.parentAmount : set.price;
      const available = plan.available + sitting.amount;   // the old choice's reservation is given back
      if (amount > available) {
        return { ok: false, message: `Недостаточно средств: доступно ${money(Math.max(0, available))}, комплекс стоит ${money(amount)}. Пополните счёт.` };
      }
    }
    const schoolId = await schoolOf(tx, accountNumber);
    await tx.insert(preOrders).values({
      schoolId, studentId: plan.studentId, day: input.day, sittingId: input.sittingId, accountNumber, mealSetId: input.mealSetId, amount, updatedBy: by,
    }).onConflictDoUpdate({
      target: [preOrders.studentId, preOrders.day, preOrders.sittingId],
      set: { mealSetId: input.mealSetId, amount, accountNumber, updatedBy: by, updatedAt: now.toISOString() },
    });
    await recordChanges(tx, schoolId, 'account', [accountNumber]);
    return { ok: true, amount };
  });
}

async function schoolOf(tx: Tx, accountNumber: string): Promise<string> {
  const [a] = await tx.select({ s: accounts.schoolId }).from(accounts).where(eq(accounts.accountNumber, accountNumber));
  return a!.s;
}
