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
  await db.insert(serverSecrets).values({ name, value: randomBytes(32).toString('base64url') }).onConflictDoNothing();
  const [row] = await db.select({ value: serverSecrets.value }).from(serverSecrets).where(eq(serverSecrets.name, name));
  return Buffer.from(row!.value, 'base64url');
}

/** Names of the secrets (one place, so no two features share a key by accident). */
export const SECRET = {
  /** Signs the cabinet's CSRF tokens. */
  csrf: 'csrf',
  /** Keys the opaque benefit category ids the pull gives tills (ledger/benefit-labels.ts). */
  benefitIds: 'benefit-ids',
  /** A school's PIN pepper, given to its tills at enrolment. */
  pinPepper: (schoolId: string) => `pin-pepper:${schoolId}`,
} as const;
