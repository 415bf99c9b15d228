import { eq, sql } from 'drizzle-orm';
import { schools } from '../db/schema.js';
import type { Tx } from '../db/open.js';
import { HttpError } from '../errors.js';
import { recordChanges } from '../changes.js';

export type SchoolRow = typeof schools.$inferSelect;

/** By id, by code ("24") or by name ("Школа №24", case-insensitive). */
export async function findSchool(db: Tx, ref: string): Promise<SchoolRow | undefined> {
  const r = ref.trim();
  const [row] = await db.select().from(schools)
    .where(sql`${schools.id} = ${r} OR ${schools.code} = ${r} OR lower(${schools.name}) = lower(${r})`).limit(1);
  if (row) return row;
  // "Школа № 24", "МБОУ СОШ №24": the number is the code.
  const m = /№\s*(\d+)/.exec(r);
  if (m) return (await db.select().from(schools).where(eq(schools.code, m[1]!)))[0];
  return undefined;
}

export async function requireSchool(db: Tx, ref: string): Promise<SchoolRow> {
  const s = await findSchool(db, ref);
  if (!s) throw new HttpError(404, 'NOT_FOUND', `Школа «${ref}» не найдена`);
  return s;
}

export async function upsertSchool(db: Tx, s: typeof schools.$inferInsert): Promise<void> {
  await db.insert(schools).values(s).onConflictDoUpdate({
    target: schools.id,
    set: { name: s.name, code: s.code, timeZone: s.timeZone, cabinetUrl: s.cabinetUrl, overdraftLimit: s.overdraftLimit, staleAfterMinutes: s.staleAfterMinutes },
  });
  await recordChanges(db, s.id, 'settings', [s.id]);
}

/**
 * Creates this month's and the next months' ledger partitions for every school.
 * DDL on the partitioned parent takes strong locks, so this runs off the hot
 * path: at server start, after a school is added, from `canteen server partitions`.
 */
export async function ensurePartitions(db: Tx, months = 3, schoolId?: string): Promise<void> {
  const list = schoolId ? [{ id: schoolId }] : await db.select({ id: schools.id }).from(schools);
  for (const s of list) {
    await db.execute(sql`SELECT canteen_ensure_entry_partitions(${s.id}, (now() AT TIME ZONE 'UTC')::date, ${months})`);
  }
}
