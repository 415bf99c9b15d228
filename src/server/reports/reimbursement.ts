import { sql } from 'drizzle-orm';
import type { ReimbursementReport } from '../../api/admin/reports.js';
import { formatMoney } from '../../core/money.js';
import { addDays } from '../../core/period.js';
import { query, type Tx } from '../db/open.js';
import { localDaysWhere, monthDays, num, reportTx } from './range.js';
import { refreshRollup } from './rollup.js';
import { mealRows } from './subsidy-meals.js';

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
 * Closed days' meals come from the roll-up (rollup.ts, report_subsidy_meals: the same rows, made
 * once); open days' from the ledger. The check against the subsidy entries always reads the ledger.
 */
export async function reimbursementReport(db: Tx, month: string, schoolId?: string, now = new Date()): Promise<ReimbursementReport> {
  const { from, to } = monthDays(month);
  return reportTx(db, async (tx) => reimbursementIn(tx, month, schoolId, (await refreshRollup(tx, from, to, now)).through));
}

/** The meals of from..to as a CTE `m` (the `x` rows): the roll-up's through `through`, the ledger's after. */
function monthMeals(from: string, to: string, through: string | null, schoolId?: string) {
  const rolledTo = through === null ? null : through < to ? through : to;
  const liveFrom = through === null || through < from ? from : addDays(through, 1);
  const parts = [];
  if (rolledTo !== null && rolledTo >= from) {
    parts.push(sql`SELECT school_id, day, account_number, item, meals, sum, share, category_id, funding_source AS funding
      FROM report_subsidy_meals WHERE day BETWEEN ${from}::date AND ${rolledTo}::date ${schoolId ? sql`AND school_id = ${schoolId}` : sql``}`);
  }
  if (liveFrom <= to) parts.push(sql`SELECT school_id, day, account_number, item, meals, sum, share, category_id, funding FROM x`);
  if (!parts.length) parts.push(sql`SELECT NULL::text, NULL::date, NULL::text, NULL::text, 0, 0::bigint, NULL::bigint, NULL::text, NULL::text WHERE false`);
  return sql`${liveFrom <= to ? sql`${mealRows(liveFrom, to, schoolId)},` : sql``}
    m (school_id, day, account_number, item, meals, sum, share, category_id, funding) AS (${sql.join(parts, sql` UNION ALL `)})`;
}

async function reimbursementIn(db: Tx, month: string, schoolId: string | undefined, through: string | null): Promise<ReimbursementReport> {
  const { from, to } = monthDays(month);
  const school = schoolId ? sql`AND e.school_id = ${schoolId}` : sql``;
  // The claim: grouped in the database by school, funding source and category.
  const groups = await query<{ school_id: string; school_name: string; funding_source: string | null; category_id: string | null; category_name: string | null;
    meals: unknown; pupils: unknown; days: unknown; share_min: unknown; share_max: unknown; sum: unknown }>(db, sql`
    WITH ${monthMeals(from, to, through, schoolId)}
    SELECT x.school_id, s.name AS school_name, coalesce(x.funding, bc.funding_source) AS funding_source, x.category_id, bc.name AS category_name,
           sum(x.meals) AS meals, count(DISTINCT x.account_number) AS pupils, count(DISTINCT x.day) AS days,
           min(x.share) AS share_min, max(x.share) AS share_max, sum(x.sum) AS sum
    FROM m AS x
    JOIN schools s ON s.id = x.school_id
    LEFT JOIN benefit_categories bc ON bc.school_id = x.school_id AND bc.id = x.category_id
    GROUP BY 1, 2, 3, 4, 5
    ORDER BY 2, 3, 5`);
  // The pupils and days behind it (документ-основание): for one school only (a district's would be every meal of the month).
  const details = schoolId ? await query<{
    school_id: string; day: string; account_number: string | null; pupil: string | null; class_name: string | null;
    category_name: string | null; funding_source: string | null; item: string; meals: unknown; sum: unknown;
  }>(db, sql`
    WITH ${monthMeals(from, to, through, schoolId)}
    SELECT x.school_id, x.day::text AS day, x.account_number, st.full_name AS pupil, st.class_name, bc.name AS category_name,
           coalesce(x.funding, bc.funding_source) AS funding_source, x.item, sum(x.meals) AS meals, sum(x.sum) AS sum
    FROM m AS x
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
