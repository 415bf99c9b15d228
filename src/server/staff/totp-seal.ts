import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { eq, isNotNull } from 'drizzle-orm';
import { staff } from '../db/staff-schema.js';
import type { Tx } from '../db/open.js';
import { SECRET, sharedSecret } from '../secrets.js';

/**
 * TOTP secrets at rest: AES-256-GCM, the staff id as associated data (a sealed
 * value copied to another person's row does not open). Stored as
 * `aesgcm1:<key id>:<base64url(iv ‖ tag ‖ ciphertext)>`.
 *
 * The key: `CANTEEN_TOTP_KEY_FILE` (a file holding 32 bytes as base64 or hex) or
 * `CANTEEN_TOTP_KEY` — production should set one, so a copy of the database
 * alone does not give the second factor away — else a key made once in the
 * server's secrets store (`server_secrets`, key id `db`). The key id says which
 * key sealed a value; `resealTotpSecrets` (run at every server start) seals rows
 * still in plain text (written before this) or under the other known key with the current one.
 */
const PREFIX = 'aesgcm1';

export interface TotpKey { id: string; key: Buffer }

/** The configured key from the environment, or null (then the secrets store's). */
export function envTotpKey(env: NodeJS.ProcessEnv = process.env): TotpKey | null {
  const file = env.CANTEEN_TOTP_KEY_FILE;
  const raw = (file ? readFileSync(file, 'utf8') : env.CANTEEN_TOTP_KEY ?? '').trim();
  if (!raw) return null;
  const key = /^[0-9a-f]{64}$/i.test(raw) ? Buffer.from(raw, 'hex') : Buffer.from(raw, 'base64');
  if (key.length !== 32) throw new Error('CANTEEN_TOTP_KEY(_FILE): нужен ключ из 32 байт (base64 или 64 шестнадцатеричные цифры)');
  return { id: `env-${createHash('sha256').update(key).digest('hex').slice(0, 8)}`, key };
}

async function dbKey(db: Tx): Promise<TotpKey> {
  return { id: 'db', key: await sharedSecret(db, SECRET.totpKey) };
}

/** The key new values are sealed with. */
export async function currentTotpKey(db: Tx): Promise<TotpKey> {
  return envTotpKey() ?? dbKey(db);
}

export function isSealed(stored: string): boolean {
  return stored.startsWith(`${PREFIX}:`);
}

export async function sealTotp(db: Tx, staffId: string, secret: string, key?: TotpKey): Promise<string> {
  const k = key ?? await currentTotpKey(db);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', k.key, iv);
  cipher.setAAD(Buffer.from(staffId, 'utf8'));
  const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return `${PREFIX}:${k.id}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
}

/** The secret of a stored value (plain text from before sealing is taken as is). Throws when its key is not available. */
export async function openTotp(db: Tx, staffId: string, stored: string): Promise<string> {
  if (!isSealed(stored)) return stored;
  const [, keyId, data] = stored.split(':') as [string, string, string];
  const env = envTotpKey();
  const key = keyId === 'db' ? await dbKey(db) : env?.id === keyId ? env : null;
  if (!key) throw new Error(`TOTP-секрет зашифрован ключом ${keyId}, которого у сервера нет (CANTEEN_TOTP_KEY_FILE сменился?)`);
  const raw = Buffer.from(data, 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', key.key, raw.subarray(0, 12));
  decipher.setAAD(Buffer.from(staffId, 'utf8'));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
}

/**
 * The data migration of TOTP secrets: every row in plain text, or sealed with a
 * key other than the current one (and still openable), is sealed with the
 * current key. Idempotent: a second run finds nothing. Returns how many rows changed.
 */
export async function resealTotpSecrets(db: Tx): Promise<number> {
  const key = await currentTotpKey(db);
  const rows = await db.select({ id: staff.id, secret: staff.totpSecret }).from(staff).where(isNotNull(staff.totpSecret));
  let changed = 0;
  for (const r of rows) {
    if (r.secret!.startsWith(`${PREFIX}:${key.id}:`)) continue;
    const plain = await openTotp(db, r.id, r.secret!);
    await db.update(staff).set({ totpSecret: await sealTotp(db, r.id, plain, key) }).where(eq(staff.id, r.id));
    changed++;
  }
  return changed;
}
