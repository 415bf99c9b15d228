import { sql } from 'drizzle-orm';
import { query, type Tx } from '../db/open.js';

export interface Difference { accountNumber: string; schoolId: string; balance: number; sum: number; difference: number }

/** Every account's running balance against the sum of its applied entries. */
export async function reconcile(db: Tx): Promise<{ accounts: number; differences: Difference[] }> {
  const rows = await query<{ account_number: string; school_id: string; balance: number; sum: string | number }>(db, sql`
    SELECT a.account_number, a.school_id, a.balance, COALESCE(e.sum, 0)::text AS sum
    FROM accounts a
    LEFT JOIN (SELECT account_number, sum(amount) AS sum FROM entries WHERE applied GROUP BY account_number) e
      ON e.account_number = a.account_number`);
  const differences: Difference[] = [];
  for (const r of rows) {
    const sum = Number(r.sum);
    if (sum !== Number(r.balance)) {
      differences.push({ accountNumber: r.account_number, schoolId: r.school_id, balance: Number(r.balance), sum, difference: Number(r.balance) - sum });
    }
  }
  return { accounts: rows.length, differences };
}
