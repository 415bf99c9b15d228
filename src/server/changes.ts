import { sql } from 'drizzle-orm';
import { changes, serverSettings } from './db/schema.js';
import { query, type Db, type Tx } from './db/open.js';

export type ChangeKind =
  | 'account' | 'card' | 'student' | 'category' | 'dish' | 'mealSet'
  | 'benefitCategory' | 'benefitRule' | 'cashier' | 'settings'
  /** A fixed order day (key: the day; logged by migration 0019's triggers) and a served order line (key: its id). */
  | 'orderDay' | 'orderServed'
  /** The school's meal sittings (key 'all'; logged by migration 0023's trigger on meal_sittings). */
  | 'sittings';

export const POKE_CHANNEL = 'canteen_changes';

/** server_settings key: change-log rows below this txid were pruned; a pull cursor whose xmin is below it gets a reset. */
export const CHANGES_HORIZON_KEY = 'changes_horizon';

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

/**
 * Deletes change-log rows written before `cutoff` and raises the horizon over them, in one
 * transaction (a pull's REPEATABLE READ snapshot sees both or neither).
 *
 * The horizon H is one above the newest txid among the old rows, and every row with txid < H goes.
 * That is safe for any cursor whose xmin is ≥ H: a transaction below its xmin had finished when
 * the cursor was taken, so the cursor already saw (and the terminal got) what it wrote. A cursor
 * below H gets a full reset (buildPull compares xmin with the horizon). A writer below H still running
 * now keeps its rows (this DELETE cannot see them); a later run removes them. The horizon only rises.
 */
export async function pruneChanges(db: Db, cutoff: Date): Promise<{ deleted: number; horizon: number }> {
  return db.transaction(async (tx) => {
    // greatest(): two server processes pruning at once never lower each other's horizon.
    const [row] = await query<{ horizon: number | string }>(tx, sql`
      INSERT INTO ${serverSettings} (key, value)
      SELECT ${CHANGES_HORIZON_KEY}, coalesce(max(txid) + 1, 0)::text FROM ${changes} WHERE created_at < ${cutoff.toISOString()}
      ON CONFLICT (key) DO UPDATE SET value = greatest(${serverSettings.value}::bigint, excluded.value::bigint)::text
      RETURNING value AS horizon`);
    const horizon = Number(row!.horizon);
    const [gone] = await query<{ n: number | string }>(tx, sql`
      WITH d AS (DELETE FROM ${changes} WHERE txid < ${horizon} RETURNING 1) SELECT count(*) AS n FROM d`);
    return { deleted: Number(gone?.n ?? 0), horizon };
  });
}
