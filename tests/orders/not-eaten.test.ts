import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { createTestDb, enrollDemoTerminal } from '../server/helpers.js';
import { query, type DbHandle } from '../../src/server/db/open.js';
import { FX, seedOrderSchool, type FixturePupil } from './fixture.js';
import { setPreOrder } from '../../src/server/orders/pre-orders.js';
import { fixDay } from '../../src/server/orders/fix.js';
import { releaseNotEaten, runDueNotEaten } from '../../src/server/orders/not-eaten.js';
import { reverseLine } from '../../src/server/orders/reversal.js';
import { tabel } from '../../src/server/orders/tabel.js';
import { productionSheet } from '../../src/server/orders/production.js';
import { applyPush, type TerminalIdentity } from '../../src/server/ledger/push.js';
import { reimbursementReport } from '../../src/server/reports/reimbursement.js';
import { reconcile } from '../../src/server/admin/reconcile.js';
import type { SyncEntry } from '../../src/api/sync.js';

/**
 * «Заказано, не отменено, не съедено» (docs/orders.md "Not eaten"), PGlite and PostgreSQL (DATABASE_URL).
 * Day: Tuesday 2026-12-08; the last sitting (lunch) ends 13:00 Moscow = 10:00 UTC, so the day is settled
 * 24 hours later, 2026-12-09 10:00 UTC. Lines: P0 beneficiary's lunch (30 ₽ parents + 120 ₽ regional), P1 and
 * P2 grades 1–4 breakfast (95 ₽ federal), P3 lunch A, P4 lunch B, P5 lunch A (pre-ordered). The till serves P1 and P3.
 */
const DAY = '2026-12-08';
const BEFORE = new Date('2026-12-07T10:00:00Z');
const AFTER_CUTOFF = new Date('2026-12-08T05:00:00Z');
const NOT_YET = new Date('2026-12-09T09:59:00Z');
const SETTLED = new Date('2026-12-09T10:00:00Z');
const START = 100_000;

let h: DbHandle;
let P: FixturePupil[];
let till: TerminalIdentity;
let seq = 0;

const balance = async (acc: string) => Number((await query<{ b: number }>(h.db, sql`SELECT balance AS b FROM accounts WHERE account_number = ${acc}`))[0]!.b);
const balances = () => Promise.all(P.map((p) => balance(p.account)));
const lineOf = async (studentId: string) => (await query<{ id: string }>(h.db, sql`SELECT id FROM order_lines WHERE student_id = ${studentId} AND day = ${DAY}`))[0]!.id;
const lineEntries = () => query<{ kind: string; account_number: string | null; amount: number | string; line: string }>(h.db, sql`
  SELECT kind, account_number, amount, payload->>'orderLineId' AS line FROM entries
  WHERE school_id = ${FX.school} AND payload ? 'orderLineId' AND kind IN ('orderCharge', 'orderReversal', 'subsidy')`);

function served(p: FixturePupil, lineId: string, at: string): SyncEntry {
  return { uuid: uuidv7(), seq: ++seq, kind: 'orderServed', accountNumber: p.account, amount: 0, createdAt: at, payload: { orderLineId: lineId, day: DAY, by: 'card' } };
}
const push = (entries: SyncEntry[]) => applyPush(h.db, till, { terminalId: till.id, entries });
const setPolicy = (policy: 'charge' | 'release') => h.db.execute(sql`UPDATE order_settings SET not_eaten_policy = ${policy} WHERE school_id = ${FX.school}`);

beforeAll(async () => {
  h = await createTestDb();
  P = await seedOrderSchool(h.db, { beneficiaries: 1, balance: START });
  const t = await enrollDemoTerminal(h, 'till-77-1', FX.school);
  till = { id: t.terminalId, schoolId: FX.school, name: 'Касса 77' };
  for (const [i, set] of [[3, FX.setLunchA], [4, FX.setLunchB], [5, FX.setLunchA]] as const) {
    expect((await setPreOrder(h.db, P[i]!.account, { day: DAY, sittingId: FX.lunch, mealSetId: set }, BEFORE)).ok).toBe(true);
  }
  // Only this day (the scheduler would fix the day before too).
  await fixDay(h.db, FX.school, DAY, { now: AFTER_CUTOFF, by: 'auto' });
  // Served during the day: P1's free breakfast and P3's lunch.
  const res = await push([served(P[1]!, await lineOf(P[1]!.id), '2026-12-08T06:45:00Z'), served(P[3]!, await lineOf(P[3]!.id), '2026-12-08T09:50:00Z')]);
  expect(res.ackSeq).toBe(2);
}, 180_000);
afterAll(async () => { await h?.close(); });

const charged = [START - FX.benefitParentPays, START, START, START - FX.priceLunchA, START - FX.priceLunchB, START - FX.priceLunchA];

describe('the «not eaten» policy', () => {
  it('charge (the default): a settled day stays as fixed', async () => {
    expect(await balances()).toEqual(charged);
    expect(await runDueNotEaten(h.db, SETTLED)).toEqual([]);
    expect(await releaseNotEaten(h.db, FX.school, DAY, { now: SETTLED })).toMatchObject({ lines: 0 });
    expect(await balances()).toEqual(charged);
  });

  it('release: nothing before the day is settled (last sitting + 24 h), then every unserved line is given back once', async () => {
    await setPolicy('release');
    expect(await runDueNotEaten(h.db, NOT_YET)).toEqual([]);
    expect(await balances()).toEqual(charged);

    const ran = await runDueNotEaten(h.db, SETTLED);
    expect(ran).toEqual([{ schoolId: FX.school, day: DAY, result: {
      lines: 4, refunded: 3, refundedSum: FX.benefitParentPays + FX.priceLunchB + FX.priceLunchA,
      subsidyReturned: 2, subsidyReturnedSum: FX.priceLunchA - FX.benefitParentPays + FX.priceBreakfast,
    } }]);
    // P0 (beneficiary), P4, P5 refunded; P3 served keeps the charge; P2's free breakfast returns to the budget.
    expect(await balances()).toEqual([START, START, START, START - FX.priceLunchA, START, START]);

    // The job twice, the day by hand, a restart: nothing more.
    expect(await runDueNotEaten(h.db, SETTLED)).toEqual([]);
    expect(await releaseNotEaten(h.db, FX.school, DAY, { now: new Date('2026-12-10T10:00:00Z') })).toMatchObject({ lines: 0 });
    expect(await balances()).toEqual([START, START, START, START - FX.priceLunchA, START, START]);
    const rev = await query<{ n: number | string }>(h.db, sql`SELECT count(*) AS n FROM order_reversals WHERE school_id = ${FX.school} AND decided_by = 'notEaten'`);
    expect(Number(rev[0]!.n)).toBe(4);
    const e = await lineEntries();
    expect(e.filter((x) => x.kind === 'orderReversal')).toHaveLength(3);
    // The subsidy of the beneficiary's lunch and P2's breakfast reversed: the budget pays only for P1's breakfast.
    const subsidy = e.filter((x) => x.kind === 'subsidy').reduce((s, x) => s + Number(x.amount), 0);
    expect(subsidy).toBe(-FX.priceBreakfast);
  });

  it('a manager cannot reverse a line the policy gave back (one refund per line)', async () => {
    const line = await lineOf(P[4]!.id);
    await expect(h.db.transaction((tx) => reverseLine(tx, { staffId: null, name: 'test' }, FX.school, line, 'ушёл домой', SETTLED)))
      .rejects.toMatchObject({ status: 409 });
  });

  it('a served mark arriving after the release (till offline) charges the line again, once', async () => {
    const late = [served(P[5]!, await lineOf(P[5]!.id), '2026-12-08T09:55:00Z'), served(P[0]!, await lineOf(P[0]!.id), '2026-12-08T09:56:00Z')];
    await push(late);
    expect(await balances()).toEqual([START - FX.benefitParentPays, START, START, START - FX.priceLunchA, START, START - FX.priceLunchA]);
    // The same push again, and another till's mark of the same pupil: nothing more.
    await push(late);
    const t2 = await enrollDemoTerminal(h, 'till-77-2', FX.school);
    await applyPush(h.db, { id: t2.terminalId, schoolId: FX.school, name: 'Касса 77-2' }, { terminalId: t2.terminalId, entries: [
      { ...served(P[5]!, await lineOf(P[5]!.id), '2026-12-08T09:57:00Z'), seq: 1 },
    ] });
    expect(await balances()).toEqual([START - FX.benefitParentPays, START, START, START - FX.priceLunchA, START, START - FX.priceLunchA]);
    const rc = await query<{ line_id: string }>(h.db, sql`SELECT line_id FROM order_recharges WHERE school_id = ${FX.school} ORDER BY line_id`);
    expect(rc.map((r) => r.line_id)).toEqual([await lineOf(P[0]!.id), await lineOf(P[5]!.id)].sort());
    // The policy's next run leaves the re-charged lines alone.
    expect(await runDueNotEaten(h.db, new Date('2026-12-09T11:00:00Z'))).toEqual([]);
    const e = await lineEntries();
    expect(e.filter((x) => x.kind === 'subsidy').reduce((s, x) => s + Number(x.amount), 0)).toBe(-FX.priceBreakfast - (FX.priceLunchA - FX.benefitParentPays));
  });

  it('the табель, the ledger and the reimbursement agree to the kopeck', async () => {
    const e = await lineEntries();
    const lines = await query<{ id: string; class_name: string }>(h.db, sql`SELECT id, class_name FROM order_lines WHERE school_id = ${FX.school}`);
    const classOf = new Map(lines.map((l) => [l.id, l.class_name]));
    for (const cls of ['03А', '07Б']) {
      const mine = e.filter((x) => classOf.get(x.line) === cls);
      const paid = 0 - mine.filter((x) => x.kind !== 'subsidy').reduce((s, x) => s + Number(x.amount), 0);
      const subsidised = 0 - mine.filter((x) => x.kind === 'subsidy').reduce((s, x) => s + Number(x.amount), 0);
      const t = await tabel(h.db, FX.school, cls, '2026-12');
      expect({ paid: t.totals.paid, subsidised: t.totals.subsidised }).toEqual({ paid, subsidised });
    }
    // 03А: P0's lunch (re-charged) and P1's breakfast; 07Б: P3 and P5 (re-charged).
    expect((await tabel(h.db, FX.school, '03А', '2026-12')).totals).toEqual({ meals: 2, paid: FX.benefitParentPays, subsidised: FX.priceBreakfast + FX.priceLunchA - FX.benefitParentPays });
    expect((await tabel(h.db, FX.school, '07Б', '2026-12')).totals).toEqual({ meals: 2, paid: 2 * FX.priceLunchA, subsidised: 0 });

    const r = await reimbursementReport(h.db, '2026-12', FX.school);
    expect(r.matches).toBe(true);
    expect(r.total).toBe(FX.priceBreakfast + FX.priceLunchA - FX.benefitParentPays);
    expect(r.rows.map((x) => [x.fundingSource, x.meals, x.sum]).sort()).toEqual([
      ['federal', 1, FX.priceBreakfast], ['regional', 1, FX.priceLunchA - FX.benefitParentPays],
    ]);
    expect(r.details.some((d) => d.item === 'дотация без чека')).toBe(false);

    // The kitchen cooked every fixed portion: the production sheet keeps the lines the policy gave back.
    const sheet = await productionSheet(h.db, FX.school, DAY);
    expect(sheet.totals.reduce((s, t) => s + t.portions, 0)).toBe(6);
    const rec = await reconcile(h.db);
    expect(rec.differences).toEqual([]);
  });
});
