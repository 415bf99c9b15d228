import { createHmac, timingSafeEqual } from 'node:crypto';
import { and, eq, lte, ne, or, sql } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import { cabinetSessions } from '../db/cabinet-schema.js';
import type { Db, Tx } from '../db/open.js';
import { newToken, sha256Hex } from '../tokens.js';

/** Absolute lifetime and idle timeout of a cabinet session. */
export const SESSION_TTL_MS = 12 * 3600_000;
export const SESSION_IDLE_MS = 30 * 60_000;

export const SESSION_COOKIE = 'cabinet_sid';
/** Binds CSRF tokens of forms shown before login (login, forgot, reset). */
export const PRE_COOKIE = 'cabinet_pre';

export interface Session { idHash: string; accountNumber: string }

export async function createSession(db: Tx, accountNumber: string, now: Date, meta: { ip?: string; userAgent?: string } = {}): Promise<string> {
  const id = newToken();
  await db.insert(cabinetSessions).values({
    idHash: sha256Hex(id), accountNumber, createdAt: now.toISOString(), lastSeenAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + SESSION_TTL_MS).toISOString(),
    ip: meta.ip ?? null, userAgent: meta.userAgent?.slice(0, 300) ?? null,
  });
  return id;
}

/** The live session for a cookie value, or null (unknown, expired, idle too long). Refreshes lastSeen. */
export async function loadSession(db: Tx, id: string | undefined, now: Date): Promise<Session | null> {
  const row = await loadLiveSession(db, CABINET_SESSIONS, id, now, SESSION_IDLE_MS);
  return row ? { idHash: row.idHash, accountNumber: row.accountNumber } : null;
}

/**
 * A session table: the cabinet's (parents) and the admin console's (staff) share
 * the lifetime rules below; each keeps its own rows and subject column.
 */
export interface SessionTable<T extends PgTable> {
  table: T;
  idHash: PgColumn;
  lastSeenAt: PgColumn;
  expiresAt: PgColumn;
}

const CABINET_SESSIONS: SessionTable<typeof cabinetSessions> = {
  table: cabinetSessions, idHash: cabinetSessions.idHash, lastSeenAt: cabinetSessions.lastSeenAt, expiresAt: cabinetSessions.expiresAt,
};

/**
 * The row of a live session for a cookie value, or null: unknown, past its absolute
 * lifetime or idle longer than `idleMs` (such a row is deleted on the spot).
 * Refreshes lastSeen at most once a minute.
 */
export async function loadLiveSession<T extends PgTable>(db: Tx, t: SessionTable<T>, id: string | undefined, now: Date, idleMs: number): Promise<T['$inferSelect'] | null> {
  if (!id || id.length > 100) return null;
  const idHash = sha256Hex(id);
  const [row] = await (db as Db).select().from(t.table as PgTable).where(eq(t.idHash, idHash)) as Record<string, unknown>[];
  if (!row) return null;
  const tNow = now.getTime();
  const lastSeen = new Date(row.lastSeenAt as string).getTime();
  if (new Date(row.expiresAt as string).getTime() <= tNow || lastSeen + idleMs <= tNow) {
    await (db as Db).delete(t.table as PgTable).where(eq(t.idHash, idHash));
    return null;
  }
  // Writing on every request would serialise a person's parallel requests for nothing.
  if (tNow - lastSeen > 60_000) {
    await db.execute(sql`UPDATE ${t.table} SET ${sql.identifier(t.lastSeenAt.name)} = ${now.toISOString()} WHERE ${t.idHash} = ${idHash}`);
  }
  return row as T['$inferSelect'];
}

/** Deletes sessions past their lifetime or idle timeout (a browser that never returns would leave them for ever). */
export async function purgeSessionTable<T extends PgTable>(db: Tx, t: SessionTable<T>, now: Date, idleMs: number): Promise<number> {
  const gone = await (db as Db).delete(t.table as PgTable).where(or(
    lte(t.expiresAt, now.toISOString()),
    lte(t.lastSeenAt, new Date(now.getTime() - idleMs).toISOString()),
  )).returning({ idHash: t.idHash });
  return gone.length;
}

export async function destroySession(db: Tx, idHash: string): Promise<void> {
  await db.delete(cabinetSessions).where(eq(cabinetSessions.idHash, idHash));
}

/** After a password change every other browser is logged out (keepIdHash null: all of them). */
export async function destroyOtherSessions(db: Tx, accountNumber: string, keepIdHash: string | null): Promise<void> {
  await db.delete(cabinetSessions).where(keepIdHash
    ? and(eq(cabinetSessions.accountNumber, accountNumber), ne(cabinetSessions.idHash, keepIdHash))
    : eq(cabinetSessions.accountNumber, accountNumber));
}

/** Cabinet sessions past their lifetime or idle timeout (see purgeSessionTable). */
export async function purgeExpiredSessions(db: Tx, now: Date): Promise<number> {
  return purgeSessionTable(db, CABINET_SESSIONS, now, SESSION_IDLE_MS);
}

/**
 * Synchronizer-style CSRF token without server state: an HMAC of what the
 * browser's HttpOnly cookie identifies (the session, or the pre-login cookie).
 * Another site cannot read the cookie nor compute the token, and a token
 * taken from one session is worthless in another.
 */
export function csrfToken(secret: string, binding: string): string {
  return formToken(secret, 'csrf', binding);
}

export function csrfValid(secret: string, binding: string | undefined, token: unknown): boolean {
  return formTokenValid(secret, 'csrf', binding, token);
}

/** The HMAC form token for one purpose ("csrf", "test-gateway") bound to one value. */
export function formToken(secret: string, purpose: string, binding: string): string {
  return createHmac('sha256', secret).update(`${purpose}\u0000${binding}`).digest('base64url');
}

/** Constant-time check of a submitted form token; anything missing, oversized or not a string is invalid. */
export function formTokenValid(secret: string, purpose: string, binding: string | undefined, token: unknown): boolean {
  if (!binding || typeof token !== 'string' || token.length > 200) return false;
  const want = Buffer.from(formToken(secret, purpose, binding));
  const got = Buffer.from(token);
  return want.length === got.length && timingSafeEqual(want, got);
}
