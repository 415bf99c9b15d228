import { and, desc, eq, isNotNull, isNull, sql, type SQL } from 'drizzle-orm';
import { reviewFlags } from '../db/schema.js';
import type { Tx } from '../db/open.js';

export type FlagRow = typeof reviewFlags.$inferSelect;
export type FlagState = 'open' | 'resolved' | 'all';

/** Review flags, newest first: open ones (the default), resolved ones, or both; optionally one school's. */
export async function listFlags(db: Tx, opts: { state?: FlagState; schoolId?: string; limit?: number } = {}): Promise<FlagRow[]> {
  const state = opts.state ?? 'open';
  const where: (SQL | undefined)[] = [
    state === 'open' ? isNull(reviewFlags.resolvedAt) : state === 'resolved' ? isNotNull(reviewFlags.resolvedAt) : undefined,
    opts.schoolId ? eq(reviewFlags.schoolId, opts.schoolId) : undefined,
  ];
  return db.select().from(reviewFlags).where(and(...where))
    .orderBy(desc(reviewFlags.createdAt), desc(reviewFlags.id)).limit(opts.limit ?? 500);
}

export type ResolveResult =
  | { status: 'resolved'; flag: FlagRow }
  | { status: 'already'; flag: FlagRow }
  | { status: 'notFound' };

/**
 * Marks a flag resolved: who, when and why. The flag row stays (it is the record the
 * district audits), and a resolution is written once: resolving it again changes nothing
 * and answers who resolved it first, so one person's note never overwrites another's.
 */
export async function resolveFlag(db: Tx, id: number, by: string, note: string): Promise<ResolveResult> {
  const [done] = await db.update(reviewFlags)
    .set({ resolvedAt: sql`now()`, resolvedBy: by, resolutionNote: note })
    .where(and(eq(reviewFlags.id, id), isNull(reviewFlags.resolvedAt)))
    .returning();
  if (done) return { status: 'resolved', flag: done };
  const [existing] = await db.select().from(reviewFlags).where(eq(reviewFlags.id, id));
  return existing ? { status: 'already', flag: existing } : { status: 'notFound' };
}
