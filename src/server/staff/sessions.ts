import { eq, sql } from 'drizzle-orm';
import { generateSecret, generateURI, verify as verifyTotp } from 'otplib';
import { staff, staffSessions } from '../db/staff-schema.js';
import type { Tx } from '../db/open.js';
import { newToken, sha256Hex } from '../tokens.js';
import { loadLiveSession, purgeSessionTable, SESSION_IDLE_MS, SESSION_TTL_MS, type SessionTable } from '../cabinet/sessions.js';
import { clearFailures, humanWait, lockedFor, POLICIES, recordFailure } from '../cabinet/throttle.js';
import { verifyPassword } from '../cabinet/passwords.js';
import { HttpError } from '../errors.js';
import { needsTotp, type StaffRow } from './staff.js';
import { openTotp, sealTotp } from './totp-seal.js';

/**
 * Staff sign-in for the admin console: the cabinet's mechanisms (session rows
 * with the same absolute and idle limits, growing lockouts per login and per
 * address, argon2id passwords), plus TOTP for district and school admins.
 */

export const STAFF_SESSIONS: SessionTable<typeof staffSessions> = {
  table: staffSessions, idHash: staffSessions.idHash, lastSeenAt: staffSessions.lastSeenAt, expiresAt: staffSessions.expiresAt,
};

export interface StaffSession {
  idHash: string;
  /** False while a TOTP role has not enrolled its authenticator yet. */
  verified: boolean;
  staff: StaffRow;
}

/**
 * The live session and its person, read fresh on every request: a person
 * deactivated, or a role taken away, loses access on the next request.
 */
export async function loadStaffSession(db: Tx, id: string | undefined, now: Date): Promise<StaffSession | null> {
  const row = await loadLiveSession(db, STAFF_SESSIONS, id, now, SESSION_IDLE_MS);
  if (!row) return null;
  const [person] = await db.select().from(staff).where(eq(staff.id, row.staffId));
  if (!person || !person.active) {
    await db.delete(staffSessions).where(eq(staffSessions.idHash, row.idHash));
    return null;
  }
  return { idHash: row.idHash, verified: row.verifiedAt !== null, staff: person };
}

export async function destroyStaffSession(db: Tx, idHash: string): Promise<void> {
  await db.delete(staffSessions).where(eq(staffSessions.idHash, idHash));
}

export function purgeStaffSessions(db: Tx, now: Date): Promise<number> {
  return purgeSessionTable(db, STAFF_SESSIONS, now, SESSION_IDLE_MS);
}

export interface LoginInput { login: string; password: string; totp?: string | undefined; ip: string; userAgent?: string | undefined }
export interface LoginResult { sessionId: string; idHash: string; staff: StaffRow; verified: boolean }

const WRONG = 'Неверный логин, пароль или код';

/**
 * Password, then (for admins with an authenticator) the TOTP code. One answer
 * for every wrong input, so a login that does not exist looks like a wrong
 * password; failures lock the login and the address out for growing times.
 */
export async function staffLogin(db: Tx, input: LoginInput, now: Date): Promise<LoginResult> {
  const keys = [`staff-ip:${input.ip}`, `staff:${input.login}`];
  const wait = await lockedFor(db, keys, now);
  if (wait > 0) throw new HttpError(429, 'RATE_LIMITED', `Слишком много неудачных попыток. Попробуйте через ${humanWait(wait)}.`);
  const [person] = await db.select().from(staff).where(eq(staff.login, input.login));
  const ok = await verifyPassword(person?.active ? person.passwordHash : null, input.password);
  const fail = async (message = WRONG, details?: unknown): Promise<never> => {
    await recordFailure(db, keys[0]!, POLICIES.ip, now);
    await recordFailure(db, keys[1]!, POLICIES.account, now);
    throw new HttpError(401, 'UNAUTHORIZED', message, details);
  };
  if (!ok || !person) return fail();
  let verified = !needsTotp(person.grants);
  if (!verified && person.totpEnabledAt && person.totpSecret) {
    if (!input.totp) throw new HttpError(401, 'UNAUTHORIZED', 'Введите код из приложения-аутентификатора', { totpRequired: true });
    if (!(await acceptTotp(db, person, input.totp, now))) return fail(WRONG, { totpRequired: true });
    verified = true;
  }
  await clearFailures(db, keys[1]!);
  const sessionId = newToken();
  const idHash = sha256Hex(sessionId);
  await db.insert(staffSessions).values({
    idHash, staffId: person.id, createdAt: now.toISOString(), lastSeenAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + SESSION_TTL_MS).toISOString(),
    verifiedAt: verified ? now.toISOString() : null, ip: input.ip, userAgent: input.userAgent?.slice(0, 300) ?? null,
  });
  return { sessionId, idHash, staff: person, verified };
}

const TOTP_PERIOD = 30;

/**
 * A code is good for its 30 s step and one step either side (clock drift), and
 * only once: the accepted step is stored and an older or equal one refused.
 */
async function acceptTotp(db: Tx, person: StaffRow, code: string, now: Date): Promise<boolean> {
  if (!person.totpSecret) return false;
  const secret = await openTotp(db, person.id, person.totpSecret);
  const epoch = Math.floor(now.getTime() / 1000);
  const result = await verifyTotp({ secret, token: code, epoch, epochTolerance: TOTP_PERIOD }).catch(() => ({ valid: false as const }));
  if (!result.valid) return false;
  const step = Math.floor(epoch / TOTP_PERIOD) + ('delta' in result && typeof result.delta === 'number' ? result.delta : 0);
  if (person.totpLastStep !== null && step <= person.totpLastStep) return false;
  const updated = await db.update(staff).set({ totpLastStep: step })
    .where(sql`${staff.id} = ${person.id} AND (${staff.totpLastStep} IS NULL OR ${staff.totpLastStep} < ${step})`).returning({ id: staff.id });
  return updated.length > 0;
}

/** First login of an admin: a new secret (kept unconfirmed) and the otpauth:// URI for the QR code. */
export async function startTotpEnrolment(db: Tx, session: StaffSession): Promise<{ secret: string; uri: string }> {
  if (session.staff.totpEnabledAt) throw new HttpError(409, 'CONFLICT', 'Аутентификатор уже подключён');
  const secret = generateSecret();
  await db.update(staff).set({ totpSecret: await sealTotp(db, session.staff.id, secret) }).where(eq(staff.id, session.staff.id));
  const uri = generateURI({ issuer: 'Школьное питание', label: session.staff.login ?? session.staff.id, secret });
  return { secret, uri };
}

/** The first code from the app confirms the secret and completes the session. */
export async function confirmTotpEnrolment(db: Tx, session: StaffSession, code: string, now: Date, ip: string): Promise<void> {
  const [fresh] = await db.select().from(staff).where(eq(staff.id, session.staff.id)).for('update');
  if (!fresh?.totpSecret || fresh.totpEnabledAt) throw new HttpError(409, 'CONFLICT', 'Сначала начните подключение аутентификатора');
  const key = `staff:${fresh.login ?? fresh.id}`;
  const wait = await lockedFor(db, [key], now);
  if (wait > 0) throw new HttpError(429, 'RATE_LIMITED', `Слишком много неудачных попыток. Попробуйте через ${humanWait(wait)}.`);
  if (!(await acceptTotp(db, fresh, code, now))) {
    await recordFailure(db, key, POLICIES.account, now);
    await recordFailure(db, `staff-ip:${ip}`, POLICIES.ip, now);
    throw new HttpError(400, 'BAD_INPUT', 'Код не подошёл: проверьте время на телефоне и введите новый код');
  }
  await db.update(staff).set({ totpEnabledAt: now.toISOString() }).where(eq(staff.id, fresh.id));
  await db.update(staffSessions).set({ verifiedAt: now.toISOString() }).where(eq(staffSessions.idHash, session.idHash));
}
