import { sql } from 'drizzle-orm';
import type { SyncEntry } from '../../api/sync.js';
import { schoolDay } from '../../core/datetime.js';
import { addDays, ruDay, startOfDay } from '../../core/period.js';
import { query, type Tx } from '../db/open.js';
import { zipRows } from '../db/bulk.js';

/** A sale the budget paid part of: one benefit meal. */
function benefitOf(e: SyncEntry): boolean {
  const subsidy = e.payload.subsidy;
  return e.kind === 'sale' && !!e.accountNumber && typeof subsidy === 'number' && subsidy > 0;
}

/**
 * "Повторная льгота": a benefit sale on an account that already had one that school day, on any
 * till (two tills offline at once can both give it; online they see each other's through the pull).
 * The sale stands (the food was eaten); the flag is for the manager's report. One read of the
 * stored benefit sales for the batch's (account, day) pairs, none when the batch has no benefit sale.
 */
export async function flagRepeatBenefits(
  tx: Tx, schoolId: string, todo: readonly SyncEntry[], timeZone: string,
  flag: (e: SyncEntry, reason: string, message: string, details?: Record<string, unknown>) => void,
): Promise<void> {
  const sales = todo.filter(benefitOf);
  if (!sales.length) return;
  const pairs = new Map<string, { a: string; d: string }>();
  for (const e of sales) {
    const d = schoolDay(e.createdAt, timeZone);
    pairs.set(`${e.accountNumber}|${d}`, { a: e.accountNumber!, d });
  }
  const list = [...pairs.values()];
  const rows = await query<{ a: string; d: string; receipt: string | null }>(tx, sql`
    SELECT t.a, t.d, (SELECT r.number FROM entries e JOIN receipts r ON r.school_id = e.school_id AND r.id = e.receipt_id
        WHERE e.school_id = ${schoolId} AND e.account_number = t.a AND e.created_at >= t.f AND e.created_at < t.u
          AND e.kind = 'sale' AND e.applied AND r.subsidy > 0
          -- refunded: a refund entry of the account since then whose receipt reverses this one
          AND NOT EXISTS (SELECT 1 FROM entries e2 JOIN receipts x ON x.school_id = e2.school_id AND x.id = e2.receipt_id
            WHERE e2.school_id = ${schoolId} AND e2.account_number = t.a AND e2.created_at >= t.f AND e2.kind = 'refund'
              AND x.refund_of = r.id)
        LIMIT 1) AS receipt
    FROM ${zipRows('t', [
      ['a', 'text', list.map((p) => p.a)], ['d', 'text', list.map((p) => p.d)],
      ['f', 'timestamptz', list.map((p) => startOfDay(p.d, timeZone).toISOString())],
      ['u', 'timestamptz', list.map((p) => startOfDay(addDays(p.d, 1), timeZone).toISOString())]])}`);
  const given = new Map<string, string>();
  for (const r of rows) if (r.receipt) given.set(`${r.a}|${r.d}`, r.receipt);
  for (const e of sales) {
    const d = schoolDay(e.createdAt, timeZone);
    const key = `${e.accountNumber}|${d}`;
    const before = given.get(key);
    const number = typeof e.payload.receiptNumber === 'string' ? e.payload.receiptNumber : String(e.receiptId ?? e.uuid);
    if (before !== undefined) {
      flag(e, 'repeatBenefit', `Повторная льгота: Л/С ${e.accountNumber} за ${ruDay(d)} получил льготное питание дважды (чеки ${before} и ${number})`, {
        day: d, firstReceipt: before,
      });
    } else {
      given.set(key, number);
    }
  }
}
