import { sql, type SQL } from 'drizzle-orm';
import { schoolDay } from '../../core/datetime.js';
import { addDays, startOfDay } from '../../core/period.js';
import { query, type Tx } from '../db/open.js';
import { textArray } from '../db/bulk.js';
import { reportTx } from './range.js';
import { mealRows } from './subsidy-meals.js';

/**
 * The district's roll-up (docs/reports.md "Cost"): per school and **closed** school day, the figures
 * the control page and its trend need (report_school_days) and the reimbursement's subsidised meals
 * (report_subsidy_meals). Always derivable from the ledger: a day is computed the first time a
 * report needs it, and again when a late entry for it arrives (push marks it in report_dirty_days);
 * deleting the rows only makes the next report compute them again. Open days (today) are never
 * stored: reports compute them from the ledger with the same SQL (dayFigures).
 *
 * A day is closed when it has ended in every school's zone. Push marks a day when the day ends
 * within DIRTY_GRACE_MS of the push (or ended before): a push whose transaction ran across the
 * moment a day closed still marks it, so a roll-up made without its entries is recomputed.
 */
export const DIRTY_GRACE_MS = 60 * 60_000;

/** Grades 1–4 by the class name's leading number ("03Б", "4А"; not "10А", "11Б"), without a regular expression. */
export const GRADE_1_4 = sql`(CASE WHEN left(st.class_name, 1) = '0' THEN substr(st.class_name, 2, 1) IN ('1', '2', '3', '4') AND substr(st.class_name, 3, 1) NOT IN ('0', '1', '2', '3', '4', '5', '6', '7', '8', '9')
  ELSE coalesce(left(st.class_name, 1) IN ('1', '2', '3', '4') AND substr(st.class_name, 2, 1) NOT IN ('0', '1', '2', '3', '4', '5', '6', '7', '8', '9'), false) END)`;

/**
 * The local days of pushed entries that push must mark dirty: those whose day ends within the grace
 * (so it may be rolled up already). Usually none: a till online pushes today's entries.
 */
export function daysToMark(createdAt: readonly string[], timeZone: string, now = new Date()): string[] {
  // Entries from the start of the still-open day on (nearly all) are found by one comparison each.
  const openStart = startOfDay(schoolDay(new Date(now.getTime() + DIRTY_GRACE_MS), timeZone), timeZone).getTime();
  const out = new Set<string>();
  for (const at of createdAt) {
    if (Date.parse(at) < openStart) out.add(schoolDay(at, timeZone));
  }
  return [...out];
}

/** The schools' time zones, and the last day closed in every one of them at `now` (null: no schools). */
export async function closedThrough(db: Tx, now: Date): Promise<{ through: string | null; zones: string[] }> {
  const zones = (await query<{ time_zone: string }>(db, sql`SELECT DISTINCT time_zone FROM schools`)).map((z) => z.time_zone);
  let last: string | null = null;
  for (const z of zones) {
    const d = addDays(schoolDay(now, z), -1);
    if (last === null || d < last) last = d;
  }
  return { through: last, zones };
}

/**
 * Entries of the school days from..to: as constants, the UTC window from the earliest start to the
 * latest end of those days over the schools' zones (a day wider on each side when the zones are
 * not known), so only those months' partitions are planned and the row estimate is one day's, not
 * three (the planner then takes index ranges where a day is a small part of a partition); then each
 * school's exact local day bounds (an index range on the primary key (school_id, created_at)).
 */
export function localDayBounds(from: string, to: string, zones: readonly string[] = []): SQL {
  let lo = new Date(Date.parse(`${from}T00:00:00Z`) - 86_400_000).toISOString();
  let hi = new Date(Date.parse(`${addDays(to, 1)}T00:00:00Z`) + 86_400_000).toISOString();
  if (zones.length) {
    const starts = zones.map((z) => startOfDay(from, z).getTime());
    const ends = zones.map((z) => startOfDay(addDays(to, 1), z).getTime());
    lo = new Date(Math.min(...starts)).toISOString();
    hi = new Date(Math.max(...ends)).toISOString();
  }
  return sql`e.created_at >= ${lo}::timestamptz AND e.created_at < ${hi}::timestamptz
    AND e.created_at >= (${from}::date::timestamp AT TIME ZONE s.time_zone) AND e.created_at < ((${to}::date + 1)::timestamp AT TIME ZONE s.time_zone)`;
}

/**
 * CTEs ending in `fig(school_id, day, pupils_fed, ben_fed, g14_fed, sales, subsidy, shifts)`: per
 * school and day from..to, computed from the ledger (only days with entries; `schools` limits it).
 * Pupils fed: distinct accounts with a sale; beneficiaries fed: of those, accounts of a sale whose
 * receipt has a subsidy entry (entries.receipt_id on both); grades 1–4 by today's class.
 */
export function dayFigures(from: string, to: string, zones: readonly string[], schools?: readonly string[]): SQL {
  const only = schools ? sql`AND e.school_id = ANY(${textArray(schools)}::text[])` : sql``;
  return sql`
    d AS (
      SELECT e.school_id, (e.created_at AT TIME ZONE s.time_zone)::date AS day, e.kind, e.account_number, e.amount, e.receipt_id, e.terminal_id, e.shift_id
      FROM schools s JOIN entries e ON e.school_id = s.id
      WHERE ${localDayBounds(from, to, zones)} AND e.applied AND e.kind IN ('sale', 'subsidy') ${only}),
    fed AS (
      SELECT f.school_id, f.day, count(*) AS n, count(*) FILTER (WHERE ${GRADE_1_4}) AS g14
      FROM (SELECT school_id, day, account_number FROM d WHERE kind = 'sale' GROUP BY 1, 2, 3) f
      LEFT JOIN accounts a ON a.account_number = f.account_number LEFT JOIN students st ON st.id = a.student_id
      GROUP BY 1, 2),
    ben AS (
      SELECT d.school_id, d.day, count(DISTINCT d.account_number) AS n
      FROM d JOIN (SELECT DISTINCT school_id, receipt_id FROM d WHERE kind = 'subsidy') x ON x.school_id = d.school_id AND x.receipt_id = d.receipt_id
      WHERE d.kind = 'sale' GROUP BY 1, 2),
    money AS (
      SELECT school_id, day, coalesce(-sum(amount) FILTER (WHERE kind = 'sale'), 0) AS sales, coalesce(-sum(amount) FILTER (WHERE kind = 'subsidy'), 0) AS subsidy,
             coalesce(array_agg(DISTINCT shift_id) FILTER (WHERE shift_id IS NOT NULL AND terminal_id IS NOT NULL), '{}') AS shifts
      FROM d GROUP BY 1, 2),
    fig AS (
      SELECT money.school_id, money.day, coalesce(fed.n, 0) AS pupils_fed, coalesce(ben.n, 0) AS ben_fed, coalesce(fed.g14, 0) AS g14_fed,
             money.sales, money.subsidy, money.shifts
      FROM money LEFT JOIN fed ON fed.school_id = money.school_id AND fed.day = money.day
      LEFT JOIN ben ON ben.school_id = money.school_id AND ben.day = money.day)`;
}

/** Roll-up of school days in (from..to ∩ closed) that are missing (or cut in another zone), and every closed day marked dirty. */
function todoSql(from: string, through: string): SQL {
  return sql`
    SELECT s.id AS school_id, g.day::date::text AS day FROM schools s CROSS JOIN generate_series(${from}::date, ${through}::date, interval '1 day') AS g(day)
    WHERE NOT EXISTS (SELECT 1 FROM report_school_days r WHERE r.school_id = s.id AND r.day = g.day::date AND r.time_zone = s.time_zone)
    UNION
    SELECT school_id, day::text FROM report_dirty_days WHERE day <= ${through}::date`;
}

const ROLLUP_LOCK = 724016016;

/**
 * Makes the roll-up hold every closed day of from..to, as the ledger has it now. Returns the last
 * closed day (days after it are open: compute them from the ledger). One cheap query when nothing
 * is missing; otherwise one transaction (a savepoint in the report's: reportTx's settings apply),
 * serialised with other refreshes by an advisory lock held to its end.
 */
export async function refreshRollup(db: Tx, from: string, to: string, now: Date): Promise<{ through: string | null; zones: string[] }> {
  const r = await rollUp(db, from, to, now);
  return { through: r.through, zones: r.zones };
}

/**
 * Housekeeping's hourly step: the last `days` closed days and every marked day rolled up before a
 * district admin asks (the first page of a day then reads only the roll-up and today's entries).
 */
export async function rollUpRecent(db: Tx, now: Date, days = 31): Promise<number> {
  return reportTx(db, async (tx) => {
    const { through } = await closedThrough(tx, now);
    return through === null ? 0 : (await rollUp(tx, addDays(through, 1 - days), through, now)).recomputed;
  });
}

async function rollUp(db: Tx, from: string, to: string, now: Date): Promise<{ through: string | null; zones: string[]; recomputed: number }> {
  const { through, zones } = await closedThrough(db, now);
  if (through === null) return { through: null, zones, recomputed: 0 };
  const hi = to < through ? to : through;
  // Nothing of the range is closed (today, or a day to come): nothing to roll up for this report.
  if (from > hi) return { through, zones, recomputed: 0 };
  // Cheap test first (an index range on the day, no anti-join): stored rows of the schools' own zones vs schools × days, and marks.
  const days = Math.round((Date.parse(hi) - Date.parse(from)) / 86_400_000) + 1;
  const [pending] = await query<{ n: number | string }>(db, sql`
    SELECT (SELECT count(*) FROM schools) * ${days}::int
         - (SELECT count(*) FROM report_school_days r JOIN schools s ON s.id = r.school_id AND s.time_zone = r.time_zone WHERE r.day BETWEEN ${from}::date AND ${hi}::date)
         + (SELECT count(*) FROM report_dirty_days WHERE day <= ${hi}::date) AS n`);
  if (Number(pending?.n ?? 0) === 0) return { through, zones, recomputed: 0 };
  let recomputed = 0;
  await db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(${ROLLUP_LOCK})`);
    // Read under the lock: the marks seen here are deleted below by id, and the recompute (a later
    // statement, a later snapshot) sees at least the entries committed with them.
    const marks = await query<{ id: number | string }>(tx, sql`SELECT id FROM report_dirty_days WHERE day <= ${hi}::date`);
    const todo = await query<{ school_id: string; day: string }>(tx, todoSql(from, hi));
    if (todo.length === 0) return;
    await recompute(tx, todo, zones);
    recomputed = todo.length;
    if (marks.length) await tx.execute(sql`DELETE FROM report_dirty_days WHERE id = ANY(${textArray(marks.map((m) => String(m.id)))}::bigint[])`);
  });
  return { through, zones, recomputed };
}

/** Recomputes these school days from the ledger, replacing their roll-up rows (zeros for a day without entries). */
async function recompute(tx: Tx, todo: readonly { school_id: string; day: string }[], zones: readonly string[]): Promise<void> {
  let lo = todo[0]!.day, hi = todo[0]!.day;
  for (const t of todo) { if (t.day < lo) lo = t.day; if (t.day > hi) hi = t.day; }
  const schools = [...new Set(todo.map((t) => t.school_id))];
  const keys = sql`k AS (SELECT * FROM unnest(${textArray(todo.map((t) => t.school_id))}::text[], ${textArray(todo.map((t) => t.day))}::date[]) AS k(school_id, day))`;
  await tx.execute(sql`
    WITH ${keys}, ${dayFigures(lo, hi, zones, schools)}
    INSERT INTO report_school_days (school_id, day, time_zone, pupils_fed, beneficiaries_fed, grade14_fed, sales_total, subsidy_total, shifts, computed_at)
    SELECT k.school_id, k.day, s.time_zone, coalesce(fig.pupils_fed, 0), coalesce(fig.ben_fed, 0), coalesce(fig.g14_fed, 0),
           coalesce(fig.sales, 0), coalesce(fig.subsidy, 0), coalesce(fig.shifts, '{}'), now()
    FROM k JOIN schools s ON s.id = k.school_id LEFT JOIN fig ON fig.school_id = k.school_id AND fig.day = k.day
    ON CONFLICT (school_id, day) DO UPDATE SET time_zone = excluded.time_zone, pupils_fed = excluded.pupils_fed,
      beneficiaries_fed = excluded.beneficiaries_fed, grade14_fed = excluded.grade14_fed, sales_total = excluded.sales_total,
      subsidy_total = excluded.subsidy_total, shifts = excluded.shifts, computed_at = excluded.computed_at`);
  await tx.execute(sql`WITH ${keys}
    DELETE FROM report_subsidy_meals m USING k WHERE m.school_id = k.school_id AND m.day = k.day`);
  await tx.execute(sql`
    WITH ${keys}, ${mealRows(lo, hi, schools)}
    INSERT INTO report_subsidy_meals (school_id, day, account_number, item, meals, sum, share, category_id, funding_source)
    SELECT x.school_id, x.day, x.account_number, x.item, sum(x.meals), sum(x.sum), x.share, x.category_id, x.funding
    FROM x JOIN k ON k.school_id = x.school_id AND k.day = x.day
    GROUP BY x.school_id, x.day, x.account_number, x.item, x.share, x.category_id, x.funding`);
}
