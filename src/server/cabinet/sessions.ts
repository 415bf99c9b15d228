import { createHmac, timingSafeEqual } from 'node:crypto';
import { and, eq, lte, ne, or } from 'drizzle-orm';
import { cabinetSessions } from '../db/cabinet-schema.js';
import type { Tx } from '../db/open.js';
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
  if (!id || id.length > 100) return null;
  const idHash = sha256Hex(id);
  const [row] = await db.select().from(cabinetSessions).where(eq(cabinetSessions.idHash, idHash));
  if (!row) return null;
  const t = now.getTime();
  if (new Date(row.expiresAt).getTime() <= t || new Date(row.lastSeenAt).getTime() + SESSION_IDLE_MS <= t) {
    await db.delete(cabinetSessions).where(eq(cabinetSessions.idHash, idHash));
    return null;
  }
  // Writing on every request would serialise a parent's parallel requests for nothing.
  if (t - new Date(row.lastSeenAt).getTime() > 60_000) {
    await db.update(cabinetSessions).set({ lastSeenAt: now.toISOString() }).where(eq(cabinetSessions.idHash, idHash));
  }
  return { idHash, accountNumber: row.accountNumber };
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

/**
 * Sessions past their lifetime or idle timeout: loadSession refuses and deletes one
 * when its cookie comes back, but a browser that never returns would leave it for ever.
 */
export async function purgeExpiredSessions(db: Tx, now: Date): Promise<number> {
  const gone = await db.delete(cabinetSessions).where(or(
    lte(cabinetSessions.expiresAt, now.toISOString()),
    lte(cabinetSessions.lastSeenAt, new Date(now.getTime() - SESSION_IDLE_MS).toISOString()),
  )).returning({ idHash: cabinetSessions.idHash });
  return gone.length;
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
