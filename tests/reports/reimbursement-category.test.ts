import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { ReimbursementReport } from '../../src/api/admin/reports.js';
import { recordChanges } from '../../src/server/changes.js';
import { query } from '../../src/server/db/open.js';
import { addStaff, signIn, type ApiClient } from '../server/admin-helpers.js';
import { newTerminal, startTestServer, topUpAll, type TestServer, type TestTerminal } from '../sync/harness.js';

/**
 * Issue 16: the benefit category is recorded with the meal (receipt_lines.benefit_category_id and
 * funding_source, from the till's rule), so a pupil whose category changes mid-month is claimed for each
 * half under the category of that day — and a refund under its sale's.
 */
const S = 'school-24';
const MOROZOVA = 'MF:BCD14264';          // 03А, «1-4 классы» (breakfast free, municipal)
const BREAKFAST = 'set-breakfast-1-4';   // 49,61, all of it the budget's for both categories below
const MONTH = '2026-10';

let s: TestServer;
let t: TestTerminal;
let accountant: ApiClient;
let now = new Date('2026-10-05T07:30:00Z');
const n = (v: unknown) => Number(v ?? 0);

/** The manager closes the shift, the clock moves to the next school day, a shift opens, the cashier sells. */
async function day(iso: string) {
  await t.service.login('9999');
  const z = await t.service.closeShift();
  if (!z.ok) throw new Error(z.error.message);
  now = new Date(iso);
  const open = await t.service.openShift();
  if (!open.ok) throw new Error(open.error.message);
  await t.service.login('1111');
}

beforeAll(async () => {
  s = await startTestServer();
  await topUpAll(s.handle, 100_000);
  t = await newTerminal(s, { serviceClock: { now: () => now } });
  // Same price for both categories: the rule that charged 0 cannot tell them apart, only the record can.
  await s.handle.db.execute(sql`UPDATE benefit_categories SET funding_source = 'regional' WHERE school_id = ${S} AND id = 'ben-large-family'`);
  const first = await t.sell(MOROZOVA, [BREAKFAST]);              // 5 October, «1-4 классы»
  await t.client.syncOnce();

  // Mid-month the pupil's benefit changes to «многодетные» (regional budget); the till learns it by pull.
  await s.handle.db.transaction(async (tx) => {
    const [st] = await query<{ id: string }>(tx, sql`SELECT a.student_id AS id FROM cards c JOIN accounts a ON a.account_number = c.account_number WHERE c.id = ${MOROZOVA}`);
    await tx.execute(sql`UPDATE students SET benefit_category_ids = ARRAY['ben-large-family'] WHERE id = ${st!.id}`);
    await recordChanges(tx, S, 'student', [st!.id]);
    await recordChanges(tx, S, 'benefitCategory', ['ben-large-family']);
  });
  await t.client.syncOnce();
  await day('2026-10-20T07:30:00Z');
  await t.sell(MOROZOVA, [BREAKFAST]);                             // 20 October, «многодетные»
  await day('2026-10-21T07:30:00Z');
  await t.sell(MOROZOVA, [BREAKFAST]);                             // 21 October, «многодетные»
  // On 21 October, a refund of the 5 October's meal: returned under the category it was claimed under.
  await t.service.login('9999');
  const back = await t.service.refund(first.receiptId, 'проверка');
  if (!back.ok) throw new Error(back.error.message);
  await day('2026-10-22T07:30:00Z');
  await t.sell(MOROZOVA, [BREAKFAST]);                             // 22 October, «многодетные»
  await t.client.syncOnce();
  await addStaff(s.handle, { login: 'acc24', password: 'acc24-pass-1', grants: [{ role: 'accountant', schoolId: S, classNames: null }] });
  accountant = await signIn(s.url, 'acc24', 'acc24-pass-1');
}, 180_000);
afterAll(async () => { await t?.close(); await s?.close(); });

describe('the benefit category at the time of the meal', () => {
  it('is recorded on the subsidised receipt lines, a refund\'s taken from its sale', async () => {
    const rows = await query<{ kind: string; category: string | null; funding: string | null; n: unknown }>(s.handle.db, sql`
      SELECT r.kind, l.benefit_category_id AS category, l.funding_source AS funding, count(*) AS n
      FROM receipt_lines l JOIN receipts r ON r.school_id = l.school_id AND r.id = l.receipt_id
      WHERE l.school_id = ${S} AND l.subsidy <> 0 GROUP BY 1, 2, 3 ORDER BY 1, 2`);
    expect(rows.map((r) => [r.kind, r.category, r.funding, n(r.n)])).toEqual([
      ['refund', 'ben-grade-1-4', 'municipal', 1],
      ['sale', 'ben-grade-1-4', 'municipal', 1],
      ['sale', 'ben-large-family', 'regional', 3],
    ]);
  });

  it('the reimbursement claims each half under its own category and still equals the subsidy entries', async () => {
    const r = await accountant.call<ReimbursementReport>('GET', `/api/v1/schools/${S}/reports/reimbursement?month=${MONTH}`);
    expect(r.status).toBe(200);
    const by = Object.fromEntries(r.body.rows.map((x) => [x.categoryId, x]));
    expect(by['ben-grade-1-4']).toMatchObject({ fundingSource: 'municipal', meals: 0, sum: 0 });
    expect(by['ben-large-family']).toMatchObject({ fundingSource: 'regional', meals: 3, days: 3, pupils: 1, budgetShare: 4961, sum: 3 * 4961 });
    const [sub] = await query<{ total: unknown }>(s.handle.db, sql`SELECT -sum(amount) AS total FROM entries WHERE school_id = ${S} AND kind = 'subsidy' AND applied`);
    expect(n(sub!.total)).toBe(3 * 4961);
    expect(r.body).toMatchObject({ total: 3 * 4961, subsidyEntriesTotal: 3 * 4961, matches: true });
    const days = r.body.details.map((d) => [d.day, d.categoryName, d.meals]).sort();
    expect(days).toEqual([
      ['2026-10-05', '1-4 классы', 1], ['2026-10-20', 'многодетные', 1], ['2026-10-21', '1-4 классы', -1],
      ['2026-10-21', 'многодетные', 1], ['2026-10-22', 'многодетные', 1],
    ].sort());
  });
});

describe('migration 0021', () => {
  it('backfills lines stored before as the report used to infer: the pupil\'s category of today, a refund\'s from its sale', async () => {
    const { readFileSync } = await import('node:fs');
    const file = readFileSync(new URL('../../migrations/server/0021_receipt_line_benefit.sql', import.meta.url), 'utf8');
    const updates = file.split('--> statement-breakpoint').filter((x) => /^\s*(--.*\n)*\s*UPDATE/.test(x));
    expect(updates).toHaveLength(3);
    await s.handle.db.execute(sql`UPDATE receipt_lines SET benefit_category_id = NULL, funding_source = NULL WHERE school_id = ${S}`);
    for (const u of updates) await s.handle.db.execute(sql.raw(u));
    const rows = await query<{ kind: string; category: string | null; funding: string | null; n: unknown }>(s.handle.db, sql`
      SELECT r.kind, l.benefit_category_id AS category, l.funding_source AS funding, count(*) AS n
      FROM receipt_lines l JOIN receipts r ON r.school_id = l.school_id AND r.id = l.receipt_id
      WHERE l.school_id = ${S} AND l.subsidy <> 0 GROUP BY 1, 2, 3 ORDER BY 1, 2`);
    expect(rows.map((r) => [r.kind, r.category, r.funding, n(r.n)])).toEqual([
      ['refund', 'ben-large-family', 'regional', 1],
      ['sale', 'ben-large-family', 'regional', 4],
    ]);
  });
});
