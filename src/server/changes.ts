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
  for (let i = 0; i < unique.length; i += 10_000) {
    await tx.insert(changes).values(unique.slice(i, i + 10_000).map((key) => ({ schoolId, kind, key })));
  }
  await tx.execute(sql`SELECT pg_notify(${POKE_CHANNEL}, ${schoolId})`);
}
