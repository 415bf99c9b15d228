import { inArray, sql } from 'drizzle-orm';
import { cabinetThrottle } from '../db/cabinet-schema.js';
import type { Tx } from '../db/open.js';

/**
 * Throttling for guessable secrets. Account numbers are sequential, so an
 * attacker can walk them from one address or try one account from many.
 *
 * - Per account: after `freeTries` failures each further failure locks the
 *   account for base·2^k seconds, up to `maxSeconds` (an hour) — except for a
 *   browser that logged in to it before (known-device.ts), so an attack on one
 *   account does not lock its parent out of their own phone.
 * - Per address: never a wall. Many parents can share one address (a school's
 *   NAT, a proxy without --trust-proxy), so an address that failed often gets
 *   a growing *delay* before each of its attempts is checked (`addressDelayMs`),
 *   and at most `ADDRESS_IN_FLIGHT` attempts at once, so the delay cannot be
 *   run in parallel. The right password from that address still gets in.
 *
 * Failures older than `forgetAfterSeconds` start the count over. Keys of
 * accounts that do not exist are throttled exactly like real ones, so a
 * lockout never tells which numbers exist.
 */
export interface ThrottlePolicy {
  freeTries: number;
  baseSeconds: number;
  maxSeconds: number;
  forgetAfterSeconds: number;
}

export const POLICIES = {
  account: { freeTries: 5, baseSeconds: 60, maxSeconds: 3600, forgetAfterSeconds: 24 * 3600 },
  /** Per address: only the count matters (addressDelayMs); the lock it records is never enforced for logins. */
  ip: { freeTries: 20, baseSeconds: 60, maxSeconds: 24 * 3600, forgetAfterSeconds: 3600 },
  /** "Forgot password" letters: few per account, so the cabinet cannot be used to spam a parent. */
  resetAccount: { freeTries: 3, baseSeconds: 600, maxSeconds: 24 * 3600, forgetAfterSeconds: 24 * 3600 },
} satisfies Record<string, ThrottlePolicy>;

/** Failures an address may make before its attempts are slowed; then 0.5 s, doubling, up to 10 s. */
export const ADDRESS_FREE_FAILURES = 10;
export const ADDRESS_MAX_DELAY_MS = 10_000;
/** Login attempts one address may have in progress at once (the rest are told to wait). */
export const ADDRESS_IN_FLIGHT = 2;

export function addressDelayMs(failures: number): number {
  if (failures < ADDRESS_FREE_FAILURES) return 0;
  return Math.min(ADDRESS_MAX_DELAY_MS, 500 * 2 ** Math.min(20, failures - ADDRESS_FREE_FAILURES));
}

/** Recent failures counted against a key (0 once they are older than the policy forgets). */
export async function failuresOf(db: Tx, key: string, policy: ThrottlePolicy, now: Date): Promise<number> {
  const [row] = await db.select({ failures: cabinetThrottle.failures, last: cabinetThrottle.lastFailureAt }).from(cabinetThrottle)
    .where(sql`${cabinetThrottle.key} = ${key}`);
  if (!row?.last || new Date(row.last).getTime() < now.getTime() - policy.forgetAfterSeconds * 1000) return 0;
  return row.failures;
}

const inFlight = new Map<string, number>();

/**
 * Runs `fn` holding one of the address's in-flight slots (this process's
 * count; several processes multiply it, still a small constant), or returns
 * undefined at once when they are all taken.
 */
export async function withAddressSlot<T>(address: string, fn: () => Promise<T>): Promise<T | undefined> {
  const n = inFlight.get(address) ?? 0;
  if (n >= ADDRESS_IN_FLIGHT) return undefined;
  inFlight.set(address, n + 1);
  try {
    return await fn();
  } finally {
    const left = (inFlight.get(address) ?? 1) - 1;
    if (left > 0) inFlight.set(address, left); else inFlight.delete(address);
  }
}

export const realDelay = (ms: number): Promise<void> => new Promise((resolve) => { setTimeout(resolve, ms).unref?.(); });

export function lockSeconds(failures: number, p: ThrottlePolicy): number {
  if (failures < p.freeTries) return 0;
  return Math.min(p.maxSeconds, p.baseSeconds * 2 ** Math.min(30, failures - p.freeTries));
}

/** Seconds until every given key is free again (0 = go ahead). */
export async function lockedFor(db: Tx, keys: string[], now: Date): Promise<number> {
  if (keys.length === 0) return 0;
  const rows = await db.select({ lockedUntil: cabinetThrottle.lockedUntil }).from(cabinetThrottle)
    .where(inArray(cabinetThrottle.key, keys));
  let wait = 0;
  for (const r of rows) {
    if (!r.lockedUntil) continue;
    wait = Math.max(wait, Math.ceil((new Date(r.lockedUntil).getTime() - now.getTime()) / 1000));
  }
  return Math.max(0, wait);
}

/** Counts one failure against the key; returns the lock it now carries, in seconds. */
export async function recordFailure(db: Tx, key: string, policy: ThrottlePolicy, now: Date): Promise<number> {
  const at = now.toISOString();
  const forgetBefore = new Date(now.getTime() - policy.forgetAfterSeconds * 1000).toISOString();
  const [row] = await db.insert(cabinetThrottle).values({ key, failures: 1, lastFailureAt: at })
    .onConflictDoUpdate({
      target: cabinetThrottle.key,
      set: {
        failures: sql`CASE WHEN ${cabinetThrottle.lastFailureAt} < ${forgetBefore} THEN 1 ELSE ${cabinetThrottle.failures} + 1 END`,
        lastFailureAt: at,
      },
    })
    .returning({ failures: cabinetThrottle.failures });
  const seconds = lockSeconds(row?.failures ?? 1, policy);
  if (seconds > 0) {
    await db.update(cabinetThrottle).set({ lockedUntil: new Date(now.getTime() + seconds * 1000).toISOString() })
      .where(sql`${cabinetThrottle.key} = ${key}`);
  }
  return seconds;
}

export async function clearFailures(db: Tx, key: string): Promise<void> {
  await db.delete(cabinetThrottle).where(sql`${cabinetThrottle.key} = ${key}`);
}

/** "3 мин", "1 ч 5 мин", "40 с" */
export function humanWait(seconds: number): string {
  if (seconds < 60) return `${Math.max(1, seconds)} с`;
  const min = Math.ceil(seconds / 60);
  if (min < 60) return `${min} мин`;
  const h = Math.floor(min / 60);
  const m = min % 60;
  return m ? `${h} ч ${m} мин` : `${h} ч`;
}
