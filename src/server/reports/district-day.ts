import { sql } from 'drizzle-orm';
import type { DistrictDayReport } from '../../api/admin/reports.js';
import { addDays } from '../../core/period.js';
import { query, type Tx } from '../db/open.js';
import { localDaysWhere, num, reportTx } from './range.js';

/**
 * Grades 1–4 by the class name's leading number ("03Б", "4А"; not "10А", "11Б"), without a regular
 * expression: it is evaluated for every pupil of the district.
 */
const GRADE_1_4 = sql`(CASE WHEN left(st.class_name, 1) = '0' THEN substr(st.class_name, 2, 1) IN ('1', '2', '3', '4') AND substr(st.class_name, 3, 1) NOT IN ('0', '1', '2', '3', '4', '5', '6', '7', '8', '9')
  ELSE coalesce(left(st.class_name, 1) IN ('1', '2', '3', '4') AND substr(st.class_name, 2, 1) NOT IN ('0', '1', '2', '3', '4', '5', '6', '7', '8', '9'), false) END)`;

/**
 * The district's daily control (district admin): for every school, the day's pupils fed, beneficiaries
 * fed against those entitled, grades 1–4 coverage, tills silent or holding unsent entries, shifts
 * with sales that day and no Z on the server (or a Z that differs), open flags; and the district's
 * last `trendDays` days for the charts. Grouped in the database: the day's entries of every school
 * (each school's partition of that month), never the rows.
 */
export async function districtDayReport(db: Tx, day: string, now: Date, trendDays = 30): Promise<DistrictDayReport> {
  return reportTx(db, (tx) => districtDayIn(tx, day, now, trendDays));
}

async function districtDayIn(db: Tx, day: string, now: Date, trendDays: number): Promise<DistrictDayReport> {
  const rows = await query<Record<string, unknown> & { school_id: string; code: string; name: string }>(db, sql`
    WITH d AS (
      SELECT e.school_id, e.kind, e.account_number, e.amount, e.receipt_id, e.terminal_id, e.shift_id
      FROM entries e JOIN schools s ON s.id = e.school_id
      WHERE ${localDaysWhere('e', 's', day, day)} AND e.applied AND e.kind IN ('sale', 'subsidy')),
    fed AS (
      SELECT d.school_id, d.account_number, bool_or(${GRADE_1_4}) AS g14
      FROM d LEFT JOIN accounts a ON a.account_number = d.account_number LEFT JOIN students st ON st.id = a.student_id
      WHERE d.kind = 'sale' GROUP BY 1, 2),
    fedc AS (SELECT school_id, count(*) AS n, count(*) FILTER (WHERE g14) AS g14 FROM fed GROUP BY 1),
    -- A beneficiary fed: a sale whose receipt has a subsidy entry (entries.receipt_id on both), without reading receipts.
    ben AS (
      SELECT d.school_id, count(DISTINCT d.account_number) AS n
      FROM d JOIN (SELECT DISTINCT school_id, receipt_id FROM d WHERE kind = 'subsidy') x ON x.school_id = d.school_id AND x.receipt_id = d.receipt_id
      WHERE d.kind = 'sale' GROUP BY 1),
    money AS (
      SELECT school_id, coalesce(-sum(amount) FILTER (WHERE kind = 'sale'), 0) AS sales, coalesce(-sum(amount) FILTER (WHERE kind = 'subsidy'), 0) AS subsidy
      FROM d GROUP BY 1),
    shifts AS (SELECT DISTINCT school_id, shift_id FROM d WHERE shift_id IS NOT NULL AND terminal_id IS NOT NULL),
    z AS (
      SELECT sh.school_id, count(*) FILTER (WHERE z.shift_id IS NULL) AS missing, count(*) FILTER (WHERE NOT z.matches) AS mismatch
      FROM shifts sh LEFT JOIN shift_reports z ON z.school_id = sh.school_id AND z.shift_id = sh.shift_id GROUP BY 1),
    pupils AS (
      SELECT st.school_id, count(*) FILTER (WHERE cardinality(st.benefit_category_ids) > 0) AS entitled, count(*) FILTER (WHERE ${GRADE_1_4}) AS g14
      FROM students st WHERE st.active AND st.archived_at IS NULL GROUP BY 1),
    tills AS (
      SELECT t.school_id, count(*) AS n,
             count(*) FILTER (WHERE t.last_seen_at IS NULL OR t.last_seen_at < ${now.toISOString()}::timestamptz - make_interval(mins => s.stale_after_minutes)) AS silent,
             count(*) FILTER (WHERE coalesce((t.status->>'pendingEntries')::int, 0) > 0) AS unsent
      FROM terminals t JOIN schools s ON s.id = t.school_id
      WHERE t.revoked_at IS NULL AND t.enrolled_at IS NOT NULL GROUP BY 1),
    flags AS (SELECT school_id, count(*) AS n FROM review_flags WHERE resolved_at IS NULL GROUP BY 1)
    SELECT s.id AS school_id, s.code, s.name,
           fedc.n AS pupils_fed, fedc.g14 AS g14_fed,
           ben.n AS ben_fed, pupils.entitled, pupils.g14 AS g14_pupils,
           tills.n AS tills, tills.silent, tills.unsent, z.missing, z.mismatch, flags.n AS flags, money.sales, money.subsidy
    FROM schools s
    LEFT JOIN fedc ON fedc.school_id = s.id LEFT JOIN ben ON ben.school_id = s.id LEFT JOIN money ON money.school_id = s.id LEFT JOIN z ON z.school_id = s.id
    LEFT JOIN pupils ON pupils.school_id = s.id LEFT JOIN tills ON tills.school_id = s.id LEFT JOIN flags ON flags.school_id = s.id
    ORDER BY s.code, s.id`);

  const schools = rows.map((r) => ({
    schoolId: r.school_id, schoolCode: r.code, schoolName: r.name,
    pupilsFed: num(r.pupils_fed), beneficiariesFed: num(r.ben_fed), beneficiariesEntitled: num(r.entitled),
    grade14Fed: num(r.g14_fed), grade14Pupils: num(r.g14_pupils),
    tills: num(r.tills), tillsSilent: num(r.silent), tillsUnsent: num(r.unsent),
    zMissing: num(r.missing), zMismatch: num(r.mismatch), openFlags: num(r.flags),
    salesTotal: num(r.sales), subsidyTotal: num(r.subsidy),
  }));
  const totals = {
    pupilsFed: 0, beneficiariesFed: 0, beneficiariesEntitled: 0, grade14Fed: 0, grade14Pupils: 0, tills: 0, tillsSilent: 0, tillsUnsent: 0,
    zMissing: 0, zMismatch: 0, openFlags: 0, salesTotal: 0, subsidyTotal: 0,
  };
  for (const s of schools) for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += s[k];
  return { day, schools, totals, trend: await districtTrend(db, addDays(day, 1 - trendDays), day) };
}

/** Per school day over the district: pupils fed (each school's distinct accounts, added up), beneficiaries fed, grades 1–4 fed, money. */
export async function districtTrend(db: Tx, from: string, to: string): Promise<DistrictDayReport['trend']> {
  const rows = await query<{ day: string; fed: unknown; ben: unknown; g14: unknown; sales: unknown; subsidy: unknown }>(db, sql`
    WITH d AS (
      SELECT e.school_id, (e.created_at AT TIME ZONE s.time_zone)::date AS day, e.kind, e.account_number, e.amount, e.receipt_id
      FROM entries e JOIN schools s ON s.id = e.school_id
      WHERE ${localDaysWhere('e', 's', from, to)} AND e.applied AND e.kind IN ('sale', 'subsidy')),
    per AS (
      SELECT d.day, d.school_id, d.account_number FROM d WHERE d.kind = 'sale' GROUP BY 1, 2, 3),
    fed AS (
      SELECT per.day, count(*) AS fed, count(*) FILTER (WHERE ${GRADE_1_4}) AS g14
      FROM per LEFT JOIN accounts a ON a.account_number = per.account_number LEFT JOIN students st ON st.id = a.student_id GROUP BY 1),
    ben AS (
      SELECT day, count(*) AS ben FROM (
        SELECT DISTINCT d.day, d.school_id, d.account_number FROM d
        JOIN (SELECT DISTINCT school_id, receipt_id FROM d WHERE kind = 'subsidy') x ON x.school_id = d.school_id AND x.receipt_id = d.receipt_id
        WHERE d.kind = 'sale') b GROUP BY 1),
    money AS (
      SELECT day, coalesce(-sum(amount) FILTER (WHERE kind = 'sale'), 0) AS sales, coalesce(-sum(amount) FILTER (WHERE kind = 'subsidy'), 0) AS subsidy
      FROM d GROUP BY 1)
    SELECT g.day::date::text AS day, fed.fed, ben.ben, fed.g14, money.sales, money.subsidy
    FROM generate_series(${from}::date, ${to}::date, interval '1 day') AS g(day)
    LEFT JOIN fed ON fed.day = g.day::date LEFT JOIN ben ON ben.day = g.day::date LEFT JOIN money ON money.day = g.day::date
    ORDER BY 1`);
  return rows.map((r) => ({
    day: r.day, pupilsFed: num(r.fed), beneficiariesFed: num(r.ben), grade14Fed: num(r.g14), salesTotal: num(r.sales), subsidyTotal: num(r.subsidy),
  }));
}
