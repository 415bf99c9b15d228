import { and, desc, eq, isNull } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import type { Tx } from '../db/open.js';
import { terminals } from '../db/schema.js';
import { tillDiagnostics } from '../db/releases-schema.js';
import { HttpError } from '../errors.js';
import { SYNC_PATHS } from '../../api/sync.js';

/**
 * Remote help (issue 18): the console asks a till for a diagnostic bundle; the
 * till learns it with its next pull (header x-canteen-diagnostics) and sends it
 * to /api/v1/sync/diagnostics/<id>. The bundle is what the till built
 * (src/terminal/diagnostics.ts); the server keeps it as sent, for the console.
 */

export { DIAGNOSTICS_HEADER } from '../../api/sync.js';
export const DIAGNOSTICS_PATH = SYNC_PATHS.diagnostics;
/** A bundle is small (1,000 short log lines and a few objects); a till sending more is refused. */
export const DIAGNOSTICS_BODY_LIMIT = 1024 * 1024;

export async function requestDiagnostics(db: Tx, schoolId: string, terminalId: string, requestedBy: string): Promise<{ id: string; requestedAt: string }> {
  const [till] = await db.select({ id: terminals.id, revokedAt: terminals.revokedAt }).from(terminals).where(and(eq(terminals.id, terminalId), eq(terminals.schoolId, schoolId)));
  if (!till) throw new HttpError(404, 'NOT_FOUND', 'Касса не найдена в этой школе');
  if (till.revokedAt) throw new HttpError(409, 'CONFLICT', 'Токен кассы отозван: она не выходит на связь');
  const id = uuidv7();
  const [row] = await db.insert(tillDiagnostics).values({ id, terminalId, schoolId, requestedBy }).returning({ requestedAt: tillDiagnostics.requestedAt });
  await db.update(terminals).set({ diagnosticsRequest: id }).where(eq(terminals.id, terminalId));
  return { id, requestedAt: row!.requestedAt };
}

/** The till's upload: only the bundle asked of this till, once. */
export async function storeDiagnostics(db: Tx, terminalId: string, id: string, bundle: unknown): Promise<void> {
  const r = await db.update(tillDiagnostics).set({ uploadedAt: new Date().toISOString(), bundle })
    .where(and(eq(tillDiagnostics.id, id), eq(tillDiagnostics.terminalId, terminalId), isNull(tillDiagnostics.uploadedAt))).returning({ id: tillDiagnostics.id });
  if (r.length === 0) throw new HttpError(404, 'NOT_FOUND', 'Диагностику у этой кассы не запрашивали (или она уже получена)');
  await db.update(terminals).set({ diagnosticsRequest: null }).where(and(eq(terminals.id, terminalId), eq(terminals.diagnosticsRequest, id)));
}

export async function latestDiagnostics(db: Tx, schoolId: string, terminalId: string) {
  const [row] = await db.select().from(tillDiagnostics).where(and(eq(tillDiagnostics.terminalId, terminalId), eq(tillDiagnostics.schoolId, schoolId)))
    .orderBy(desc(tillDiagnostics.requestedAt)).limit(1);
  if (!row) throw new HttpError(404, 'NOT_FOUND', 'Диагностику этой кассы ещё не запрашивали');
  return { id: row.id, requestedAt: row.requestedAt, requestedBy: row.requestedBy, uploadedAt: row.uploadedAt, bundle: (row.bundle ?? null) as Record<string, unknown> | null };
}
