import { sql } from 'drizzle-orm';
import type { PullOrders } from '../../api/sync.js';
import { addDays } from '../../core/period.js';
import { query, type Tx } from '../db/open.js';
import { parsePgTextArray, textArray } from '../db/bulk.js';

/** How far ahead a till gets fixed days (a fix is made at most a school day or so ahead; the horizon bounds a reset). */
const AHEAD_DAYS = 14;

interface LineRow {
  id: string; day: string; class_name: string; sitting_id: string; student_id: string; account_number: string | null;
  meal_set_id: string; meal_set_name: string; parent_amount: number | string; subsidy_amount: number | string; reversed: boolean;
}

/**
 * The pull's `orders` (src/api/sync.ts pullOrdersSchema) for «Выдача по заявке»: the fixed order lines of
 * the terminal's school only, from `today` on. `days`/`served` null (a reset): every fixed day ahead and every
 * served mark from today; otherwise only the days and line ids the change log names since the cursor
 * (migration 0019's triggers log a day when its lines are written or one is reversed; the push logs served lines).
 * Each day goes whole, so the till replaces its copy of that day. The school's sittings (with their classes) go
 * with every answer that has orders, and on their own when one changed (`sittings`: a reset or a 'sittings'
 * change, logged by migration 0023's trigger), so a till lists them on a day without lines, offline too.
 * Nothing changed: undefined, and no query (most pulls).
 */
export async function ordersForPull(
  tx: Tx, schoolId: string, today: string, changed: { days: string[] | null; served: string[] | null; sittings: boolean },
): Promise<PullOrders | undefined> {
  if (changed.days?.length === 0 && changed.served?.length === 0 && !changed.sittings) return undefined;
  const last = addDays(today, AHEAD_DAYS);
  const sittings = await query<{ id: string; name: string; kind: string; starts_at: string; ends_at: string; sort: number; class_names: string[] | string | null }>(tx, sql`
    SELECT id, name, kind, starts_at, ends_at, sort, class_names FROM meal_sittings WHERE school_id = ${schoolId} AND active ORDER BY sort, starts_at, id`);

  const days = changed.days === null
    ? (await query<{ day: string }>(tx, sql`SELECT DISTINCT day::text AS day FROM order_lines
        WHERE school_id = ${schoolId} AND day >= ${today}::date AND day <= ${last}::date ORDER BY 1`)).map((r) => r.day)
    : [...new Set(changed.days)].filter((d) => /^\d{4}-\d{2}-\d{2}$/.test(d) && d >= today && d <= last).sort();

  const lines = days.length === 0 ? [] : await query<LineRow>(tx, sql`
    SELECT l.id, l.day::text AS day, l.class_name, l.sitting_id, l.student_id, l.account_number, l.meal_set_id, l.meal_set_name,
      l.parent_amount, l.subsidy_amount, (r.line_id IS NOT NULL) AS reversed
    FROM order_lines l LEFT JOIN order_reversals r ON r.line_id = l.id
    WHERE l.school_id = ${schoolId} AND l.day = ANY(${textArray(days)}::date[])
    ORDER BY l.day, l.class_name, l.sitting_id, l.id`);

  // Each meal set's dishes, once (names as the menu has them now; the set's own name is the fix's).
  const setIds = [...new Set(lines.map((l) => l.meal_set_id))];
  const dishesOf = new Map<string, string[]>();
  if (setIds.length) {
    for (const r of await query<{ id: string; names: string[] | null }>(tx, sql`
      SELECT m.id, array(SELECT d.name FROM unnest(m.dish_ids) WITH ORDINALITY AS o(id, n)
        JOIN dishes d ON d.school_id = m.school_id AND d.id = o.id ORDER BY o.n) AS names
      FROM meal_sets m WHERE m.school_id = ${schoolId} AND m.id = ANY(${textArray(setIds)}::text[])`)) {
      dishesOf.set(r.id, r.names ?? []);
    }
  }

  const served = changed.served === null
    ? await query<{ line_id: string }>(tx, sql`SELECT line_id FROM order_served WHERE school_id = ${schoolId} AND day >= ${today}::date`)
    : changed.served.length === 0 ? [] : await query<{ line_id: string }>(tx, sql`SELECT line_id FROM order_served
        WHERE school_id = ${schoolId} AND day >= ${today}::date AND line_id = ANY(${textArray(changed.served)}::text[])`);

  const byDay = new Map(days.map((d) => [d, [] as PullOrders['days'][number]['lines']]));
  for (const l of lines) {
    byDay.get(l.day)?.push({
      id: l.id, className: l.class_name, sittingId: l.sitting_id, studentId: l.student_id, accountNumber: l.account_number,
      mealSetId: l.meal_set_id, mealSetName: l.meal_set_name, dishes: dishesOf.get(l.meal_set_id) ?? [],
      parentAmount: Number(l.parent_amount), subsidyAmount: Number(l.subsidy_amount), reversed: l.reversed,
    });
  }
  return {
    from: today,
    sittings: sittings.map((s) => ({
      id: s.id, name: s.name, kind: s.kind, startsAt: s.starts_at, endsAt: s.ends_at, sort: Number(s.sort), classNames: parsePgTextArray(s.class_names),
    })),
    days: [...byDay].map(([day, ls]) => ({ day, lines: ls })),
    served: served.map((r) => r.line_id),
  };
}
