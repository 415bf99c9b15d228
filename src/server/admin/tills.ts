import { and, eq } from 'drizzle-orm';
import type { TillView } from '../../api/admin/tills.js';
import type { TillStatus } from '../../api/sync.js';
import { schools, terminals } from '../db/schema.js';
import type { Tx } from '../db/open.js';
import { HttpError } from '../errors.js';
import { writeAudit, type Actor } from '../audit.js';
import { createEnrollmentCode, revokeTerminal, type NewCode } from '../auth.js';

/** The school's tills with what each reported at its last pull, and a warning for those silent too long. */
export async function listTills(db: Tx, schoolId: string, now: Date): Promise<TillView[]> {
  const [school] = await db.select({ staleAfterMinutes: schools.staleAfterMinutes }).from(schools).where(eq(schools.id, schoolId));
  if (!school) throw new HttpError(404, 'NOT_FOUND', 'Школа не найдена');
  const rows = await db.select().from(terminals).where(eq(terminals.schoolId, schoolId)).orderBy(terminals.name, terminals.id);
  return rows.map((t) => {
    const st = (t.status ?? {}) as Partial<TillStatus> & { clockSkewMs?: number | null };
    const seen = t.lastSeenAt ? new Date(t.lastSeenAt).getTime() : null;
    return {
      id: t.id, name: t.name, receiptSeries: t.receiptSeries, enrolledAt: t.enrolledAt, revokedAt: t.revokedAt, lastSeenAt: t.lastSeenAt,
      lastSeq: t.lastSeq, appVersion: st.appVersion ?? null, update: st.update ?? null, pendingEntries: st.pendingEntries ?? null, lastZAt: st.lastZAt ?? null,
      printer: st.printer ?? null, reader: st.reader ?? null, clockSkewMs: st.clockSkewMs ?? null,
      silentTooLong: !t.revokedAt && t.enrolledAt !== null && (seen === null || now.getTime() - seen > school.staleAfterMinutes * 60_000),
    };
  });
}

export async function newEnrollmentCode(db: Tx, actor: Actor, schoolId: string, opts: { name?: string; terminalId?: string; hours: number }): Promise<NewCode> {
  if (opts.terminalId) await tillAt(db, schoolId, opts.terminalId);
  const code = await createEnrollmentCode(db, {
    schoolId, ttlHours: opts.hours, ...(opts.name ? { terminalName: opts.name } : {}), ...(opts.terminalId ? { terminalId: opts.terminalId } : {}),
  });
  // The code itself never goes into the log.
  await writeAudit(db, actor, { action: 'till.enrollCode', entity: 'till', entityId: code.terminalId, schoolId, after: { terminalId: code.terminalId, terminalName: code.terminalName, expiresAt: code.expiresAt } });
  return code;
}

export async function revokeTill(db: Tx, actor: Actor, schoolId: string, terminalId: string): Promise<void> {
  const before = await tillAt(db, schoolId, terminalId);
  await revokeTerminal(db, terminalId);
  await writeAudit(db, actor, { action: 'till.revoke', entity: 'till', entityId: terminalId, schoolId, before: { revokedAt: before.revokedAt }, after: { revoked: true } });
}

async function tillAt(db: Tx, schoolId: string, terminalId: string) {
  const [t] = await db.select().from(terminals).where(and(eq(terminals.id, terminalId), eq(terminals.schoolId, schoolId)));
  if (!t) throw new HttpError(404, 'NOT_FOUND', 'Касса не найдена в этой школе');
  return t;
}
