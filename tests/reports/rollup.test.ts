import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { schoolDay } from '../../src/core/datetime.js';
import { query } from '../../src/server/db/open.js';
import { districtDayReport } from '../../src/server/reports/district-day.js';
import { reimbursementReport } from '../../src/server/reports/reimbursement.js';
import { daysToMark, rollUpRecent } from '../../src/server/reports/rollup.js';
import { IVANOV, newTerminal, PIZZA, startTestServer, topUpAll, type TestServer, type TestTerminal } from '../sync/harness.js';

/**
 * Issue 16: the district's roll-up (src/server/reports/rollup.ts) is derived from the ledger. A till
 * that was offline pushes yesterday's sales today: push marks the day, the first report rolls it up;
 * dropping the roll-up gives the same pages; a later late sale changes them. Figures are checked
 * against sums computed here from the entries.
 */
const S = 'school-24';
const GRADE_1_4_CARD = 'MF:BCD14264';
const LOW_INCOME_CARD = 'EM:55007E1006';
const BREAKFAST = 'set-breakfast-1-4';
const TZ = 'Europe/Moscow';

let s: TestServer;
let t: TestTerminal;
const now = () => new Date();
const YESTERDAY = schoolDay(new Date(Date.now() - 86_400_000), TZ);
const MONTH = YESTERDAY.slice(0, 7);
// Yesterday at noon in Moscow: the offline till's clock.
const yesterdayNoon = () => new Date(Date.parse(`${YESTERDAY}T09:00:00Z`) + (Date.now() % 60_000));

const rows = <T>(q: ReturnType<typeof sql>) => query<T>(s.handle.db, q);
const n = (v: unknown) => Number(v ?? 0);

/** The day's figures for the school, counted here from the entries. */
async function ledgerDay(day: string) {
  const [r] = await rows<Record<string, unknown>>(sql`
    SELECT count(DISTINCT account_number) FILTER (WHERE kind = 'sale') AS fed,
           -coalesce(sum(amount) FILTER (WHERE kind = 'sale'), 0) AS sales, -coalesce(sum(amount) FILTER (WHERE kind = 'subsidy'), 0) AS subsidy
    FROM entries WHERE school_id = ${S} AND applied AND (created_at AT TIME ZONE ${TZ})::date = ${day}::date`);
  return { pupilsFed: n(r!.fed), salesTotal: n(r!.sales), subsidyTotal: n(r!.subsidy) };
}

async function monthSubsidy() {
  const [r] = await rows<{ t: unknown }>(sql`SELECT -coalesce(sum(amount), 0) AS t FROM entries
    WHERE school_id = ${S} AND applied AND kind = 'subsidy' AND to_char(created_at AT TIME ZONE ${TZ}, 'YYYY-MM') = ${MONTH}`);
  return n(r!.t);
}

const dirty = () => rows<{ day: string }>(sql`SELECT day::text AS day FROM report_dirty_days WHERE school_id = ${S}`);

beforeAll(async () => {
  s = await startTestServer();
  await topUpAll(s.handle, 100_000);
  t = await newTerminal(s, { serviceClock: { now: yesterdayNoon } });
  await t.sell(IVANOV.card, [PIZZA]);
  await t.sell(GRADE_1_4_CARD, [BREAKFAST]);
  await t.client.syncOnce();
}, 180_000);
afterAll(async () => { await t?.close(); await s?.close(); });

describe('the roll-up of closed days', () => {
  it('push marks a day that is already closed; a mark is a day to recompute', async () => {
    expect((await dirty()).map((d) => d.day)).toContain(YESTERDAY);
    // The rule push applies: the day ends within an hour of now or before.
    expect(daysToMark(['2026-11-19T20:59:00Z', '2026-11-19T21:00:00Z'], TZ, new Date('2026-11-20T10:00:00Z'))).toEqual(['2026-11-19']);
    expect(daysToMark(['2026-11-20T20:00:00Z'], TZ, new Date('2026-11-20T20:30:00Z'))).toEqual(['2026-11-20']);
    expect(daysToMark(['2026-11-20T09:00:00Z'], TZ, new Date('2026-11-20T10:00:00Z'))).toEqual([]);
  });

  it('the control page of a closed day equals the ledger, is stored, and the same after the roll-up is dropped', async () => {
    const r1 = await districtDayReport(s.handle.db, YESTERDAY, now());
    const row = r1.schools.find((x) => x.schoolId === S)!;
    expect(row).toMatchObject({ ...(await ledgerDay(YESTERDAY)), beneficiariesFed: 1, grade14Fed: 2, zMissing: 1 });
    expect(r1.trend.at(-1)).toMatchObject({ day: YESTERDAY, ...(await ledgerDay(YESTERDAY)) });
    const [stored] = await rows<Record<string, unknown>>(sql`SELECT pupils_fed, sales_total FROM report_school_days WHERE school_id = ${S} AND day = ${YESTERDAY}::date`);
    expect({ pupilsFed: n(stored!.pupils_fed), salesTotal: n(stored!.sales_total) }).toEqual({ pupilsFed: row.pupilsFed, salesTotal: row.salesTotal });
    expect(await dirty()).toEqual([]);

    const m1 = await reimbursementReport(s.handle.db, MONTH, S, now());
    expect(m1).toMatchObject({ total: await monthSubsidy(), matches: true });

    await s.handle.db.execute(sql`DELETE FROM report_school_days`);
    await s.handle.db.execute(sql`DELETE FROM report_subsidy_meals`);
    expect(await districtDayReport(s.handle.db, YESTERDAY, now())).toEqual(r1);
    expect(await reimbursementReport(s.handle.db, MONTH, S, now())).toEqual(m1);
  });

  it('a late entry for a closed day changes the page and the reimbursement', async () => {
    const before = (await districtDayReport(s.handle.db, YESTERDAY, now())).schools.find((x) => x.schoolId === S)!;
    const m0 = await reimbursementReport(s.handle.db, MONTH, S, now());
    await t.sell(LOW_INCOME_CARD, [BREAKFAST]);
    await t.client.syncOnce();
    expect((await dirty()).map((d) => d.day)).toEqual([YESTERDAY]);

    const after = (await districtDayReport(s.handle.db, YESTERDAY, now())).schools.find((x) => x.schoolId === S)!;
    expect(after).toMatchObject({ ...(await ledgerDay(YESTERDAY)), beneficiariesFed: before.beneficiariesFed + 1 });
    expect(after.pupilsFed).toBe(before.pupilsFed + 1);
    expect(after.salesTotal).toBeGreaterThan(before.salesTotal);
    const m1 = await reimbursementReport(s.handle.db, MONTH, S, now());
    expect(m1.total).toBeGreaterThan(m0.total);
    expect(m1).toMatchObject({ total: await monthSubsidy(), matches: true });
    expect(await dirty()).toEqual([]);
  });

  it('housekeeping rolls up the last closed days before anyone asks, once', async () => {
    await s.handle.db.execute(sql`DELETE FROM report_school_days`);
    const schools = await rows<{ n: unknown }>(sql`SELECT count(*) AS n FROM schools`);
    expect(await rollUpRecent(s.handle.db, now())).toBe(31 * n(schools[0]!.n));
    expect(await rows(sql`SELECT 1 FROM report_school_days WHERE school_id = ${S} AND day = ${YESTERDAY}::date`)).toHaveLength(1);
    expect(await rollUpRecent(s.handle.db, now())).toBe(0);
  });

  it('reports that roll up the same days at once store each day once and agree', async () => {
    const m0 = await reimbursementReport(s.handle.db, MONTH, S, now());
    await s.handle.db.execute(sql`DELETE FROM report_school_days`);
    const [a, b, c] = await Promise.all([
      reimbursementReport(s.handle.db, MONTH, S, now()), reimbursementReport(s.handle.db, MONTH, S, now()), districtDayReport(s.handle.db, YESTERDAY, now()),
    ]);
    expect(a).toEqual(m0);
    expect(b).toEqual(m0);
    expect(c.schools.find((x) => x.schoolId === S)).toMatchObject(await ledgerDay(YESTERDAY));
    expect(await rows(sql`SELECT school_id, day, account_number, item, share, category_id FROM report_subsidy_meals
      GROUP BY 1, 2, 3, 4, 5, 6 HAVING count(*) > 1`)).toEqual([]);
  });

  it('a school moved to another time zone has its days cut again in the new zone', async () => {
    await districtDayReport(s.handle.db, YESTERDAY, now());
    await s.handle.db.execute(sql`UPDATE schools SET time_zone = 'Asia/Vladivostok' WHERE id = ${S}`);
    try {
      await districtDayReport(s.handle.db, YESTERDAY, now());
      const [r] = await rows<{ time_zone: string }>(sql`SELECT time_zone FROM report_school_days WHERE school_id = ${S} AND day = ${YESTERDAY}::date`);
      expect(r!.time_zone).toBe('Asia/Vladivostok');
    } finally {
      await s.handle.db.execute(sql`UPDATE schools SET time_zone = ${TZ} WHERE id = ${S}`);
    }
    await districtDayReport(s.handle.db, YESTERDAY, now());
    const [back] = await rows<{ time_zone: string }>(sql`SELECT time_zone FROM report_school_days WHERE school_id = ${S} AND day = ${YESTERDAY}::date`);
    expect(back!.time_zone).toBe(TZ);
  });

  it('beneficiaries present from attendance, and no figure where the school kept none that day', async () => {
    const r0 = await districtDayReport(s.handle.db, YESTERDAY, now());
    const row0 = r0.schools.find((x) => x.schoolId === S)!;
    expect(row0.beneficiariesPresent).toBeNull();
    const [pupil] = await rows<{ id: string }>(sql`SELECT id FROM students WHERE school_id = ${S} AND active AND cardinality(benefit_category_ids) > 0 ORDER BY id LIMIT 1`);
    const [other] = await rows<{ id: string }>(sql`SELECT id FROM students WHERE school_id = ${S} AND active AND cardinality(benefit_category_ids) = 0 ORDER BY id LIMIT 1`);
    await s.handle.db.execute(sql`INSERT INTO attendance (school_id, student_id, day, present, source, marked_by, marked_at) VALUES
      (${S}, ${pupil!.id}, ${YESTERDAY}, false, 'manual', 'test', now()), (${S}, ${other!.id}, ${YESTERDAY}, false, 'manual', 'test', now())`);
    const r1 = await districtDayReport(s.handle.db, YESTERDAY, now());
    const row1 = r1.schools.find((x) => x.schoolId === S)!;
    expect(row1.beneficiariesPresent).toBe(row1.beneficiariesEntitled - 1);
    expect(r1.totals.beneficiariesPresent).toBe(row1.beneficiariesPresent);
    expect(r1.schools.filter((x) => x.schoolId !== S).every((x) => x.beneficiariesPresent === null)).toBe(true);
  });
});
