import { and, eq, sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { benefitCategories, benefitRules, dishes, mealSets } from '../db/schema.js';
import type { Tx } from '../db/open.js';
import { recordChanges, type ChangeKind } from '../changes.js';
import { checkVersion } from '../audit.js';
import { AUDIT } from './audit-keys.js';

/** The per-school tables the console edits one row at a time: (school_id, id) key and a version. */
type VersionedTable = typeof dishes | typeof mealSets | typeof benefitCategories | typeof benefitRules;

/**
 * Creates a row (no id, or an id not there yet) or edits one: locked, its
 * version checked against the one the console read (409 with what changed),
 * bumped; the tills hear of it through the change log.
 */
export async function saveSchoolRow<T extends VersionedTable>(tx: Tx, table: T, o: {
  schoolId: string; id?: string; version?: number; row: Partial<T['$inferInsert']>; entity: string; change: ChangeKind;
}): Promise<{ before: T['$inferSelect'] | null; after: T['$inferSelect'] }> {
  // The four tables share the columns used here; one of them stands for all in the query builder's types.
  const t = table as unknown as typeof dishes;
  const [before] = o.id ? await tx.select().from(t).where(and(eq(t.schoolId, o.schoolId), eq(t.id, o.id))).for('update') : [];
  let after;
  if (before) {
    await checkVersion(tx, o.entity, AUDIT.key(o.schoolId, before.id), before, o.version ?? 0);
    [after] = await tx.update(t).set({ ...o.row, version: sql`${t.version} + 1` } as never)
      .where(and(eq(t.schoolId, o.schoolId), eq(t.id, before.id))).returning();
  } else {
    [after] = await tx.insert(t).values({ schoolId: o.schoolId, id: o.id ?? uuidv7(), ...o.row } as never).returning();
  }
  await recordChanges(tx, o.schoolId, o.change, [after!.id]);
  return { before: (before ?? null) as T['$inferSelect'] | null, after: after as T['$inferSelect'] };
}
