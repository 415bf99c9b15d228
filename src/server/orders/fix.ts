import { sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { query, type Db, type Tx } from '../db/open.js';
import { textArray, zipRows } from '../db/bulk.js';
import { recordChanges } from '../changes.js';
import { closedReason, entitlements, gradeOf, planLine, type BenefitFacts } from '../../core/orders.js';
import { calendarFacts, getOrderSettings, listSittings, menuFacts, sittingFacts, sittingsOfClass } from './school-facts.js';

/**
 * The fix of a day's order (docs/orders.md): for each class not yet fixed, every present pupil's
 * meal of each sitting becomes one `order_lines` row and its ledger entries: the parents' share as
 * an `orderCharge` on the pupil's account (uuid = the line's id), the budget's share as a `subsidy`
 * on the school's subsidy account (uuid = the line's `subsidy_entry_id`). Open pre-orders become
 * `fixed` (their reservation ends as the charge is made) and the class order `fixed`.
 *
 * One transaction, set-based: the lines go in with one INSERT … ON CONFLICT DO NOTHING (a pupil's
 * sitting has one line whoever fixes it), the entries with one INSERT … SELECT from the lines whose
 * ids `entry_ids` did not have yet, the balances with one UPDATE. Run twice, restarted, or run by
 * two processes at once, every entry is written once.
 */
export interface FixResult { classes: number; lines: number; charged: number; subsidised: number }

interface PupilRow { student_id: string; class_name: string; account_number: string | null }
interface PreRow { student_id: string; sitting_id: string; meal_set_id: string | null }
interface BenefitRow { student_id: string; category_id: string; meal_set_id: string; parent_pays: number | string; funding_source: string }

export async function fixDay(db: Db, schoolId: string, day: string, opts: { now: Date; by: string; classNames?: readonly string[] }): Promise<FixResult> {
  return db.transaction((tx) => fixDayTx(tx, schoolId, day, opts));
}

export async function fixDayTx(tx: Tx, schoolId: string, day: string, opts: { now: Date; by: string; classNames?: readonly string[] }): Promise<FixResult> {
  const nowIso = opts.now.toISOString();
  const settings = await getOrderSettings(tx, schoolId);
  const sittings = await listSittings(tx, schoolId);
  const classesWithSittings = [...new Set(sittings.flatMap((s) => s.classNames))]
    .filter((c) => !opts.classNames || opts.classNames.includes(c));
  if (classesWithSittings.length === 0) return { classes: 0, lines: 0, charged: 0, subsidised: 0 };

  // The class orders of the day, locked: a teacher's confirmation or a second fixer waits here.
  await tx.execute(sql`INSERT INTO class_orders (school_id, day, class_name)
    SELECT ${schoolId}, ${day}, c FROM unnest(${textArray(classesWithSittings)}::text[]) AS t(c) ON CONFLICT DO NOTHING`);
  const open = await query<{ class_name: string }>(tx, sql`SELECT class_name FROM class_orders
    WHERE school_id = ${schoolId} AND day = ${day} AND class_name = ANY(${textArray(classesWithSittings)}::text[]) AND state <> 'fixed'
    ORDER BY class_name FOR UPDATE`);
  const calendar = await calendarFacts(tx, schoolId, day, day);
  const classes = open.map((r) => r.class_name).filter((c) => closedReason(day, c, calendar) === null);
  const closed = open.map((r) => r.class_name).filter((c) => !classes.includes(c));

  let lines = 0;
  if (classes.length) {
    // One after another: a transaction is one connection (node-postgres would queue them anyway).
    const pupils = await query<PupilRow>(tx, sql`SELECT s.id AS student_id, s.class_name,
          (SELECT a.account_number FROM accounts a WHERE a.student_id = s.id AND a.active ORDER BY a.account_number LIMIT 1) AS account_number
        FROM students s LEFT JOIN attendance t ON t.student_id = s.id AND t.day = ${day}
        WHERE s.school_id = ${schoolId} AND s.active AND s.archived_at IS NULL AND s.class_name = ANY(${textArray(classes)}::text[])
          AND coalesce(t.present, true)`);
    const pres = await query<PreRow>(tx, sql`SELECT student_id, sitting_id, meal_set_id FROM pre_orders WHERE school_id = ${schoolId} AND day = ${day}`);
    const bens = await query<BenefitRow>(tx, sql`SELECT b.student_id, b.benefit_category_id AS category_id, r.meal_set_id, r.parent_pays, c.funding_source
        FROM student_benefits b
        JOIN benefit_categories c ON c.school_id = b.school_id AND c.id = b.benefit_category_id AND c.active
        JOIN benefit_rules r ON r.school_id = b.school_id AND r.benefit_category_id = b.benefit_category_id AND r.active
        WHERE b.school_id = ${schoolId} AND b.valid_from <= ${day} AND (b.valid_until IS NULL OR b.valid_until >= ${day})`);
    const menu = await menuFacts(tx, schoolId, day, day);
    const preBy = new Map(pres.map((p) => [`${p.student_id}|${p.sitting_id}`, { mealSetId: p.meal_set_id }]));
    const bensBy = new Map<string, BenefitFacts[]>();
    for (const b of bens) {
      const list = bensBy.get(b.student_id) ?? [];
      list.push({ categoryId: b.category_id, mealSetId: b.meal_set_id, parentPays: Number(b.parent_pays), fundingSource: b.funding_source });
      bensBy.set(b.student_id, list);
    }
    const daySets = menu.byDate.get(day) ?? [];
    const cols = {
      id: [] as string[], sub: [] as string[], cls: [] as string[], sit: [] as string[], stu: [] as string[], acc: [] as (string | null)[],
      set: [] as string[], name: [] as string[], price: [] as number[], pay: [] as number[], bud: [] as number[],
      src: [] as (string | null)[], cat: [] as (string | null)[], basis: [] as string[],
    };
    const classSittings = new Map(classes.map((c) => [c, sittingsOfClass(sittings, c).map(sittingFacts)]));
    for (const p of pupils) {
      const mine = classSittings.get(p.class_name) ?? [];
      const ent = entitlements({
        sittings: mine, daySets, allSets: menu.sets, benefits: bensBy.get(p.student_id) ?? [], grade: gradeOf(p.class_name),
        primaryFree: settings.primaryFree, primaryFundingSource: settings.primaryFundingSource,
      });
      for (const s of mine) {
        const pre = preBy.get(`${p.student_id}|${s.id}`) ?? null;
        const line = planLine({ present: true, preOrder: pre, entitled: ent.get(s.id) ?? null, sets: menu.sets });
        if (!line) continue;
        // A parents' share with no account to charge cannot be served by order (no pre-order is possible without one).
        if (line.parentAmount > 0 && !p.account_number) continue;
        cols.id.push(uuidv7()); cols.sub.push(uuidv7()); cols.cls.push(p.class_name); cols.sit.push(s.id); cols.stu.push(p.student_id);
        cols.acc.push(p.account_number); cols.set.push(line.mealSet.id); cols.name.push(line.mealSet.name); cols.price.push(line.mealSet.price);
        cols.pay.push(line.parentAmount); cols.bud.push(line.subsidyAmount); cols.src.push(line.fundingSource);
        cols.cat.push(line.benefitCategoryId); cols.basis.push(line.basis);
      }
    }
    if (cols.id.length) {
      const inserted = await query<{ n: number | string }>(tx, sql`WITH ins AS (
        INSERT INTO order_lines (id, subsidy_entry_id, school_id, day, class_name, sitting_id, student_id, account_number,
          meal_set_id, meal_set_name, price, parent_amount, subsidy_amount, funding_source, benefit_category_id, basis, fixed_at)
        SELECT v.id, v.sub, ${schoolId}, ${day}::date, v.cls, v.sit, v.stu, v.acc, v.mset, v.mname, v.price, v.pay, v.bud, v.src, v.cat, v.basis, ${nowIso}::timestamptz
        FROM ${zipRows('v', [
          ['id', 'text', cols.id], ['sub', 'text', cols.sub], ['cls', 'text', cols.cls], ['sit', 'text', cols.sit], ['stu', 'text', cols.stu],
          ['acc', 'text', cols.acc], ['mset', 'text', cols.set], ['mname', 'text', cols.name], ['price', 'bigint', cols.price],
          ['pay', 'bigint', cols.pay], ['bud', 'bigint', cols.bud], ['src', 'text', cols.src], ['cat', 'text', cols.cat], ['basis', 'text', cols.basis],
        ])}
        ON CONFLICT DO NOTHING RETURNING 1) SELECT count(*) AS n FROM ins`);
      lines = Number(inserted[0]?.n ?? 0);
    }
  }

  const all = [...classes];
  const { charged, subsidised, accounts } = all.length ? await writeLineEntries(tx, schoolId, day, all, nowIso) : { charged: 0, subsidised: 0, accounts: [] };
  const released = await query<{ account_number: string }>(tx, sql`UPDATE pre_orders p SET state = 'fixed'
    FROM students s WHERE p.school_id = ${schoolId} AND p.day = ${day} AND p.state = 'open'
      AND s.id = p.student_id AND s.class_name = ANY(${textArray(open.map((r) => r.class_name))}::text[])
    RETURNING p.account_number`);
  await tx.execute(sql`UPDATE class_orders SET state = 'fixed', fixed_by = ${opts.by}, fixed_at = ${nowIso}
    WHERE school_id = ${schoolId} AND day = ${day} AND class_name = ANY(${textArray([...classes, ...closed])}::text[])`);
  await recordChanges(tx, schoolId, 'account', [...accounts, ...released.map((r) => r.account_number)]);
  return { classes: classes.length, lines, charged, subsidised };
}

/**
 * The entries of the day's lines of these classes that the ledger does not have yet: one
 * statement each for charges (with the balances) and for subsidies. Lines already charged by an
 * earlier run find their ids in `entry_ids` and are skipped.
 */
async function writeLineEntries(tx: Tx, schoolId: string, day: string, classes: string[], nowIso: string) {
  const cls = textArray(classes);
  const [charged] = await query<{ n: number | string; accs: string[] | null }>(tx, sql`WITH l AS (
      SELECT * FROM order_lines WHERE school_id = ${schoolId} AND day = ${day} AND class_name = ANY(${cls}::text[])
        AND parent_amount > 0 AND account_number IS NOT NULL),
    fresh AS (
      INSERT INTO entry_ids (uuid, school_id, created_at) SELECT l.id, ${schoolId}, ${nowIso}::timestamptz FROM l
      ON CONFLICT DO NOTHING RETURNING uuid),
    ins AS (
      INSERT INTO entries (uuid, school_id, created_at, kind, account_number, amount, payload)
      SELECT l.id, ${schoolId}, ${nowIso}::timestamptz, 'orderCharge', l.account_number, -l.parent_amount,
        jsonb_build_object('orderLineId', l.id, 'day', l.day, 'sittingId', l.sitting_id, 'mealSetId', l.meal_set_id,
          'title', 'Питание по заявке ' || to_char(l.day, 'DD.MM.YYYY') || ': ' || l.meal_set_name)
      FROM l JOIN fresh ON fresh.uuid = l.id
      RETURNING account_number, amount),
    upd AS (
      UPDATE accounts a SET balance = a.balance + d.s, updated_at = now()
      FROM (SELECT account_number, sum(amount) AS s FROM ins GROUP BY account_number) d
      WHERE a.account_number = d.account_number RETURNING a.account_number)
    SELECT (SELECT count(*) FROM ins) AS n, (SELECT array_agg(account_number) FROM upd) AS accs`);
  const subsidised = await query<{ n: number | string }>(tx, sql`WITH l AS (
      SELECT * FROM order_lines WHERE school_id = ${schoolId} AND day = ${day} AND class_name = ANY(${cls}::text[]) AND subsidy_amount > 0),
    fresh AS (
      INSERT INTO entry_ids (uuid, school_id, created_at) SELECT l.subsidy_entry_id, ${schoolId}, ${nowIso}::timestamptz FROM l
      ON CONFLICT DO NOTHING RETURNING uuid),
    ins AS (
      INSERT INTO entries (uuid, school_id, created_at, kind, account_number, amount, payload)
      SELECT l.subsidy_entry_id, ${schoolId}, ${nowIso}::timestamptz, 'subsidy', NULL, -l.subsidy_amount,
        jsonb_build_object('orderLineId', l.id, 'day', l.day, 'fundingSource', l.funding_source, 'benefitCategoryId', l.benefit_category_id,
          'studentId', l.student_id, 'accountNumber', l.account_number)
      FROM l JOIN fresh ON fresh.uuid = l.subsidy_entry_id
      RETURNING 1)
    SELECT count(*) AS n FROM ins`);
  return { charged: Number(charged?.n ?? 0), subsidised: Number(subsidised[0]?.n ?? 0), accounts: charged?.accs ?? [] };
}
