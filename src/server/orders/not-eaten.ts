import { sql } from 'drizzle-orm';
import { v5 as uuidv5 } from 'uuid';
import { query, type Db, type Tx } from '../db/open.js';
import { parsePgTextArray, textArray, zipRows } from '../db/bulk.js';
import { recordChanges } from '../changes.js';
import { schoolDay } from '../../core/datetime.js';
import { addDays } from '../../core/period.js';
import { lastSittingEnd, NOT_EATEN_GRACE_HOURS, notEatenDueAt } from '../../core/not-eaten.js';
import { getOrderSettings } from './school-facts.js';

/**
 * «Заказано, не отменено, не съедено» (docs/orders.md "Not eaten"). Under the school's `release`
 * policy, once a day is settled (core/not-eaten.ts: its last sitting's end + the grace), every fixed
 * line with a price and no served mark is given back: an `order_reversals` row (`decided_by` =
 * 'notEaten') with an `orderReversal` entry (+parents' share) and a `subsidy` entry (+budget's share),
 * as a manager's reversal would make. Under `charge` nothing happens.
 *
 * Idempotent: the entries' ids are uuid v5 of the line id, and `order_reversals` holds one row per
 * line (a manager's reversal and the policy never both refund a line), so a job run twice, two
 * server processes or a restart refund once. A served mark arriving after the release (a till offline
 * for more than the grace) charges the line again, once (`rechargeLate`, called by the push).
 */

/** A fixed namespace: the ids below are the same on every server and every run. */
const NAMESPACE = '0b6f3a4e-6c1d-5b8e-9a57-2f0d4c1e7a15';

export function notEatenIds(lineId: string) {
  return {
    release: uuidv5(`${lineId}/release`, NAMESPACE),
    releaseSubsidy: uuidv5(`${lineId}/release-subsidy`, NAMESPACE),
    recharge: uuidv5(`${lineId}/recharge`, NAMESPACE),
    rechargeSubsidy: uuidv5(`${lineId}/recharge-subsidy`, NAMESPACE),
  };
}

export const NOT_EATEN_REASON = 'Не выдано: заказ не отменён и не съеден (правило школы — возвращать)';
/** How many days back the job looks (a server down for a while catches up; older days are the manager's). */
const LOOKBACK_DAYS = 14;

export interface NotEatenResult { lines: number; refunded: number; refundedSum: number; subsidyReturned: number; subsidyReturnedSum: number }
const NOTHING: NotEatenResult = { lines: 0, refunded: 0, refundedSum: 0, subsidyReturned: 0, subsidyReturnedSum: 0 };

export async function releaseNotEaten(db: Db, schoolId: string, day: string, opts: { now: Date }): Promise<NotEatenResult> {
  return db.transaction((tx) => releaseNotEatenTx(tx, schoolId, day, opts));
}

export async function releaseNotEatenTx(tx: Tx, schoolId: string, day: string, opts: { now: Date }): Promise<NotEatenResult> {
  const settings = await getOrderSettings(tx, schoolId);
  if (settings.notEatenPolicy !== 'release') return NOTHING;
  const candidates = await query<{ id: string; account_number: string | null }>(tx, sql`
    SELECT l.id, l.account_number FROM order_lines l
    WHERE l.school_id = ${schoolId} AND l.day = ${day} AND (l.parent_amount > 0 OR l.subsidy_amount > 0)
      AND NOT EXISTS (SELECT 1 FROM order_served o WHERE o.line_id = l.id)
      AND NOT EXISTS (SELECT 1 FROM order_reversals r WHERE r.line_id = l.id)`);
  if (!candidates.length) return NOTHING;
  // Locks in a push's order: the accounts (by number, as its claim takes them), then the lines (its
  // servedLinesOf reads them FOR SHARE). A push marking one of these lines either committed before we
  // got the locks (the INSERT below, a new snapshot, sees its mark) or waits for us and then re-charges.
  const accounts = [...new Set(candidates.map((c) => c.account_number).filter((a): a is string => !!a))].sort();
  const ids = candidates.map((c) => c.id).sort();
  if (accounts.length) {
    await tx.execute(sql`SELECT 1 FROM accounts WHERE account_number = ANY(${textArray(accounts)}::text[]) ORDER BY account_number FOR UPDATE`);
  }
  await tx.execute(sql`SELECT 1 FROM order_lines WHERE id = ANY(${textArray(ids)}::text[]) ORDER BY id FOR UPDATE`);

  const keys = ids.map(notEatenIds);
  const at = opts.now.toISOString();
  const [r] = await query<{ lines: number | string; refunded: number | string; refunded_sum: number | string; subsidised: number | string; subsidised_sum: number | string; accs: string[] | string | null }>(tx, sql`
    WITH v AS (SELECT * FROM ${zipRows('v', [['l', 'text', ids], ['e', 'text', keys.map((k) => k.release)], ['s', 'text', keys.map((k) => k.releaseSubsidy)]])}),
    rev AS (
      INSERT INTO order_reversals (line_id, school_id, entry_id, subsidy_entry_id, reason, decided_by, decided_at)
      SELECT v.l, ${schoolId}, v.e, v.s, ${NOT_EATEN_REASON}, 'notEaten', ${at}::timestamptz FROM v
      WHERE NOT EXISTS (SELECT 1 FROM order_served o WHERE o.line_id = v.l)
      ON CONFLICT (line_id) DO NOTHING RETURNING line_id, entry_id, subsidy_entry_id),
    l AS (SELECT ol.*, rev.entry_id AS eid, rev.subsidy_entry_id AS sid FROM rev JOIN order_lines ol ON ol.id = rev.line_id),
    pid AS (
      INSERT INTO entry_ids (uuid, school_id, created_at) SELECT eid, ${schoolId}, ${at}::timestamptz FROM l
      WHERE parent_amount > 0 AND account_number IS NOT NULL ON CONFLICT DO NOTHING RETURNING uuid),
    pe AS (
      INSERT INTO entries (uuid, school_id, created_at, kind, account_number, amount, payload)
      SELECT l.eid, ${schoolId}, ${at}::timestamptz, 'orderReversal', l.account_number, l.parent_amount,
        jsonb_build_object('orderLineId', l.id, 'day', l.day, 'reason', ${NOT_EATEN_REASON}::text, 'notEaten', true,
          'title', 'Возврат за питание по заявке ' || to_char(l.day, 'DD.MM.YYYY') || ': ' || l.meal_set_name || ' (не выдано)')
      FROM l JOIN pid ON pid.uuid = l.eid RETURNING account_number, amount),
    sidc AS (
      INSERT INTO entry_ids (uuid, school_id, created_at) SELECT sid, ${schoolId}, ${at}::timestamptz FROM l
      WHERE subsidy_amount > 0 ON CONFLICT DO NOTHING RETURNING uuid),
    se AS (
      INSERT INTO entries (uuid, school_id, created_at, kind, account_number, amount, payload)
      SELECT l.sid, ${schoolId}, ${at}::timestamptz, 'subsidy', NULL, l.subsidy_amount,
        jsonb_build_object('orderLineId', l.id, 'day', l.day, 'fundingSource', l.funding_source, 'benefitCategoryId', l.benefit_category_id,
          'reversal', true, 'notEaten', true, 'reason', ${NOT_EATEN_REASON}::text)
      FROM l JOIN sidc ON sidc.uuid = l.sid RETURNING amount),
    upd AS (
      UPDATE accounts a SET balance = a.balance + d.s, updated_at = now()
      FROM (SELECT account_number, sum(amount) AS s FROM pe GROUP BY account_number) d
      WHERE a.account_number = d.account_number RETURNING a.account_number)
    SELECT (SELECT count(*) FROM rev) AS lines, (SELECT count(*) FROM pe) AS refunded, (SELECT coalesce(sum(amount), 0) FROM pe) AS refunded_sum,
      (SELECT count(*) FROM se) AS subsidised, (SELECT coalesce(sum(amount), 0) FROM se) AS subsidised_sum,
      (SELECT array_agg(account_number) FROM upd) AS accs`);
  await recordChanges(tx, schoolId, 'account', parsePgTextArray(r?.accs));
  return {
    lines: Number(r?.lines ?? 0), refunded: Number(r?.refunded ?? 0), refundedSum: Number(r?.refunded_sum ?? 0),
    subsidyReturned: Number(r?.subsidised ?? 0), subsidyReturnedSum: Number(r?.subsidised_sum ?? 0),
  };
}

/**
 * The job: every school whose policy is `release`, every day of the last two weeks with fixed lines
 * that is settled by `now` (its last sitting's end + `graceHours`). Run by the orders scheduler next to
 * the fix, and by `canteen server orders-due`; the clock is injected.
 */
export async function runDueNotEaten(db: Db, now: Date, opts: { graceHours?: number } = {}): Promise<{ schoolId: string; day: string; result: NotEatenResult }[]> {
  const schools = await query<{ id: string; tz: string; ends: string[] | string | null }>(db, sql`
    SELECT s.id, s.time_zone AS tz, (SELECT array_agg(m.ends_at) FROM meal_sittings m WHERE m.school_id = s.id AND m.active) AS ends
    FROM schools s JOIN order_settings o ON o.school_id = s.id WHERE o.not_eaten_policy = 'release'`);
  const out: { schoolId: string; day: string; result: NotEatenResult }[] = [];
  for (const s of schools) {
    const today = schoolDay(now, s.tz);
    const lastEnd = lastSittingEnd(parsePgTextArray(s.ends));
    const days = await query<{ day: string }>(db, sql`SELECT DISTINCT day::text AS day FROM order_lines
      WHERE school_id = ${s.id} AND day >= ${addDays(today, -LOOKBACK_DAYS)}::date AND day <= ${today}::date ORDER BY 1`);
    for (const { day } of days) {
      if (now < notEatenDueAt(day, lastEnd, s.tz, opts.graceHours ?? NOT_EATEN_GRACE_HOURS)) continue;
      const result = await releaseNotEaten(db, s.id, day, { now });
      if (result.lines) out.push({ schoolId: s.id, day, result });
    }
  }
  return out;
}

/**
 * A served mark that arrives after its line was released (the push, in its transaction, for the
 * lines it has just marked): the line is charged again, once, with ids made from the line id, and
 * `order_recharges` records it (the табель and the reimbursement count the line as eaten again).
 * Returns the accounts whose balance moved (nothing in the usual case: one statement, no rows).
 */
export async function rechargeLate(tx: Tx, schoolId: string, lineIds: readonly string[]): Promise<string[]> {
  if (!lineIds.length) return [];
  const keys = lineIds.map(notEatenIds);
  const [r] = await query<{ accs: string[] | string | null }>(tx, sql`
    WITH v AS (SELECT * FROM ${zipRows('v', [['l', 'text', lineIds], ['e', 'text', keys.map((k) => k.recharge)], ['s', 'text', keys.map((k) => k.rechargeSubsidy)]])}),
    rc AS (
      INSERT INTO order_recharges (line_id, school_id, entry_id, subsidy_entry_id)
      SELECT v.l, ${schoolId}, v.e, v.s FROM v JOIN order_reversals r ON r.line_id = v.l AND r.decided_by = 'notEaten'
      ON CONFLICT DO NOTHING RETURNING line_id, entry_id, subsidy_entry_id),
    l AS (SELECT ol.*, rc.entry_id AS eid, rc.subsidy_entry_id AS sid FROM rc JOIN order_lines ol ON ol.id = rc.line_id),
    pid AS (
      INSERT INTO entry_ids (uuid, school_id, created_at) SELECT eid, ${schoolId}, now() FROM l
      WHERE parent_amount > 0 AND account_number IS NOT NULL ON CONFLICT DO NOTHING RETURNING uuid),
    pe AS (
      INSERT INTO entries (uuid, school_id, created_at, kind, account_number, amount, payload)
      SELECT l.eid, ${schoolId}, now(), 'orderCharge', l.account_number, -l.parent_amount,
        jsonb_build_object('orderLineId', l.id, 'day', l.day, 'sittingId', l.sitting_id, 'mealSetId', l.meal_set_id, 'recharge', true,
          'title', 'Питание по заявке ' || to_char(l.day, 'DD.MM.YYYY') || ': ' || l.meal_set_name || ' (выдано, отметка кассы пришла после возврата)')
      FROM l JOIN pid ON pid.uuid = l.eid RETURNING account_number, amount),
    sidc AS (
      INSERT INTO entry_ids (uuid, school_id, created_at) SELECT sid, ${schoolId}, now() FROM l
      WHERE subsidy_amount > 0 ON CONFLICT DO NOTHING RETURNING uuid),
    se AS (
      INSERT INTO entries (uuid, school_id, created_at, kind, account_number, amount, payload)
      SELECT l.sid, ${schoolId}, now(), 'subsidy', NULL, -l.subsidy_amount,
        jsonb_build_object('orderLineId', l.id, 'day', l.day, 'fundingSource', l.funding_source, 'benefitCategoryId', l.benefit_category_id,
          'studentId', l.student_id, 'accountNumber', l.account_number, 'recharge', true)
      FROM l JOIN sidc ON sidc.uuid = l.sid RETURNING 1),
    upd AS (
      UPDATE accounts a SET balance = a.balance + d.s, updated_at = now()
      FROM (SELECT account_number, sum(amount) AS s FROM pe GROUP BY account_number) d
      WHERE a.account_number = d.account_number RETURNING a.account_number)
    SELECT (SELECT array_agg(account_number) FROM upd) AS accs, (SELECT count(*) FROM se) AS subsidised`);
  const accs = parsePgTextArray(r?.accs);
  await recordChanges(tx, schoolId, 'account', accs);
  return accs;
}
