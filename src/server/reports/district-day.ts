import { sql } from 'drizzle-orm';
import type { DistrictDayReport } from '../../api/admin/reports.js';
import { addDays } from '../../core/period.js';
import { query, type Tx } from '../db/open.js';
import { num, reportTx } from './range.js';
import { dayFigures, GRADE_1_4, refreshRollup } from './rollup.js';

type Row = Record<string, unknown> & { kind: 'school' | 'trend'; key: string; code: string | null; name: string | null };

/**
 * The district's daily control (district admin): for every school, the day's pupils fed, beneficiaries
 * fed against those entitled and those present (attendance, where the school marks it), grades 1–4
 * coverage, tills silent or holding unsent entries, shifts with sales that day and no Z on the server
 * (or a Z that differs), open flags; and the district's last `trendDays` days for the charts.
 *
 * One statement: closed days come from the roll-up (rollup.ts; made or refreshed first), open days
 * (today) from the ledger; the school rows and the trend points share those figures.
 */
export async function districtDayReport(db: Tx, day: string, now: Date, trendDays = 30): Promise<DistrictDayReport> {
  const from = addDays(day, 1 - trendDays);
  return reportTx(db, async (tx) => districtDayIn(tx, day, from, await refreshRollup(tx, from, day, now), now));
}

async function districtDayIn(db: Tx, day: string, from: string, rolled: { through: string | null; zones: string[] }, now: Date): Promise<DistrictDayReport> {
  const { through, zones } = rolled;
  // Days after `through` are open: from the ledger. The rest from the roll-up.
  const liveFrom = through === null || through < from ? from : addDays(through, 1);
  const rolledTo = through === null ? null : through < day ? through : day;
  const live = liveFrom <= day;
  const figs = [
    ...(rolledTo !== null && rolledTo >= from ? [sql`SELECT school_id, day, pupils_fed, beneficiaries_fed AS ben_fed, grade14_fed AS g14_fed, sales_total AS sales,
        subsidy_total AS subsidy, shifts FROM report_school_days WHERE day BETWEEN ${from}::date AND ${rolledTo}::date`] : []),
    ...(live ? [sql`SELECT school_id, day, pupils_fed, ben_fed, g14_fed, sales, subsidy, shifts FROM fig`] : []),
  ];
  const figsSql = figs.length ? sql.join(figs, sql` UNION ALL `)
    : sql`SELECT NULL::text AS school_id, NULL::date AS day, 0 AS pupils_fed, 0 AS ben_fed, 0 AS g14_fed, 0 AS sales, 0 AS subsidy, '{}'::text[] AS shifts WHERE false`;
  const rows = await query<Row>(db, sql`
    WITH ${live ? sql`${dayFigures(liveFrom, day, zones)},` : sql``}
    figs AS (${figsSql}),
    today AS (SELECT * FROM figs WHERE day = ${day}::date),
    z AS (
      SELECT t.school_id, count(*) FILTER (WHERE z.shift_id IS NULL) AS missing, count(*) FILTER (WHERE NOT z.matches) AS mismatch
      FROM today t CROSS JOIN unnest(t.shifts) AS sh(id) LEFT JOIN shift_reports z ON z.school_id = t.school_id AND z.shift_id = sh.id GROUP BY 1),
    pupils AS (
      SELECT st.school_id, count(*) FILTER (WHERE cardinality(st.benefit_category_ids) > 0) AS entitled, count(*) FILTER (WHERE ${GRADE_1_4}) AS g14
      FROM students st WHERE st.active AND st.archived_at IS NULL GROUP BY 1),
    -- Attendance of the day (orders module): a school keeps it when it has any mark that day; present = entitled − marked absent.
    att AS (
      SELECT s.id AS school_id, count(*) FILTER (WHERE NOT a.present AND st.active AND st.archived_at IS NULL AND cardinality(st.benefit_category_ids) > 0) AS ben_absent
      FROM schools s JOIN attendance a ON a.school_id = s.id AND a.day = ${day}::date JOIN students st ON st.id = a.student_id GROUP BY 1),
    tills AS (
      SELECT t.school_id, count(*) AS n,
             count(*) FILTER (WHERE t.last_seen_at IS NULL OR t.last_seen_at < ${now.toISOString()}::timestamptz - make_interval(mins => s.stale_after_minutes)) AS silent,
             count(*) FILTER (WHERE coalesce((t.status->>'pendingEntries')::int, 0) > 0) AS unsent
      FROM terminals t JOIN schools s ON s.id = t.school_id
      WHERE t.revoked_at IS NULL AND t.enrolled_at IS NOT NULL GROUP BY 1),
    flags AS (SELECT school_id, count(*) AS n FROM review_flags WHERE resolved_at IS NULL GROUP BY 1)
    SELECT 'school' AS kind, s.id AS key, s.code, s.name,
           today.pupils_fed, today.g14_fed, today.ben_fed, pupils.entitled, pupils.g14 AS g14_pupils,
           CASE WHEN att.school_id IS NULL THEN NULL ELSE coalesce(pupils.entitled, 0) - att.ben_absent END AS ben_present,
           tills.n AS tills, tills.silent, tills.unsent, z.missing, z.mismatch, flags.n AS flags, today.sales, today.subsidy
    FROM schools s
    LEFT JOIN today ON today.school_id = s.id LEFT JOIN z ON z.school_id = s.id LEFT JOIN pupils ON pupils.school_id = s.id
    LEFT JOIN att ON att.school_id = s.id LEFT JOIN tills ON tills.school_id = s.id LEFT JOIN flags ON flags.school_id = s.id
    UNION ALL
    SELECT 'trend', g.day::date::text, NULL, NULL, t.fed, t.g14, t.ben, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, t.sales, t.subsidy
    FROM generate_series(${from}::date, ${day}::date, interval '1 day') AS g(day)
    LEFT JOIN (SELECT day, sum(pupils_fed) AS fed, sum(g14_fed) AS g14, sum(ben_fed) AS ben, sum(sales) AS sales, sum(subsidy) AS subsidy
               FROM figs GROUP BY 1) t ON t.day = g.day::date
    ORDER BY 1, 3, 2`);

  const schools = rows.filter((r) => r.kind === 'school').map((r) => ({
    schoolId: r.key, schoolCode: r.code ?? '', schoolName: r.name ?? '',
    pupilsFed: num(r.pupils_fed), beneficiariesFed: num(r.ben_fed), beneficiariesEntitled: num(r.entitled),
    beneficiariesPresent: r.ben_present == null ? null : num(r.ben_present),
    grade14Fed: num(r.g14_fed), grade14Pupils: num(r.g14_pupils),
    tills: num(r.tills), tillsSilent: num(r.silent), tillsUnsent: num(r.unsent),
    zMissing: num(r.missing), zMismatch: num(r.mismatch), openFlags: num(r.flags),
    salesTotal: num(r.sales), subsidyTotal: num(r.subsidy),
  }));
  const totals = {
    pupilsFed: 0, beneficiariesFed: 0, beneficiariesEntitled: 0, grade14Fed: 0, grade14Pupils: 0, tills: 0, tillsSilent: 0, tillsUnsent: 0,
    zMissing: 0, zMismatch: 0, openFlags: 0, salesTotal: 0, subsidyTotal: 0,
  };
  let present: number | null = null;
  for (const s of schools) {
    for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += s[k];
    // Only schools that keep attendance add to the present total; none: no figure.
    if (s.beneficiariesPresent !== null) present = (present ?? 0) + s.beneficiariesPresent;
  }
  const trend = rows.filter((r) => r.kind === 'trend').map((r) => ({
    day: r.key, pupilsFed: num(r.pupils_fed), beneficiariesFed: num(r.ben_fed), grade14Fed: num(r.g14_fed), salesTotal: num(r.sales), subsidyTotal: num(r.subsidy),
  }));
  return { day, schools, totals: { ...totals, beneficiariesPresent: present }, trend };
}
