import { sql, type SQL } from 'drizzle-orm';
import { schoolDay } from '../../core/datetime.js';
import { addDays, startOfDay } from '../../core/period.js';
import { query, type Tx } from '../db/open.js';
import { textArray } from '../db/bulk.js';

export interface TodayElsewhere { day: string; spentElsewhere: number; benefitUsedElsewhere: boolean }

/**
 * Per account, what the server knows happened today (the school's calendar day) on tills other
 * than `terminalId`: sales minus refunds, and whether a benefit sale (one the budget paid part of)
 * was made and not refunded. The pull sends it so a till adds its own entries on top: two online
 * tills then keep one free meal a day and the parents' daily limit between them.
 *
 * One statement over the school's entries of one day (the primary key starts with school_id,
 * created_at), restricted to the given accounts, or all of the school's on a full pull (null).
 */
export async function todayElsewhere(
  tx: Tx, schoolId: string, terminalId: string, timeZone: string, now: Date, accountNumbers: string[] | null,
): Promise<Map<string, TodayElsewhere>> {
  const out = new Map<string, TodayElsewhere>();
  if (accountNumbers && accountNumbers.length === 0) return out;
  const { day, q } = todayElsewhereQuery(schoolId, terminalId, timeZone, now, accountNumbers);
  const rows = await query<{ a: string; spent: number | string; benefit: boolean }>(tx, q);
  for (const r of rows) out.set(r.a, { day, spentElsewhere: Number(r.spent), benefitUsedElsewhere: !!r.benefit });
  return out;
}

/**
 * todayElsewhere's statement (columns a, spent, benefit), for the pull, which joins it to the accounts it
 * reads (one statement instead of two). `accountNumbers` must not be empty.
 */
export function todayElsewhereQuery(
  schoolId: string, terminalId: string, timeZone: string, now: Date, accountNumbers: string[] | null,
): { day: string; q: SQL } {
  const day = schoolDay(now, timeZone);
  const from = startOfDay(day, timeZone).toISOString();
  const to = startOfDay(addDays(day, 1), timeZone).toISOString();
  const only = accountNumbers ? sql`AND e.account_number = ANY(${textArray(accountNumbers)}::text[])` : sql``;
  return { day, q: sql`
    WITH d AS (
      SELECT e.account_number, e.kind, e.amount, e.receipt_id FROM entries e
      WHERE e.school_id = ${schoolId} AND e.created_at >= ${from} AND e.created_at < ${to}
        AND e.kind IN ('sale', 'refund') AND e.applied AND e.account_number IS NOT NULL
        AND e.terminal_id IS DISTINCT FROM ${terminalId} ${only})
    SELECT d.account_number AS a, coalesce(-sum(d.amount), 0) AS spent,
      bool_or(d.kind = 'sale' AND r.subsidy > 0 AND NOT EXISTS (
        SELECT 1 FROM d d2 JOIN receipts x ON x.school_id = ${schoolId} AND x.id = d2.receipt_id
        WHERE d2.kind = 'refund' AND d2.account_number = d.account_number AND x.refund_of = r.id)) AS benefit
    FROM d LEFT JOIN receipts r ON r.school_id = ${schoolId} AND r.id = d.receipt_id
    GROUP BY d.account_number` };
}
