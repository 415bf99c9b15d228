import { sql } from 'drizzle-orm';
import type { Tx } from '../db/open.js';
import { intArray, textArray } from '../db/bulk.js';

/** One UPDATE per batch with the per-account sums (not one per entry). */
export async function addToBalances(tx: Tx, deltas: Map<string, number>): Promise<void> {
  const list = [...deltas].filter(([, d]) => d !== 0);
  if (list.length === 0) return;
  await tx.execute(sql`UPDATE accounts AS a SET balance = a.balance + v.delta, updated_at = now()
    FROM unnest(${textArray(list.map(([n]) => n))}::text[], ${intArray(list.map(([, d]) => d))}::bigint[]) AS v(account_number, delta)
    WHERE a.account_number = v.account_number`);
}
