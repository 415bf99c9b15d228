import { sql } from 'drizzle-orm';
import { changes } from './db/schema.js';
import type { Tx } from './db/open.js';

export type ChangeKind =
  | 'account' | 'card' | 'student' | 'category' | 'dish' | 'mealSet'
  | 'benefitCategory' | 'benefitRule' | 'cashier' | 'settings';

export const POKE_CHANNEL = 'canteen_changes';

/**
 * Appends to the change log (pull cursors) and pokes the school's terminals.
 * NOTIFY is transactional: it is delivered only if the caller's transaction commits.
 */
export async function recordChanges(tx: Tx, schoolId: string, kind: ChangeKind, keys: Iterable<string>): Promise<void> {
  const unique = [...new Set(keys)];
  if (unique.length === 0) return;
  await tx.execute(sql`INSERT INTO ${changes} (school_id, kind, key)
    SELECT ${schoolId}, ${kind}, k FROM unnest(${sql.param(unique)}::text[]) AS t(k)`);
  await tx.execute(sql`SELECT pg_notify(${POKE_CHANNEL}, ${schoolId})`);
}
