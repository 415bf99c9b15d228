import { sql } from 'drizzle-orm';
import type { ReimbursementReport } from '../../api/admin/reports.js';
import { formatMoney } from '../../core/money.js';
import { query, type Tx } from '../db/open.js';
import { localDaysWhere, monthDays, num, reportTx } from './range.js';

/**
 * The budget's reimbursement for a month (accountant): per school, funding source and benefit
 * category, the subsidised meals × the budget's share = the sum to claim, with the pupils and days
 * behind it (the details, the документ-основание). Driven by the month's applied subsidy entries:
 * - a till's subsidy entry names its receipt (entries.receipt_id): its lines with a subsidy, + for a
 *   sale, − for a refund; the category and funding source are those recorded on the line when it was
 *   sold (receipt_lines.benefit_category_id, funding_source: the till's rule at push, line-benefit.ts);
 * - a server-made subsidy entry of a fixed meal order (order_lines, order_reversals) carries its
 *   category and funding source;
 * - any other subsidy entry is listed under «не определён».
 * The total is then compared with −Σ the month's subsidy entries, counted separately: it must be equal to the kopeck.
 * The details (every pupil and day) come only for one school.
 */
/** The month's subsidised meals, one row per school, day, account, meal set and share, with its category (a CTE named `x`). */
export function mealRows(from: string, to: string, schoolId?: string) {
  const school = schoolId ? sql`AND e.school_id = ${schoolId}` : sql``;
  return sql`
    sub AS (
      SELECT e.school_id, e.uuid, e.amount, e.receipt_id, (e.created_at AT TIME ZONE s.time_zone)::date AS day
      FROM entries e JOIN schools s ON s.id = e.school_id
      WHERE ${localDaysWhere('e', 's', from, to)} AND e.kind = 'subsidy' AND e.applied ${school}),
    subr AS (
      SELECT sub.*, r.id AS rid, r.kind AS rkind, r.account_number AS racc
      FROM sub LEFT JOIN receipts r ON r.school_id = sub.school_id AND r.id = sub.receipt_id),
    till AS (
      -- The category and funding source recorded on the line when the meal was sold (migration 0021, line-benefit.ts).
      SELECT subr.school_id, subr.day, subr.racc AS account_number, l.item_id, min(l.name) AS item,
             l.subsidy / l.quantity AS share, l.benefit_category_id AS category_id, l.funding_source AS funding,
             sum(CASE WHEN subr.rkind = 'sale' THEN l.quantity ELSE -l.quantity END) AS meals,
             sum(CASE WHEN subr.rkind = 'sale' THEN l.subsidy ELSE -l.subsidy END) AS sum
      FROM subr JOIN receipt_lines l ON l.school_id = subr.school_id AND l.receipt_id = subr.rid AND l.subsidy <> 0
      GROUP BY 1, 2, 3, 4, 6, 7, 8),
    orders AS (
      -- ol: the line's subsidy; rl: its reversal (a manager's, or the «not eaten» policy's); cl: its re-charge by a late served mark.
      SELECT subr.school_id, subr.day, coalesce(ol.account_number, rl.account_number, cl.account_number) AS account_number,
             coalesce(ol.meal_set_name, rl.meal_set_name, cl.meal_set_name) AS item, CASE WHEN rl.id IS NOT NULL THEN -1 ELSE 1 END AS meals,
             -subr.amount AS sum, coalesce(ol.subsidy_amount, rl.subsidy_amount, cl.subsidy_amount) AS share,
             coalesce(ol.benefit_category_id, rl.benefit_category_id, cl.benefit_category_id) AS category_id,
             coalesce(ol.funding_source, rl.funding_source, cl.funding_source) AS funding,
             (ol.id IS NOT NULL OR rl.id IS NOT NULL OR cl.id IS NOT NULL) AS known
      FROM subr
      LEFT JOIN order_lines ol ON ol.subsidy_entry_id = subr.uuid
      LEFT JOIN order_reversals orv ON ol.id IS NULL AND orv.subsidy_entry_id = subr.uuid
      LEFT JOIN order_lines rl ON rl.id = orv.line_id
      LEFT JOIN order_recharges orc ON ol.id IS NULL AND orv.line_id IS NULL AND orc.subsidy_entry_id = subr.uuid
      LEFT JOIN order_lines cl ON cl.id = orc.line_id
      WHERE subr.rid IS NULL),
    x AS (
      SELECT t.school_id, t.day, t.account_number, t.item, t.meals, t.sum, t.share, t.category_id, t.funding FROM till t
      UNION ALL
      SELECT school_id, day, account_number, item, meals, sum, share, category_id, funding FROM orders WHERE known
      UNION ALL
      SELECT school_id, day, NULL, 'дотация без чека', 0, sum, NULL, NULL, NULL FROM orders WHERE NOT known)`;
}

export async function reimbursementReport(db: Tx, month: string, schoolId?: string): Promise<ReimbursementReport> {
  return reportTx(db, (tx) => reimbursementIn(tx, month, schoolId));
}

async function reimbursementIn(db: Tx, month: string, schoolId?: string): Promise<ReimbursementReport> {
  const { from, to } = monthDays(month);
  const school = schoolId ? sql`AND e.school_id = ${schoolId}` : sql``;
  // The claim: grouped in the database by school, funding source and category.
  const groups = await query<{ school_id: string; school_name: string; funding_source: string | null; category_id: string | null; category_name: string | null;
    meals: unknown; pupils: unknown; days: unknown; share_min: unknown; share_max: unknown; sum: unknown }>(db, sql`
    WITH ${mealRows(from, to, schoolId)}
    SELECT x.school_id, s.name AS school_name, coalesce(x.funding, bc.funding_source) AS funding_source, x.category_id, bc.name AS category_name,
           sum(x.meals) AS meals, count(DISTINCT x.account_number) AS pupils, count(DISTINCT x.day) AS days,
           min(x.share) AS share_min, max(x.share) AS share_max, sum(x.sum) AS sum
    FROM x
    JOIN schools s ON s.id = x.school_id
    LEFT JOIN benefit_categories bc ON bc.school_id = x.school_id AND bc.id = x.category_id
    GROUP BY 1, 2, 3, 4, 5
    ORDER BY 2, 3, 5`);
  // The pupils and days behind it (документ-основание): for one school only (a district's would be every meal of the month).
  const details = schoolId ? await query<{
    school_id: string; day: string; account_number: string | null; pupil: string | null; class_name: string | null;
    category_name: string | null; funding_source: string | null; item: string; meals: unknown; sum: unknown;
  }>(db, sql`
    WITH ${mealRows(from, to, schoolId)}
    SELECT x.school_id, x.day::text AS day, x.account_number, st.full_name AS pupil, st.class_name, bc.name AS category_name,
           coalesce(x.funding, bc.funding_source) AS funding_source, x.item, sum(x.meals) AS meals, sum(x.sum) AS sum
    FROM x
    LEFT JOIN benefit_categories bc ON bc.school_id = x.school_id AND bc.id = x.category_id
    LEFT JOIN accounts a ON a.account_number = x.account_number
    LEFT JOIN students st ON st.id = a.student_id
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
    ORDER BY 7, 6, 4, 2`) : [];

  const [check] = await query<{ total: unknown }>(db, sql`
    SELECT coalesce(-sum(e.amount), 0) AS total FROM entries e JOIN schools s ON s.id = e.school_id
    WHERE ${localDaysWhere('e', 's', from, to)} AND e.kind = 'subsidy' AND e.applied ${school}`);

  const rows = groups.map((g) => ({
    schoolId: g.school_id, schoolName: g.school_name, fundingSource: g.funding_source ?? 'unknown', categoryId: g.category_id ?? '',
    categoryName: g.category_name ?? 'не определена', meals: num(g.meals), pupils: num(g.pupils), days: num(g.days),
    budgetShare: g.share_min != null && num(g.share_min) === num(g.share_max) ? num(g.share_min) : null, sum: num(g.sum),
  }));
  const total = rows.reduce((a, r) => a + r.sum, 0);
  const entriesTotal = num(check?.total);
  const matches = entriesTotal === total;
  return {
    month, schoolId: schoolId ?? null, rows, total, subsidyEntriesTotal: entriesTotal, matches,
    details: details.map((d) => ({
      schoolId: d.school_id, day: d.day, accountNumber: d.account_number, pupil: d.pupil ?? '', className: d.class_name ?? '',
      categoryName: d.category_name ?? 'не определена', fundingSource: d.funding_source ?? 'unknown', item: d.item, meals: num(d.meals), sum: num(d.sum),
    })),
    statement: matches
      ? `Сумма к возмещению ${formatMoney(total)} равна сумме проводок дотации за месяц ${formatMoney(entriesTotal)} до копейки`
      : `Расхождение: к возмещению ${formatMoney(total)}, проводки дотации за месяц ${formatMoney(entriesTotal)}, разница ${formatMoney(total - entriesTotal)}`,
  };
}
