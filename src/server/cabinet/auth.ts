import { and, eq, gt, isNotNull, isNull, lte, or, sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { accounts } from '../db/schema.js';
import { cabinetEvents, cabinetProfiles, cabinetResetTokens } from '../db/cabinet-schema.js';
import type { Db, Tx } from '../db/open.js';
import { recordChanges } from '../changes.js';
import { isAccountNumber } from '../account-number.js';
import { newToken, sha256Hex } from '../tokens.js';
import { hashPassword, passwordProblems, verifyPassword } from './passwords.js';
import { createSession, destroyOtherSessions } from './sessions.js';
import { addressDelayMs, clearFailures, failuresOf, lockedFor, POLICIES, realDelay, recordFailure, withAddressSlot } from './throttle.js';

/** One message for an unknown account, a wrong password and a disabled account: nothing to enumerate. */
export const BAD_LOGIN = 'Неверный номер лицевого счёта или пароль';
export const RESET_TTL_MS = 60 * 60_000;

export type LoginResult =
  | { kind: 'ok'; sessionId: string; accountNumber: string; mustChangePassword: boolean }
  | { kind: 'bad' }
  | { kind: 'locked'; seconds: number }
  /** The address already has attempts being checked (throttle.ts ADDRESS_IN_FLIGHT). */
  | { kind: 'busy' };

export async function logEvent(db: Tx, e: { accountNumber?: string | null; kind: string; ip?: string; ok?: boolean; details?: Record<string, unknown> }): Promise<void> {
  await db.insert(cabinetEvents).values({
    id: uuidv7(), accountNumber: e.accountNumber ?? null, kind: e.kind, ip: e.ip ?? null, ok: e.ok ?? true, details: e.details ?? {},
  });
}

export type PasswordCheck =
  | { kind: 'ok'; accountNumber: string; hasPermanent: boolean }
  | { kind: 'bad' }
  | { kind: 'locked'; seconds: number }
  /** The address already has attempts being checked (throttle.ts ADDRESS_IN_FLIGHT). */
  | { kind: 'busy' };

/**
 * An account number and its password (permanent, else the receipt's
 * temporary one), under the login throttle (throttle.ts): the account's lock
 * holds unless this browser logged in to it before (`knownDevice`); the
 * address only slows its own attempts down (`delay`, injectable for tests), so
 * a correct password always gets in. Unknown and malformed numbers are counted
 * like real ones. Used by login and by linking a child to a family, so guessing
 * through either costs the same.
 */
export async function checkAccountPassword(db: Db, input: {
  accountNumber: string; password: string; ip: string; now: Date; event: string; by?: string;
  knownDevice?: boolean; delay?: (ms: number) => Promise<void>;
}): Promise<PasswordCheck> {
  const number = input.accountNumber.replace(/\s/g, '');
  const wellFormed = isAccountNumber(number);
  const ipKey = `ip:${input.ip}`;
  const acctKey = `acct:${wellFormed ? number : 'malformed'}`;
  const wait = wellFormed && !input.knownDevice ? await lockedFor(db, [acctKey], input.now) : 0;
  if (wait > 0) return { kind: 'locked', seconds: wait };
  const res = await withAddressSlot(ipKey, async () => {
    const ms = input.knownDevice ? 0 : addressDelayMs(await failuresOf(db, ipKey, POLICIES.ip, input.now));
    if (ms > 0) await (input.delay ?? realDelay)(ms);
    return verifyAccountPassword(db, input, number, wellFormed, ipKey, acctKey);
  });
  return res ?? { kind: 'busy' };
}

async function verifyAccountPassword(db: Db, input: { password: string; ip: string; now: Date; event: string; by?: string; knownDevice?: boolean },
  number: string, wellFormed: boolean, ipKey: string, acctKey: string): Promise<PasswordCheck> {
  const [acc] = wellFormed
    ? await db.select({ permanent: accounts.permanentPasswordHash, temp: accounts.tempPasswordHash, active: accounts.active })
      .from(accounts).where(eq(accounts.accountNumber, number))
    : [];
  const stored = acc?.active ? acc.permanent ?? acc.temp : null;
  const good = input.password.length > 0 && input.password.length <= 256 && await verifyPassword(stored, input.password);
  if (!good) {
    await recordFailure(db, ipKey, POLICIES.ip, input.now);
    if (wellFormed) await recordFailure(db, acctKey, POLICIES.account, input.now);
    await logEvent(db, { accountNumber: acc ? number : null, kind: input.event, ip: input.ip, ok: false, details: input.by ? { by: input.by } : {} });
    return { kind: 'bad' };
  }
  // A login past the lock from the parent's own browser leaves the lock on for everyone else.
  if (!input.knownDevice) await clearFailures(db, acctKey);
  return { kind: 'ok', accountNumber: number, hasPermanent: acc!.permanent !== null };
}

export async function login(db: Db, input: {
  accountNumber: string; password: string; ip: string; userAgent?: string; now: Date;
  knownDevice?: boolean; delay?: (ms: number) => Promise<void>;
}): Promise<LoginResult> {
  const res = await checkAccountPassword(db, { ...input, event: 'loginFailed' });
  if (res.kind !== 'ok') return res;
  const sessionId = await createSession(db, res.accountNumber, input.now, { ip: input.ip, userAgent: input.userAgent });
  await logEvent(db, { accountNumber: res.accountNumber, kind: 'login', ip: input.ip });
  return { kind: 'ok', sessionId, accountNumber: res.accountNumber, mustChangePassword: !res.hasPermanent };
}

export type PasswordChange = { ok: true } | { ok: false; problems: string[] };

/**
 * Sets the permanent password. While the account has only the receipt's
 * temporary password (the session was opened with it) no current password is
 * asked; otherwise the current one must be given. Every other session ends.
 */
export async function changePassword(db: Db, input: {
  accountNumber: string; sessionIdHash: string | null; password: string; confirm: string; current?: string; ip?: string;
}): Promise<PasswordChange> {
  const [acc] = await db.select({ permanent: accounts.permanentPasswordHash, temp: accounts.tempPasswordHash, schoolId: accounts.schoolId })
    .from(accounts).where(eq(accounts.accountNumber, input.accountNumber));
  if (!acc) return { ok: false, problems: ['Лицевой счёт не найден'] };
  if (acc.permanent !== null && input.current !== undefined && !(await verifyPassword(acc.permanent, input.current))) {
    return { ok: false, problems: ['Текущий пароль введён неверно'] };
  }
  if (acc.permanent !== null && input.current === undefined && input.sessionIdHash !== null) {
    return { ok: false, problems: ['Введите текущий пароль'] };
  }
  const problems = passwordProblems(input.password, input.confirm, input.accountNumber);
  if (problems.length === 0 && acc.temp && await verifyPassword(acc.temp, input.password)) {
    problems.push('Новый пароль не должен совпадать с временным паролем из чека');
  }
  if (problems.length) return { ok: false, problems };
  const hash = await hashPassword(input.password);
  await db.transaction(async (tx) => {
    await tx.update(accounts).set({ permanentPasswordHash: hash, tempPasswordHash: null, updatedAt: sql`now()` })
      .where(eq(accounts.accountNumber, input.accountNumber));
    // Terminals stop printing the login block once hasPermanentPassword reaches them.
    await recordChanges(tx, acc.schoolId, 'account', [input.accountNumber]);
    await tx.insert(cabinetProfiles).values({ accountNumber: input.accountNumber, passwordChangedAt: new Date().toISOString() })
      .onConflictDoUpdate({ target: cabinetProfiles.accountNumber, set: { passwordChangedAt: sql`now()`, updatedAt: sql`now()` } });
    await destroyOtherSessions(tx, input.accountNumber, input.sessionIdHash);
    await logEvent(tx, { accountNumber: input.accountNumber, kind: 'passwordChanged', ip: input.ip });
  });
  return { ok: true };
}

export const EMAIL_RE = /^[^\s@<>"'()\\,;:]{1,64}@[A-Za-z0-9.-]{1,180}\.[A-Za-z]{2,24}$/;

/**
 * "Forgot password": a letter with a single-use link only when the account
 * and its e-mail match; the page answers the same either way. Tokens are 256
 * random bits, stored as sha256, valid for an hour.
 */
export async function requestReset(db: Db, input: { accountNumber: string; email: string; ip: string; now: Date }): Promise<{ token: string; email: string } | null> {
  const number = input.accountNumber.replace(/\s/g, '');
  await recordFailure(db, `reset-ip:${input.ip}`, POLICIES.ip, input.now);
  if (!isAccountNumber(number)) return null;
  if (await lockedFor(db, [`reset-acct:${number}`], input.now) > 0) return null;
  const [row] = await db.select({ email: cabinetProfiles.email }).from(cabinetProfiles)
    .where(eq(cabinetProfiles.accountNumber, number));
  if (!row?.email || row.email.toLowerCase() !== input.email.trim().toLowerCase()) return null;
  await recordFailure(db, `reset-acct:${number}`, POLICIES.resetAccount, input.now);
  const token = newToken();
  await db.insert(cabinetResetTokens).values({
    tokenHash: sha256Hex(token), accountNumber: number, createdAt: input.now.toISOString(),
    expiresAt: new Date(input.now.getTime() + RESET_TTL_MS).toISOString(),
  });
  await logEvent(db, { accountNumber: number, kind: 'resetRequested', ip: input.ip });
  return { token, email: row.email };
}

export async function resetTokenValid(db: Tx, token: string, now: Date): Promise<boolean> {
  if (!token || token.length > 100) return false;
  const [row] = await db.select({ a: cabinetResetTokens.accountNumber }).from(cabinetResetTokens)
    .where(and(eq(cabinetResetTokens.tokenHash, sha256Hex(token)), isNull(cabinetResetTokens.usedAt), gt(cabinetResetTokens.expiresAt, now.toISOString())));
  return !!row;
}

/** Reset links that can no longer be used (used once, or past their hour): nothing reads them again. */
export async function purgeSpentResetTokens(db: Tx, now: Date): Promise<number> {
  const gone = await db.delete(cabinetResetTokens)
    .where(or(isNotNull(cabinetResetTokens.usedAt), lte(cabinetResetTokens.expiresAt, now.toISOString())))
    .returning({ tokenHash: cabinetResetTokens.tokenHash });
  return gone.length;
}

export async function completeReset(db: Db, input: { token: string; password: string; confirm: string; ip: string; now: Date }): Promise<PasswordChange & { accountNumber?: string }> {
  if (!input.token || input.token.length > 100) return { ok: false, problems: ['Ссылка недействительна или устарела'] };
  return db.transaction(async (tx) => {
    const [row] = await tx.select().from(cabinetResetTokens)
      .where(and(eq(cabinetResetTokens.tokenHash, sha256Hex(input.token)), isNull(cabinetResetTokens.usedAt), gt(cabinetResetTokens.expiresAt, input.now.toISOString())))
      .for('update');
    if (!row) return { ok: false, problems: ['Ссылка недействительна или устарела'] };
    const [acc] = await tx.select({ schoolId: accounts.schoolId }).from(accounts).where(eq(accounts.accountNumber, row.accountNumber));
    if (!acc) return { ok: false, problems: ['Ссылка недействительна или устарела'] };
    const problems = passwordProblems(input.password, input.confirm, row.accountNumber);
    if (problems.length) return { ok: false, problems };
    await tx.update(cabinetResetTokens).set({ usedAt: input.now.toISOString() }).where(eq(cabinetResetTokens.tokenHash, row.tokenHash));
    await tx.update(accounts).set({ permanentPasswordHash: await hashPassword(input.password), tempPasswordHash: null, updatedAt: sql`now()` })
      .where(eq(accounts.accountNumber, row.accountNumber));
    await recordChanges(tx, acc.schoolId, 'account', [row.accountNumber]);
    await destroyOtherSessions(tx, row.accountNumber, null);
    await clearFailures(tx, `acct:${row.accountNumber}`);
    await logEvent(tx, { accountNumber: row.accountNumber, kind: 'passwordReset', ip: input.ip });
    return { ok: true, accountNumber: row.accountNumber };
  });
}
