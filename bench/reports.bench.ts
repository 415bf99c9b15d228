import { performance } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import { LOCAL_PG, withDb } from './db-targets.js';
import type { Benchmark, BenchResult } from './types.js';
import { percentile, round } from './types.js';
import type { DbHandle } from '../src/server/db/open.js';
import { districtDayReport } from '../src/server/reports/district-day.js';
import { reimbursementReport } from '../src/server/reports/reimbursement.js';
import { refreshRollup } from '../src/server/reports/rollup.js';
import { reportTx } from '../src/server/reports/range.js';

/**
 * Issue 16 on PostgreSQL: the district's daily control page (300 schools, 1,000,000 entries in the
 * month, with its 30-day trend) ≤ 500 ms, and the month's reimbursement ≤ 2,000 ms. The data is
 * made once per run with set-based SQL (generate_series): 300 schools of 500 pupils, two tills
 * each, 714,286 receipts over the month's 21 school days — 40 % free breakfasts of grades 1–4
 * (a sale of 0 and a subsidy entry), 60 % paid dishes — i.e. 1,000,000 entries, plus each shift's Z.
 * The closed days' roll-up is made once after the data (`rollup_s`, as the first report would), and
 * `with_one_late_day_ms` is the control page right after one school's closed day was marked dirty.
 */
const SCHOOLS = Number(process.env.BENCH_REPORT_SCHOOLS ?? 300);
const PUPILS = 500;
const ENTRIES = Number(process.env.BENCH_REPORT_ENTRIES ?? 1_000_000);
const MONTH = '2026-11';
const DAY = '2026-11-20';
const TODAY_NOON = new Date('2026-11-20T12:00:00Z');
const CLAIMED_AT = new Date('2026-12-05T09:00:00Z');

/** A trusted integer inlined (CREATE TABLE AS takes no bind parameters). */
const n = (v: number) => sql.raw(String(Math.trunc(v)));

export async function makeDistrict(h: DbHandle): Promise<void> {
  const db = h.db;
  await db.execute(sql`INSERT INTO schools (id, code, name) SELECT 'sch-' || s, (100 + s)::text, 'Школа №' || (100 + s) FROM generate_series(0, ${SCHOOLS - 1}) s`);
  await db.execute(sql`SELECT canteen_ensure_entry_partitions('sch-' || s, date '2026-10-01', 2) FROM generate_series(0, ${SCHOOLS - 1}) s`);
  await db.execute(sql`INSERT INTO benefit_categories (school_id, id, name, funding_source)
    SELECT 'sch-' || s, c.id, c.name, c.f FROM generate_series(0, ${SCHOOLS - 1}) s,
      (VALUES ('ben-grade-1-4', '1-4 классы', 'regional'), ('ben-low-income', 'малообеспеченные', 'municipal')) AS c(id, name, f)`);
  await db.execute(sql`INSERT INTO benefit_rules (school_id, id, benefit_category_id, meal_set_id, parent_pays)
    SELECT 'sch-' || s, 'rule-' || c.id, c.id, 'set-breakfast', c.p FROM generate_series(0, ${SCHOOLS - 1}) s,
      (VALUES ('ben-grade-1-4', 0), ('ben-low-income', 2000)) AS c(id, p)`);
  await db.execute(sql`INSERT INTO terminals (id, school_id, name, enrolled_at, last_seen_at)
    SELECT 't-' || s || '-' || t, 'sch-' || s, 'Касса ' || t, now(), now() FROM generate_series(0, ${SCHOOLS - 1}) s, generate_series(1, 2) t`);
  // Pupil l of a school is in grade 1 + l % 11; grades 1–4 have the free breakfast; every 10th older pupil is low-income.
  await db.execute(sql`INSERT INTO students (id, school_id, full_name, class_name, benefit_category_ids)
    SELECT 'st-' || k, 'sch-' || (k / ${PUPILS}), 'Ученик ' || k, lpad((1 + (k % ${PUPILS}) % 11)::text, 2, '0') || 'А',
      CASE WHEN (k % ${PUPILS}) % 11 < 4 THEN '{ben-grade-1-4}'::text[] WHEN k % 10 = 0 THEN '{ben-low-income}'::text[] ELSE '{}'::text[] END
    FROM generate_series(0, ${SCHOOLS * PUPILS - 1}) k`);
  await db.execute(sql`INSERT INTO accounts (account_number, school_id, student_id, balance)
    SELECT lpad(k::text, 10, '0'), 'sch-' || (k / ${PUPILS}), 'st-' || k, 0 FROM generate_series(0, ${SCHOOLS * PUPILS - 1}) k`);
  // Receipts: i → school i % S, a school day of the month, a time 07:00–14:00 Moscow; 40 % free breakfasts.
  const receipts = Math.round(ENTRIES / 1.4);
  await db.execute(sql`CREATE TEMP TABLE gen AS
    WITH days AS (SELECT array_agg(d::date ORDER BY d) AS a FROM generate_series(date '2026-11-01', date '2026-11-30', interval '1 day') d
                  WHERE extract(isodow FROM d) < 6)
    SELECT i, i % ${n(SCHOOLS)} AS s, (i % 10) < 4 AS ben,
      (i % ${n(SCHOOLS)}) * ${n(PUPILS)} + CASE WHEN (i % 10) < 4 THEN 11 * ((i / 13) % 45) + (i / 7) % 4 ELSE (i * 7919) % ${n(PUPILS)} END AS k,
      1 + (i / ${n(SCHOOLS)}) % 2 AS t,
      ((days.a[1 + (i * 31) % array_length(days.a, 1)] + time '07:00' + make_interval(secs => (i * 37) % 25200)) AT TIME ZONE 'Europe/Moscow') AS at,
      days.a[1 + (i * 31) % array_length(days.a, 1)] AS day
    FROM generate_series(1::bigint, ${n(receipts)}) i, days`);
  await db.execute(sql`INSERT INTO entries (uuid, school_id, created_at, terminal_id, seq, kind, account_number, amount, shift_id, cashier_id, receipt_id)
    SELECT 'e-' || i, 'sch-' || s, at, 't-' || s || '-' || t, i, 'sale', lpad(k::text, 10, '0'), CASE WHEN ben THEN 0 ELSE -3450 END,
      'sh-' || s || '-' || t || '-' || day, 'c-' || s, 'r-' || i FROM gen
    UNION ALL
    SELECT 's-' || i, 'sch-' || s, at, 't-' || s || '-' || t, i, 'subsidy', NULL, -4961, 'sh-' || s || '-' || t || '-' || day, 'c-' || s, 'r-' || i FROM gen WHERE ben`);
  await db.execute(sql`INSERT INTO receipts (school_id, id, number, kind, terminal_id, entry_uuid, account_number, total, subsidy, issued_at)
    SELECT 'sch-' || s, 'r-' || i, (100 + s) || '-' || lpad(i::text, 7, '0'), 'sale', 't-' || s || '-' || t, 'e-' || i, lpad(k::text, 10, '0'),
      CASE WHEN ben THEN 0 ELSE 3450 END, CASE WHEN ben THEN 4961 ELSE 0 END, at FROM gen`);
  await db.execute(sql`INSERT INTO receipt_lines (school_id, receipt_id, line_no, item_id, item_kind, name, quantity, unit_price, amount, subsidy)
    SELECT 'sch-' || s, 'r-' || i, 1, CASE WHEN ben THEN 'set-breakfast' ELSE 'dish-pizza' END, CASE WHEN ben THEN 'mealSet' ELSE 'dish' END,
      CASE WHEN ben THEN 'Завтрак 1-4 кл.' ELSE 'Пицца' END, 1, CASE WHEN ben THEN 4961 ELSE 3450 END, CASE WHEN ben THEN 0 ELSE 3450 END,
      CASE WHEN ben THEN 4961 ELSE 0 END FROM gen`);
  // Every shift's Z, except every 50th (a till whose Z never arrived).
  await db.execute(sql`INSERT INTO shift_reports (school_id, shift_id, terminal_id, entry_uuid, shift_number, opened_at, closed_at, day, sales_count, sales_total,
      subsidy_total, refunds_count, refunds_total, first_receipt, last_receipt, server, differences, matches)
    SELECT 'sch-' || s, 'sh-' || s || '-' || t || '-' || day, 't-' || s || '-' || t, 'z-' || s || '-' || t || '-' || day, 1, min(at), max(at), day::text,
      count(*), sum(CASE WHEN ben THEN 0 ELSE 3450 END), sum(CASE WHEN ben THEN 4961 ELSE 0 END), 0, 0, NULL, NULL, '{}'::jsonb, '[]'::jsonb, true
    FROM gen GROUP BY s, t, day HAVING hashtext(s || '-' || t || '-' || day) % 50 <> 0`);
  await db.execute(sql`DROP TABLE gen`);
  await db.execute(sql`ANALYZE`);
}

async function timed(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  await fn(); // warm: plans, caches
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

export const benchmarks: Benchmark[] = [
  {
    // One data set for both figures (the names `--filter` matches: report_district_day, report_district_month).
    name: 'report_district_day report_district_month',
    async run() {
      const url = process.env.DATABASE_URL ?? LOCAL_PG;
      return withDb(url, async (h) => {
        const t0 = performance.now();
        await makeDistrict(h);
        const setupS = round((performance.now() - t0) / 1000, 1);
        const [{ n: count } = { n: 0 }] = (await h.db.execute(sql`SELECT count(*)::int AS n FROM entries`) as unknown as { rows: { n: number }[] }).rows;
        // The roll-up of the closed days (src/server/reports/rollup.ts), made once as the first report of
        // the day would make it; timed apart (rollup_s). The control page is then "today" (2026-11-20 at
        // noon UTC: its day from the ledger, the 29 days before from the roll-up); the month is claimed
        // after it closed (December).
        const t1 = performance.now();
        await reportTx(h.db, (tx) => refreshRollup(tx, '2026-10-01', '2026-11-30', CLAIMED_AT));
        const rollupS = round((performance.now() - t1) / 1000, 1);
        const day = await timed(5, () => districtDayReport(h.db, DAY, TODAY_NOON, 30));
        const month = await timed(3, () => reimbursementReport(h.db, MONTH, undefined, CLAIMED_AT));
        // A late entry: one school's closed day marked dirty, recomputed by the next page.
        await h.db.execute(sql`INSERT INTO report_dirty_days (school_id, day) VALUES ('sch-7', '2026-11-19')`);
        const t2 = performance.now();
        await districtDayReport(h.db, DAY, TODAY_NOON, 30);
        const lateMs = round(performance.now() - t2, 0);
        const common = { db: h.kind, schools: SCHOOLS, entries: count, setup_s: setupS, rollup_s: rollupS };
        const results: BenchResult[] = [
          { name: 'report_district_day', value: round(percentile(day, 50), 0), unit: 'ms', ...common, max: round(Math.max(...day), 0), runs: day.length, with_one_late_day_ms: lateMs, target: '<= 500' },
          { name: 'report_district_month', value: round(percentile(month, 50), 0), unit: 'ms', ...common, max: round(Math.max(...month), 0), runs: month.length, target: '<= 2000' },
        ];
        return results;
      });
    },
  },
];
