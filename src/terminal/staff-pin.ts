import { verify } from '@node-rs/argon2';

/**
 * The till's side of src/server/pins.ts: checks a typed PIN against a staff
 * PIN hash from the pull, keyed with the school's PIN pepper the till got at
 * enrolment (kept like its token, never in SQLite). A stand-alone till (demo
 * data loaded locally, no server) has no pepper and unkeyed hashes.
 * Never throws: a malformed hash or a wrong pepper is simply "wrong PIN".
 */
export async function verifyStaffPin(stored: string, pin: string, pepper: Buffer | undefined): Promise<boolean> {
  try {
    return await verify(stored, pin, pepper ? { secret: pepper } : {});
  } catch {
    return false;
  }
}
