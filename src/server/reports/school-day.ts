import { sql } from 'drizzle-orm';
import type { SchoolDayReport } from '../../api/admin/reports.js';
import { query, type Tx } from '../db/open.js';
import { dayRange, num, schoolOf } from './range.js';

/**
 * The school's day (or any range of days) for its manager and school admin, computed in the
 * database: every query is one school's entries between two instants (one school partition, the
 * months of the range), grouped there; only the groups come back.
 */
export async function schoolDayReport(db: Tx, schoolId: string, from: string, to: string = from): Promise<SchoolDayReport> {
  const school = await schoolOf(db, schoolId);
  const r = dayRange(from, to, school.time_zone);
  const inRange = sql`e.school_id = ${schoolId} AND e.created_at >= ${r.lo}::timestamptz AND e.created_at < ${r.hi}::timestamptz AND e.applied`;

  // Meals: the receipts' lines of the period (sales minus refunds), by category, item, who paid and sitting.
  const meals = await query<{ category: string; item_kind: 'dish' | 'mealSet'; item_id: string; name: string; pay: 'paid' | 'free' | 'subsidised';
    sitting: string; quantity: unknown; amount: unknown; subsidy: unknown }>(db, sql`
    WITH l AS (
      SELECT l.item_kind, l.item_id, l.name, l.quantity, l.amount, l.subsidy, CASE WHEN r.kind = 'sale' THEN 1 ELSE -1 END AS sign,
             (e.created_at AT TIME ZONE ${school.time_zone})::time AS at
      FROM entries e
      JOIN receipts r ON r.school_id = e.school_id AND r.id = e.receipt_id AND r.entry_uuid = e.uuid
      JOIN receipt_lines l ON l.school_id = r.school_id AND l.receipt_id = r.id
      WHERE ${inRange} AND e.kind IN ('sale', 'refund'))
    SELECT coalesce(c.name, 'Без категории') AS category, l.item_kind, l.item_id, l.name,
           CASE WHEN l.subsidy = 0 THEN 'paid' WHEN l.amount = 0 THEN 'free' ELSE 'subsidised' END AS pay,
           coalesce(st.name, 'вне расписания') AS sitting,
           sum(l.sign * l.quantity) AS quantity, sum(l.sign * l.amount) AS amount, sum(l.sign * l.subsidy) AS subsidy
    FROM l
    LEFT JOIN meal_sets ms ON l.item_kind = 'mealSet' AND ms.school_id = ${schoolId} AND ms.id = l.item_id
    LEFT JOIN dishes d ON l.item_kind = 'dish' AND d.school_id = ${schoolId} AND d.id = l.item_id
    LEFT JOIN menu_categories c ON c.school_id = ${schoolId} AND c.id = coalesce(ms.category_id, d.category_id)
    LEFT JOIN LATERAL (SELECT s.name FROM meal_sittings s WHERE s.school_id = ${schoolId} AND s.active
        AND l.at >= s.starts_at::time AND l.at < s.ends_at::time ORDER BY s.sort, s.starts_at LIMIT 1) st ON true
    GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 4, 5, 6`);

  const tills = await query<{ terminal_id: string; terminal_name: string | null; cashier_id: string | null; cashier_name: string | null;
    sales_count: unknown; sales_total: unknown; refunds_count: unknown; refunds_total: unknown; subsidy_total: unknown }>(db, sql`
    SELECT e.terminal_id, t.name AS terminal_name, e.cashier_id, ca.name AS cashier_name,
           count(*) FILTER (WHERE e.kind = 'sale') AS sales_count, coalesce(-sum(e.amount) FILTER (WHERE e.kind = 'sale'), 0) AS sales_total,
           count(*) FILTER (WHERE e.kind = 'refund') AS refunds_count, coalesce(sum(e.amount) FILTER (WHERE e.kind = 'refund'), 0) AS refunds_total,
           coalesce(-sum(e.amount) FILTER (WHERE e.kind = 'subsidy'), 0) AS subsidy_total
    FROM entries e
    LEFT JOIN terminals t ON t.id = e.terminal_id
    LEFT JOIN cashiers ca ON ca.id = e.cashier_id
    WHERE ${inRange} AND e.kind IN ('sale', 'refund', 'subsidy') AND e.terminal_id IS NOT NULL
    GROUP BY 1, 2, 3, 4 ORDER BY 2, 4`);

  const topUps = await query<{ source: string; count: unknown; total: unknown }>(db, sql`
    SELECT coalesce(nullif(e.payload->>'source', ''), 'не указан') AS source, count(*) AS count, sum(e.amount) AS total
    FROM entries e WHERE ${inRange} AND e.kind = 'topUp' GROUP BY 1 ORDER BY 1`);

  const movements = await query<{ at: string; kind: 'refund' | 'correction'; account_number: string | null; pupil: string | null;
    amount: unknown; receipt_number: string | null; refund_of_number: string | null; reason: string | null }>(db, sql`
    SELECT e.created_at AS at, e.kind, e.account_number, st.full_name AS pupil, e.amount, r.number AS receipt_number, o.number AS refund_of_number,
           coalesce(e.payload->>'reason', e.payload->>'title', '') AS reason
    FROM entries e
    LEFT JOIN receipts r ON e.kind = 'refund' AND r.school_id = e.school_id AND r.id = e.receipt_id
    LEFT JOIN receipts o ON o.school_id = r.school_id AND o.id = r.refund_of
    LEFT JOIN accounts a ON a.account_number = e.account_number
    LEFT JOIN students st ON st.id = a.student_id
    WHERE ${inRange} AND e.kind IN ('refund', 'correction')
    ORDER BY e.created_at, e.uuid LIMIT 5000`);

  const flags = await query<{ reason: string; open: unknown; raised: unknown }>(db, sql`
    SELECT reason, count(*) FILTER (WHERE resolved_at IS NULL) AS open,
           count(*) FILTER (WHERE created_at >= ${r.lo}::timestamptz AND created_at < ${r.hi}::timestamptz) AS raised
    FROM review_flags WHERE school_id = ${schoolId} AND (resolved_at IS NULL OR created_at >= ${r.lo}::timestamptz)
    GROUP BY reason ORDER BY reason`);

  const totals = await query<{ sales: unknown; refunds: unknown; subsidy: unknown; top_ups: unknown; corrections: unknown }>(db, sql`
    SELECT coalesce(-sum(e.amount) FILTER (WHERE e.kind = 'sale'), 0) AS sales, coalesce(sum(e.amount) FILTER (WHERE e.kind = 'refund'), 0) AS refunds,
           coalesce(-sum(e.amount) FILTER (WHERE e.kind = 'subsidy'), 0) AS subsidy, coalesce(sum(e.amount) FILTER (WHERE e.kind = 'topUp'), 0) AS top_ups,
           coalesce(sum(e.amount) FILTER (WHERE e.kind = 'correction'), 0) AS corrections
    FROM entries e WHERE ${inRange}`);

  // Ordered (fixed class orders, less lines a manager reversed; the «not eaten» policy's are ordered, not served) against served (the tills' served marks, order_served: one per line, «Выдача по заявке»).
  const orderedServed = await query<{ day: string; class_name: string; ordered: unknown; served: unknown }>(db, sql`
    WITH o AS (
      SELECT ol.day::text AS day, ol.class_name, count(*) AS ordered FROM order_lines ol
      WHERE ol.school_id = ${schoolId} AND ol.day BETWEEN ${r.from}::date AND ${r.to}::date
        AND NOT EXISTS (SELECT 1 FROM order_reversals x WHERE x.line_id = ol.id AND x.decided_by <> 'notEaten')
      GROUP BY 1, 2),
    s AS (
      SELECT ol.day::text AS day, ol.class_name, count(*) AS served FROM order_served os
      JOIN order_lines ol ON ol.id = os.line_id
      WHERE os.school_id = ${schoolId} AND os.day BETWEEN ${r.from}::date AND ${r.to}::date
        AND NOT EXISTS (SELECT 1 FROM order_reversals x WHERE x.line_id = ol.id AND x.decided_by <> 'notEaten')
      GROUP BY 1, 2)
    SELECT coalesce(o.day, s.day) AS day, coalesce(o.class_name, s.class_name) AS class_name, coalesce(o.ordered, 0) AS ordered, coalesce(s.served, 0) AS served
    FROM o FULL JOIN s ON s.day = o.day AND s.class_name = o.class_name
    WHERE o.ordered IS NOT NULL
    ORDER BY 1, 2`);

  const t = totals[0];
  const mealRows = meals.map((m) => ({
    category: m.category, itemKind: m.item_kind, itemId: m.item_id, name: m.name, pay: m.pay, sitting: m.sitting,
    quantity: num(m.quantity), amount: num(m.amount), subsidy: num(m.subsidy),
  }));
  return {
    schoolId, schoolName: school.name, from: r.from, to: r.to,
    meals: mealRows,
    tills: tills.map((x) => ({
      terminalId: x.terminal_id, terminalName: x.terminal_name ?? x.terminal_id, cashierId: x.cashier_id, cashierName: x.cashier_name ?? x.cashier_id ?? '—',
      salesCount: num(x.sales_count), salesTotal: num(x.sales_total), refundsCount: num(x.refunds_count), refundsTotal: num(x.refunds_total),
      subsidyTotal: num(x.subsidy_total),
    })),
    topUps: topUps.map((x) => ({ source: x.source, count: num(x.count), total: num(x.total) })),
    movements: movements.map((x) => ({
      at: new Date(x.at).toISOString(), kind: x.kind, accountNumber: x.account_number, pupil: x.pupil ?? '', amount: num(x.amount),
      receiptNumber: x.receipt_number, refundOfNumber: x.refund_of_number, reason: x.reason ?? '',
    })),
    flags: flags.map((x) => ({ reason: x.reason, open: num(x.open), raisedInPeriod: num(x.raised) })),
    orderedServed: orderedServed.map((x) => ({ day: x.day, className: x.class_name, ordered: num(x.ordered), served: num(x.served) })),
    totals: {
      salesTotal: num(t?.sales), refundsTotal: num(t?.refunds), subsidyTotal: num(t?.subsidy), topUpsTotal: num(t?.top_ups),
      correctionsTotal: num(t?.corrections), mealsServed: mealRows.filter((m) => m.itemKind === 'mealSet').reduce((a, m) => a + m.quantity, 0),
    },
  };
}
