import { hash, verify } from '@node-rs/argon2';
import type { Tx } from './db/open.js';
import { SECRET, sharedSecret } from './secrets.js';

/**
 * Staff PINs (cashier, manager …). The pull gives every till of a school the
 * PIN hashes of its staff, so a leaked pull must not give the PINs away: a
 * 6-digit PIN is only 10^6 guesses. Each hash is therefore peppered with the
 * school's key (argon2's secret input, "K" in RFC 9106), which is kept on the
 * server and on the school's tills (given at enrolment, kept like the till's
 * token) and never travels in a pull: without it no guess can be checked.
 * The argon2 cost is raised too (RFC 9106's second recommended option uses
 * 64 MiB; here 64 MiB and 3 passes, ~0.1-0.2 s per PIN on a till).
 *
 * Every staff PIN hash is made by `hashStaffPin`; the till's side is
 * `verifyStaffPin` in src/terminal/staff-pin.ts (same inputs, no cost needed:
 * the PHC string carries it).
 */
export const STAFF_PIN_ARGON2 = { memoryCost: 65_536, timeCost: 3, parallelism: 1 } as const;

/** Pepper (the school's PIN key) as it travels to a till and is kept there: base64url of 32 bytes. */
export type Pepper = Buffer;

export function hashStaffPin(pin: string, pepper: Pepper): Promise<string> {
  return hash(pin, { ...STAFF_PIN_ARGON2, secret: pepper });
}

/** Never throws: a malformed stored hash or a wrong pepper is simply "wrong PIN". */
export async function verifyStaffPin(stored: string, pin: string, pepper: Pepper): Promise<boolean> {
  try {
    return await verify(stored, pin, { secret: pepper });
  } catch {
    return false;
  }
}

/** The school's PIN pepper, made on first use and the same for every server process. */
export function schoolPinPepper(db: Tx, schoolId: string): Promise<Pepper> {
  return sharedSecret(db, SECRET.pinPepper(schoolId));
}

/** Length rule for PINs set from now on (older 4-digit PINs keep working until changed). */
export const STAFF_PIN_RULE = 'PIN-код: от 6 до 8 цифр, не одна цифра подряд и не по порядку (не 111111, не 123456)';

/** Russian reason a new staff PIN is refused, or undefined when it is fine. */
export function staffPinProblem(pin: string): string | undefined {
  if (!/^\d{6,8}$/.test(pin)) return STAFF_PIN_RULE;
  if (/^(\d)\1+$/.test(pin) || '0123456789012'.includes(pin) || '9876543210987'.includes(pin)) return STAFF_PIN_RULE;
  return undefined;
}
