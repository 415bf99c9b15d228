import { sql } from 'drizzle-orm';
import type { ReimbursementReport } from '../../api/admin/reports.js';
import { formatMoney } from '../../core/money.js';
import { query, type Tx } from '../db/open.js';
import { localDaysWhere, monthDays, num } from './range.js';

/**
 * The budget's reimbursement for a month (accountant): per school, funding source and benefit
 * category, the subsidised meals × the budget's share = the sum to claim, with the pupils and days
 * behind it (the details, the документ-основание). Driven by the month's applied subsidy entries:
 * - a till's subsidy entry names its receipt (entries.receipt_id): its lines with a subsidy, + for a
 *   sale, − for a refund; the category is the benefit rule for that meal set whose parent share is
 *   what the line charged, preferring the pupil's own categories;
 * - a server-made subsidy entry of a fixed meal order (order_lines, order_reversals) carries its
 *   category and funding source;
 * - any other subsidy entry is listed under «не определён».
 * The total is then compared with −Σ the month's subsidy entries, counted separately: it must be equal to the kopeck.
 */
export async function reimbursementReport(db: Tx, month: string, schoolId?: string): Promise<ReimbursementReport> {
  const { from, to } = monthDays(month);
  const school = schoolId ? sql`AND e.school_id = ${schoolId}` : sql``;
  const details = await query<{
    school_id: string; day: string; account_number: string | null; pupil: string | null; class_name: string | null; category_id: string | null;
    category_name: string | null; funding_source: string | null; item: string; meals: unknown; sum: unknown; share_min: unknown; share_max: unknown;
  }>(db, sql`
    WITH sub AS (
      SELECT e.school_id, e.uuid, e.amount, e.receipt_id, (e.created_at AT TIME ZONE s.time_zone)::date AS day
      FROM entries e JOIN schools s ON s.id = e.school_id
      WHERE ${localDaysWhere('e', 's', from, to)} AND e.kind = 'subsidy' AND e.applied ${school}),
    till_lines AS (
      SELECT sub.school_id, sub.day, r.account_number, l.item_id, l.name AS item,
             CASE WHEN r.kind = 'sale' THEN 1 ELSE -1 END AS sign, l.quantity, l.amount, l.subsidy
      FROM sub
      JOIN receipts r ON r.school_id = sub.school_id AND r.id = sub.receipt_id
      JOIN receipt_lines l ON l.school_id = r.school_id AND l.receipt_id = r.id AND l.subsidy <> 0),
    till_grouped AS (
      SELECT school_id, day, account_number, item_id, item, amount / quantity AS parent_unit, subsidy / quantity AS share,
             sum(sign * quantity) AS meals, sum(sign * subsidy) AS sum
      FROM till_lines GROUP BY 1, 2, 3, 4, 5, 6, 7),
    till AS (
      SELECT g.school_id, g.day, g.account_number, g.item, g.meals, g.sum, g.share, cat.benefit_category_id AS category_id
      FROM till_grouped g
      LEFT JOIN accounts a ON a.account_number = g.account_number
      LEFT JOIN students st ON st.id = a.student_id
      LEFT JOIN LATERAL (
        SELECT br.benefit_category_id FROM benefit_rules br
        WHERE br.school_id = g.school_id AND br.meal_set_id = g.item_id AND br.parent_pays = g.parent_unit
        ORDER BY (br.benefit_category_id = ANY(coalesce(st.benefit_category_ids, '{}'::text[]))) DESC, br.active DESC, br.benefit_category_id
        LIMIT 1) cat ON true),
    orders AS (
      SELECT sub.school_id, sub.day, coalesce(ol.account_number, rl.account_number) AS account_number,
             coalesce(ol.meal_set_name, rl.meal_set_name) AS item, CASE WHEN ol.id IS NOT NULL THEN 1 ELSE -1 END AS meals,
             -sub.amount AS sum, coalesce(ol.subsidy_amount, rl.subsidy_amount) AS share,
             coalesce(ol.benefit_category_id, rl.benefit_category_id) AS category_id, coalesce(ol.funding_source, rl.funding_source) AS funding
      FROM sub
      LEFT JOIN order_lines ol ON ol.subsidy_entry_id = sub.uuid
      LEFT JOIN order_reversals orv ON ol.id IS NULL AND orv.subsidy_entry_id = sub.uuid
      LEFT JOIN order_lines rl ON rl.id = orv.line_id
      WHERE sub.receipt_id IS NULL AND (ol.id IS NOT NULL OR rl.id IS NOT NULL)),
    other AS (
      SELECT sub.school_id, sub.day, NULL::text AS account_number, 'дотация без чека' AS item, 0 AS meals, -sub.amount AS sum
      FROM sub
      WHERE (sub.receipt_id IS NULL AND NOT EXISTS (SELECT 1 FROM order_lines ol WHERE ol.subsidy_entry_id = sub.uuid)
                                    AND NOT EXISTS (SELECT 1 FROM order_reversals orv WHERE orv.subsidy_entry_id = sub.uuid))
         OR (sub.receipt_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM receipts r WHERE r.school_id = sub.school_id AND r.id = sub.receipt_id))),
    rows AS (
      SELECT school_id, day, account_number, item, meals, sum, share, category_id, NULL::text AS funding FROM till
      UNION ALL SELECT school_id, day, account_number, item, meals, sum, share, category_id, funding FROM orders
      UNION ALL SELECT school_id, day, account_number, item, meals, sum, NULL, NULL, NULL FROM other)
    SELECT x.school_id, x.day::text AS day, x.account_number, st.full_name AS pupil, st.class_name, x.category_id,
           bc.name AS category_name, coalesce(x.funding, bc.funding_source) AS funding_source, x.item,
           sum(x.meals) AS meals, sum(x.sum) AS sum, min(x.share) AS share_min, max(x.share) AS share_max
    FROM rows x
    LEFT JOIN benefit_categories bc ON bc.school_id = x.school_id AND bc.id = x.category_id
    LEFT JOIN accounts a ON a.account_number = x.account_number
    LEFT JOIN students st ON st.id = a.student_id
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
    ORDER BY 1, 8, 7, 5, 2`);

  const [check] = await query<{ total: unknown }>(db, sql`
    SELECT coalesce(-sum(e.amount), 0) AS total FROM entries e JOIN schools s ON s.id = e.school_id
    WHERE ${localDaysWhere('e', 's', from, to)} AND e.kind = 'subsidy' AND e.applied ${school}`);
  const names = new Map((await query<{ id: string; name: string }>(db, sql`SELECT id, name FROM schools`)).map((s) => [s.id, s.name]));

  const groups = new Map<string, ReimbursementReport['rows'][number] & { accounts: Set<string>; dayset: Set<string>; shareSet: Set<number> }>();
  let total = 0;
  const out: ReimbursementReport['details'] = [];
  for (const d of details) {
    const meals = num(d.meals), sum = num(d.sum);
    total += sum;
    const fundingSource = d.funding_source ?? 'unknown';
    const categoryName = d.category_name ?? 'не определена';
    out.push({
      schoolId: d.school_id, day: d.day, accountNumber: d.account_number, pupil: d.pupil ?? '', className: d.class_name ?? '',
      categoryName, fundingSource, item: d.item, meals, sum,
    });
    const key = `${d.school_id}\u0000${fundingSource}\u0000${d.category_id ?? ''}`;
    let g = groups.get(key);
    if (!g) {
      g = {
        schoolId: d.school_id, schoolName: names.get(d.school_id) ?? d.school_id, fundingSource, categoryId: d.category_id ?? '', categoryName,
        meals: 0, pupils: 0, days: 0, budgetShare: null, sum: 0, accounts: new Set(), dayset: new Set(), shareSet: new Set(),
      };
      groups.set(key, g);
    }
    g.meals += meals; g.sum += sum;
    if (d.account_number) g.accounts.add(d.account_number);
    g.dayset.add(d.day);
    if (d.share_min != null) { g.shareSet.add(num(d.share_min)); g.shareSet.add(num(d.share_max)); }
  }
  const rows = [...groups.values()].map(({ accounts, dayset, shareSet, ...g }) => ({
    ...g, pupils: accounts.size, days: dayset.size, budgetShare: shareSet.size === 1 ? [...shareSet][0]! : null,
  }));
  const entriesTotal = num(check?.total);
  const matches = entriesTotal === total;
  return {
    month, schoolId: schoolId ?? null, rows, details: out, total, subsidyEntriesTotal: entriesTotal, matches,
    statement: matches
      ? `Сумма к возмещению ${formatMoney(total)} равна сумме проводок дотации за месяц ${formatMoney(entriesTotal)} до копейки`
      : `Расхождение: к возмещению ${formatMoney(total)}, проводки дотации за месяц ${formatMoney(entriesTotal)}, разница ${formatMoney(total - entriesTotal)}`,
  };
}
