import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestDb } from '../server/helpers.js';
import type { DbHandle } from '../../src/server/db/open.js';
import { query } from '../../src/server/db/open.js';
import { FX, seedOrderSchool, type FixturePupil } from './fixture.js';
import { orderPlan, reservedOf, setPreOrder } from '../../src/server/orders/pre-orders.js';
import { runDueFixes } from '../../src/server/orders/scheduler.js';
import { fixDay } from '../../src/server/orders/fix.js';
import { attendance } from '../../src/server/db/orders-schema.js';
import { reconcile } from '../../src/server/admin/reconcile.js';

/**
 * Pre-orders, reservations and the fix at the cutoff under a fake clock (PGlite; PostgreSQL with
 * DATABASE_URL). Day: Tuesday 2026-12-08, cutoff 08:00 Moscow (05:00 UTC) the same day.
 */
const DAY = '2026-12-08';
const BEFORE = new Date('2026-12-07T10:00:00Z');
const AFTER = new Date('2026-12-08T05:00:00Z');

let h: DbHandle;
let P: FixturePupil[];   // 03А: 0 beneficiary, 1 primary, 2 primary absent; 07Б: 3, 4, 5

const balance = async (acc: string) => Number((await query<{ b: number }>(h.db, sql`SELECT balance AS b FROM accounts WHERE account_number = ${acc}`))[0]!.b);
const entriesOf = async (schoolId: string) => query<{ kind: string; account_number: string | null; amount: number | string; payload: Record<string, unknown> }>(h.db,
  sql`SELECT kind, account_number, amount, payload FROM entries WHERE school_id = ${schoolId} AND kind IN ('orderCharge', 'subsidy') AND payload->>'day' = ${DAY} ORDER BY kind, amount`);

beforeAll(async () => {
  h = await createTestDb();
  P = await seedOrderSchool(h.db, { beneficiaries: 1 });
}, 180_000);
afterAll(async () => { await h?.close(); });

describe('pre-orders and reservations', () => {
  it('orders, changes and cancels before the cutoff; доступно = balance − reservations', async () => {
    const acc = P[3]!.account;
    expect(await setPreOrder(h.db, acc, { day: DAY, sittingId: FX.lunch, mealSetId: FX.setLunchB }, BEFORE)).toEqual({ ok: true, amount: FX.priceLunchB });
    expect((await reservedOf(h.db, [acc])).get(acc)).toBe(FX.priceLunchB);
    expect(await setPreOrder(h.db, acc, { day: DAY, sittingId: FX.lunch, mealSetId: FX.setLunchA }, BEFORE)).toEqual({ ok: true, amount: FX.priceLunchA });
    let plan = (await orderPlan(h.db, acc, BEFORE))!;
    expect(plan.reserved).toBe(FX.priceLunchA);
    expect(plan.available).toBe(100_000 - FX.priceLunchA);
    expect(plan.days[0]!.day).toBe('2026-12-07');
    expect(plan.days.find((d) => d.day === DAY)!.sittings.find((s) => s.sittingId === FX.lunch)!.chosen).toBe(FX.setLunchA);
    expect(await setPreOrder(h.db, acc, { day: DAY, sittingId: FX.lunch, mealSetId: null, cancel: true }, BEFORE)).toEqual({ ok: true, amount: 0 });
    expect((await reservedOf(h.db, [acc])).get(acc)).toBeUndefined();
    await setPreOrder(h.db, acc, { day: DAY, sittingId: FX.lunch, mealSetId: FX.setLunchA }, BEFORE);
    plan = (await orderPlan(h.db, acc, BEFORE))!;
    expect(plan.available).toBe(100_000 - FX.priceLunchA);
    // Saturdays and Sundays are not order days; two weeks ahead at most.
    expect(plan.days.some((d) => d.day === '2026-12-12')).toBe(false);
    expect(plan.days.at(-1)!.day <= '2026-12-21').toBe(true);
  });

  it('refuses what breaks the rules with a Russian reason and changes nothing', async () => {
    const acc = P[4]!.account;
    const after = await setPreOrder(h.db, acc, { day: DAY, sittingId: FX.lunch, mealSetId: FX.setLunchA }, AFTER);
    expect(after).toEqual({ ok: false, message: expect.stringContaining('уже закрыт') as string });
    const cancelAfter = await setPreOrder(h.db, P[3]!.account, { day: DAY, sittingId: FX.lunch, mealSetId: null, cancel: true }, AFTER);
    expect(cancelAfter.ok).toBe(false);
    expect((await setPreOrder(h.db, acc, { day: '2026-12-12', sittingId: FX.lunch, mealSetId: FX.setLunchA }, BEFORE)).ok).toBe(false);
    expect((await setPreOrder(h.db, acc, { day: DAY, sittingId: FX.lunch, mealSetId: FX.setBreakfast }, BEFORE))).toEqual({ ok: false, message: 'Этого комплекса нет в меню на выбранный день' });
    // The beneficiary may only decline the entitled lunch.
    const ben = await setPreOrder(h.db, P[0]!.account, { day: DAY, sittingId: FX.lunch, mealSetId: FX.setLunchB }, BEFORE);
    expect(ben.ok).toBe(false);
    expect((await reservedOf(h.db, [acc, P[0]!.account])).size).toBe(0);
    // Not more than is available: 1 000 ₽ buys five lunches at 180 ₽, not six.
    const days = (await orderPlan(h.db, P[5]!.account, BEFORE))!.days.filter((d) => d.editable).slice(0, 6);
    const out = [];
    for (const d of days) out.push(await setPreOrder(h.db, P[5]!.account, { day: d.day, sittingId: FX.lunch, mealSetId: FX.setLunchB }, BEFORE));
    expect(out.map((o) => o.ok)).toEqual([true, true, true, true, true, false]);
    expect(out[5]).toEqual({ ok: false, message: 'Недостаточно средств: доступно 100,00 ₽, комплекс стоит 180,00 ₽. Пополните счёт.' });
    for (const d of days.slice(0, 5)) await setPreOrder(h.db, P[5]!.account, { day: d.day, sittingId: FX.lunch, mealSetId: null, cancel: true }, BEFORE);
  });
});

describe('the fix at the cutoff', () => {
  it('does nothing before the cutoff', async () => {
    const ran = await runDueFixes(h.db, BEFORE);
    expect(ran.filter((r) => r.schoolId === FX.school && r.day === DAY)).toEqual([]);
  });

  it('fixes by itself: pre-orders charged, beneficiary and grades 1–4 subsidised, absent pupils cost nothing; twice = once', async () => {
    await h.db.insert(attendance).values({ schoolId: FX.school, studentId: P[2]!.id, day: DAY, present: false, source: 'manual', markedBy: 't' });
    const before = await Promise.all(P.map((p) => balance(p.account)));
    const ran = await runDueFixes(h.db, AFTER);
    const mine = ran.find((r) => r.schoolId === FX.school && r.day === DAY)!;
    expect(mine.result).toEqual({ classes: 2, lines: 3, charged: 2, subsidised: 2 });
    const lines = await query<{ student_id: string; sitting_id: string; meal_set_id: string; parent_amount: number | string; subsidy_amount: number | string; basis: string; funding_source: string | null }>(h.db,
      sql`SELECT student_id, sitting_id, meal_set_id, parent_amount, subsidy_amount, basis, funding_source FROM order_lines WHERE school_id = ${FX.school} AND day = ${DAY} ORDER BY student_id`);
    expect(lines.map((l) => [l.student_id, l.sitting_id, l.meal_set_id, Number(l.parent_amount), Number(l.subsidy_amount), l.basis, l.funding_source])).toEqual([
      [P[0]!.id, FX.lunch, FX.setLunchA, FX.benefitParentPays, FX.priceLunchA - FX.benefitParentPays, 'benefit', 'regional'],
      [P[1]!.id, FX.breakfast, FX.setBreakfast, 0, FX.priceBreakfast, 'primary', 'federal'],
      [P[3]!.id, FX.lunch, FX.setLunchA, FX.priceLunchA, 0, 'preOrder', null],
    ]);
    const after = await Promise.all(P.map((p) => balance(p.account)));
    expect(after.map((b, i) => before[i]! - b)).toEqual([FX.benefitParentPays, 0, 0, FX.priceLunchA, 0, 0]);
    expect((await reservedOf(h.db, [P[3]!.account])).size).toBe(0);
    const e1 = await entriesOf(FX.school);
    expect(e1.map((e) => [e.kind, e.account_number, Number(e.amount), e.payload.fundingSource ?? null])).toEqual([
      ['orderCharge', P[3]!.account, -FX.priceLunchA, null],
      ['orderCharge', P[0]!.account, -FX.benefitParentPays, null],
      ['subsidy', null, -(FX.priceLunchA - FX.benefitParentPays), 'regional'],
      ['subsidy', null, -FX.priceBreakfast, 'federal'],
    ]);

    // Again (a second process, a restart): nothing more.
    expect((await runDueFixes(h.db, AFTER)).find((r) => r.schoolId === FX.school && r.day === DAY)!.result).toEqual({ classes: 0, lines: 0, charged: 0, subsidised: 0 });
    // A fix whose class rows were lost half-way (state reset by hand) writes no entry twice either.
    await h.db.execute(sql`UPDATE class_orders SET state = 'open' WHERE school_id = ${FX.school} AND day = ${DAY}`);
    expect((await fixDay(h.db, FX.school, DAY, { now: AFTER, by: 'auto' }))).toEqual({ classes: 2, lines: 0, charged: 0, subsidised: 0 });
    expect(await entriesOf(FX.school)).toHaveLength(4);
    expect(await Promise.all(P.map((p) => balance(p.account)))).toEqual(after);
    const rec = await reconcile(h.db);
    expect(rec.differences).toEqual([]);
  });

  it('after the fix the day is closed to parents', async () => {
    const res = await setPreOrder(h.db, P[4]!.account, { day: DAY, sittingId: FX.lunch, mealSetId: FX.setLunchA }, BEFORE);
    expect(res.ok).toBe(false);
  });
});
