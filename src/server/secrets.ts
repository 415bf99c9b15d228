import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { serverSecrets } from './db/schema.js';
import type { Tx } from './db/open.js';

/**
 * A named secret shared by every server process on this database: the first
 * process to ask makes it (32 random bytes), the others read the same row
 * (`ON CONFLICT DO NOTHING`, then read back: two processes racing agree).
 * Kept in `server_secrets`, never in settings, never logged.
 */
export async function sharedSecret(db: Tx, name: string): Promise<Buffer> {
  // A secret never changes once written, so each handle asks the database once: the pull calls this on
  // every request, and an INSERT … ON CONFLICT per pull is a write on the hottest read path.
  let known = cache.get(db);
  const cached = known?.get(name);
  if (cached) return cached;
  await db.insert(serverSecrets).values({ name, value: randomBytes(32).toString('base64url') }).onConflictDoNothing();
  const [row] = await db.select({ value: serverSecrets.value }).from(serverSecrets).where(eq(serverSecrets.name, name));
  const value = Buffer.from(row!.value, 'base64url');
  if (!known) cache.set(db, known = new Map<string, Buffer>());
  known.set(name, value);
  return value;
}

/** Per database handle (a transaction's handle dies with it, so a rolled-back first write is never kept). */
const cache = new WeakMap<Tx, Map<string, Buffer>>();

/** Names of the secrets (one place, so no two features share a key by accident). */
export const SECRET = {
  /** Signs the cabinet's CSRF tokens. */
  csrf: 'csrf',
  /** Keys the opaque benefit category ids the pull gives tills (ledger/benefit-labels.ts). */
  benefitIds: 'benefit-ids',
  /** Seals staff TOTP secrets at rest when no CANTEEN_TOTP_KEY(_FILE) is set (staff/totp-seal.ts). */
  totpKey: 'totp-key',
  /** A school's PIN pepper, given to its tills at enrolment. */
  pinPepper: (schoolId: string) => `pin-pepper:${schoolId}`,
} as const;
