import { sql } from 'drizzle-orm';
import { textArray } from '../db/bulk.js';
import { localDaysWhere } from './range.js';

/** The month's subsidised meals, one row per school, day, account, meal set and share, with its category (a CTE named `x`). */
export function mealRows(from: string, to: string, schools?: string | readonly string[]) {
  const school = schools === undefined ? sql``
    : typeof schools === 'string' ? sql`AND e.school_id = ${schools}` : sql`AND e.school_id = ANY(${textArray(schools)}::text[])`;
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
