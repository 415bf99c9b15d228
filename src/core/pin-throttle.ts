/**
 * PIN guessing throttle, pure. A 4-digit PIN falls to 10,000 guesses, so after
 * FREE_ATTEMPTS wrong PINs in a row the terminal stops checking PINs for a while,
 * and each wrong PIN after a lockout locks it again for twice as long (capped).
 * The lock is per terminal, not per cashier: a wrong PIN names nobody.
 */
export const FREE_ATTEMPTS = 5;
export const FIRST_LOCK_MS = 30_000;
export const MAX_LOCK_MS = 15 * 60_000;

export interface PinThrottleState {
  /** Wrong PINs since the last successful login. */
  failures: number;
  /** Epoch ms until which no PIN is checked; 0 = not locked. */
  lockedUntil: number;
  /** Length of the last lockout, ms (the next one doubles it). */
  lastLockMs: number;
}

export const initialPinThrottle: PinThrottleState = { failures: 0, lockedUntil: 0, lastLockMs: 0 };

/** Milliseconds still to wait before a PIN may be tried; 0 = try now. */
export function pinWaitMs(s: PinThrottleState, nowMs: number): number {
  return Math.max(0, s.lockedUntil - nowMs);
}

/** After a wrong PIN (only called when not locked). */
export function pinFailed(s: PinThrottleState, nowMs: number): PinThrottleState {
  const failures = s.failures + 1;
  if (failures < FREE_ATTEMPTS) return { ...s, failures };
  const lockMs = s.lastLockMs === 0 ? FIRST_LOCK_MS : Math.min(MAX_LOCK_MS, s.lastLockMs * 2);
  return { failures, lockedUntil: nowMs + lockMs, lastLockMs: lockMs };
}

/** "30 с", "1 мин", "2 мин 30 с" (rounded up to whole seconds). */
export function formatWait(ms: number): string {
  const total = Math.max(1, Math.ceil(ms / 1000));
  const min = Math.floor(total / 60);
  const sec = total % 60;
  if (min === 0) return `${sec} с`;
  return sec === 0 ? `${min} мин` : `${min} мин ${sec} с`;
}

export function pinLockedMessage(waitMs: number): string {
  return `Слишком много неверных PIN-кодов. Повторите через ${formatWait(waitMs)}`;
}

/** Parses a stored state, falling back to the initial one on anything unexpected. */
export function parsePinThrottle(json: string | undefined): PinThrottleState {
  if (!json) return initialPinThrottle;
  try {
    const v = JSON.parse(json) as Partial<PinThrottleState>;
    const n = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) && x >= 0 ? x : 0);
    return { failures: n(v.failures), lockedUntil: n(v.lockedUntil), lastLockMs: n(v.lastLockMs) };
  } catch {
    return initialPinThrottle;
  }
}
