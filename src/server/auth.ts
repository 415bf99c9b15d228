import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { EnrollResponse } from '../api/sync.js';
import { enrollmentCodes, schools, terminals } from './db/schema.js';
import type { Db, Tx } from './db/open.js';
import { HttpError } from './errors.js';
import type { TerminalIdentity } from './ledger/push.js';
import { schoolPinPepper } from './pins.js';
import { POKE_CHANNEL } from './changes.js';
import { newEnrollmentCode, newToken, normaliseCode, sha256Hex } from './tokens.js';

/** Bearer token → the enrolled, not revoked terminal; 401 with a Russian reason otherwise. */
export async function authenticateTerminal(db: Tx, token: string | undefined): Promise<TerminalIdentity> {
  if (!token) throw new HttpError(401, 'UNAUTHORIZED', 'Нет токена кассы (заголовок Authorization: Bearer …)');
  const [row] = await db.select({ id: terminals.id, schoolId: terminals.schoolId, name: terminals.name, revokedAt: terminals.revokedAt })
    .from(terminals).where(eq(terminals.tokenHash, sha256Hex(token)));
  if (!row) throw new HttpError(401, 'UNAUTHORIZED', 'Неизвестный токен кассы: зарегистрируйте кассу заново (canteen terminal enroll)');
  if (row.revokedAt) throw new HttpError(401, 'UNAUTHORIZED', 'Токен кассы отозван администратором');
  return { id: row.id, schoolId: row.schoolId, name: row.name };
}

export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m?.[1];
}

export interface NewCode { code: string; terminalId: string; terminalName: string; expiresAt: string }

/**
 * One-time enrolment code for a terminal of a school. With an existing
 * terminalId it re-enrols that terminal (new token, same lastSeq and history);
 * otherwise the terminal is created when the code is used.
 */
export async function createEnrollmentCode(db: Tx, opts: {
  schoolId: string; terminalId?: string; terminalName?: string; ttlHours?: number;
}): Promise<NewCode> {
  const [school] = await db.select().from(schools).where(eq(schools.id, opts.schoolId));
  if (!school) throw new HttpError(404, 'NOT_FOUND', `Школа ${opts.schoolId} не найдена`);
  let terminalId = opts.terminalId;
  let terminalName = opts.terminalName;
  if (terminalId) {
    const [t] = await db.select().from(terminals).where(eq(terminals.id, terminalId));
    if (t && t.schoolId !== school.id) throw new HttpError(409, 'CONFLICT', `Касса ${terminalId} принадлежит другой школе`);
    terminalName ??= t?.name;
  } else {
    const [{ n } = { n: 0 }] = await db.select({ n: sql<number>`count(*)::int` }).from(terminals).where(eq(terminals.schoolId, school.id));
    terminalId = `terminal-${school.code}-${n + 1}-${newToken().slice(0, 6).toLowerCase()}`;
  }
  terminalName ??= `Касса ${terminalId}`;
  const code = newEnrollmentCode();
  const expiresAt = new Date(Date.now() + (opts.ttlHours ?? 72) * 3600_000).toISOString();
  await db.insert(enrollmentCodes).values({ codeHash: sha256Hex(normaliseCode(code)), schoolId: school.id, terminalId, terminalName, expiresAt });
  return { code, terminalId, terminalName, expiresAt };
}

/** Trades a one-time code for a token (stored as sha256). A used or expired code is refused. */
export async function redeemEnrollmentCode(db: Db, code: string): Promise<EnrollResponse> {
  return db.transaction(async (tx) => {
    const [row] = await tx.select().from(enrollmentCodes)
      .where(and(eq(enrollmentCodes.codeHash, sha256Hex(normaliseCode(code))), isNull(enrollmentCodes.usedAt), gt(enrollmentCodes.expiresAt, sql`now()`)))
      .for('update');
    if (!row) throw new HttpError(401, 'UNAUTHORIZED', 'Код регистрации неверен, уже использован или просрочен');
    // Locks the school: two tills enrolling at once cannot take the same receipt series.
    const [school] = await tx.select().from(schools).where(eq(schools.id, row.schoolId)).for('update');
    const token = newToken();
    const tokenHash = sha256Hex(token);
    const receiptSeries = await seriesFor(tx, row.schoolId, row.terminalId);
    await tx.insert(terminals).values({ id: row.terminalId, schoolId: row.schoolId, name: row.terminalName, tokenHash, enrolledAt: sql`now()`, receiptSeries })
      .onConflictDoUpdate({ target: terminals.id, set: { tokenHash, enrolledAt: sql`now()`, revokedAt: null, name: row.terminalName, receiptSeries } });
    await tx.update(enrollmentCodes).set({ usedAt: sql`now()` }).where(eq(enrollmentCodes.codeHash, row.codeHash));
    return {
      terminalId: row.terminalId, terminalName: row.terminalName,
      schoolId: row.schoolId, schoolCode: school!.code, schoolName: school!.name, token, receiptSeries,
      pinPepper: (await schoolPinPepper(tx, row.schoolId)).toString('base64url'),
    };
  });
}

/**
 * The till's receipt series: the one it has (a re-enrolled till keeps its
 * numbers), else the first free one of "", "2", "3" … in its school. Tills
 * enrolled before series existed (null) print "" and count as holding it.
 */
async function seriesFor(tx: Tx, schoolId: string, terminalId: string): Promise<string> {
  const rows = await tx.select({ id: terminals.id, series: terminals.receiptSeries }).from(terminals).where(eq(terminals.schoolId, schoolId));
  const own = rows.find((r) => r.id === terminalId);
  if (own?.series != null) return own.series;
  const taken = new Set(rows.filter((r) => r.id !== terminalId).map((r) => r.series ?? ''));
  if (!taken.has('')) return '';
  for (let n = 2; ; n++) if (!taken.has(String(n))) return String(n);
}

/** Revokes at once: its token is refused from now on, and its poke socket (in any server process) is closed on the poke this sends. */
export async function revokeTerminal(db: Tx, terminalId: string): Promise<boolean> {
  const rows = await db.update(terminals).set({ revokedAt: sql`now()` }).where(eq(terminals.id, terminalId)).returning({ schoolId: terminals.schoolId });
  if (rows[0]) await db.execute(sql`SELECT pg_notify(${POKE_CHANNEL}, ${rows[0].schoolId})`);
  return rows.length > 0;
}
