import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { generate } from 'otplib';
import { staff } from '../../src/server/db/staff-schema.js';
import { staffLogin } from '../../src/server/staff/sessions.js';
import { openTotp, resealTotpSecrets } from '../../src/server/staff/totp-seal.js';
import { addStaff, signIn } from './admin-helpers.js';
import { startTestServer, type TestServer } from './helpers.js';

/**
 * TOTP secrets are sealed at rest (AES-256-GCM): the stored column is not the
 * secret, a login still checks the code, a row written in plain text before
 * sealing (or under the other key) is sealed by the start-up data migration, once.
 */
let s: TestServer;
let secret = '';
let id = '';
const stored = async () => (await s.handle.db.select({ v: staff.totpSecret }).from(staff).where(eq(staff.id, id)))[0]!.v!;
/** A login at a later 30 s step (each code is accepted once). */
let step = 0;
const login = async () => {
  const now = new Date(Date.now() + ++step * 60_000);
  const totp = await generate({ secret, epoch: Math.floor(now.getTime() / 1000) });
  return s.handle.db.transaction((tx) => staffLogin(tx, { login: 'head', password: 'head-pass-123', totp, ip: '10.0.0.1' }, now));
};

beforeAll(async () => {
  s = await startTestServer();
  id = (await addStaff(s.handle, { login: 'head', password: 'head-pass-123', grants: [{ role: 'schoolAdmin', schoolId: 'school-24', classNames: null }] })).id;
  secret = (await signIn(s.url, 'head', 'head-pass-123')).totpSecret!;
}, 180_000);
afterAll(async () => { delete process.env.CANTEEN_TOTP_KEY; await s?.close(); });

describe('TOTP secrets at rest', () => {
  it('the stored column is not the secret, and the code still works', async () => {
    const v = await stored();
    expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
    expect(v).toMatch(/^aesgcm1:db:/);
    expect(v).not.toContain(secret);
    expect(Buffer.from(v.split(':')[2]!, 'base64url').toString('latin1')).not.toContain(secret);
    expect((await login()).verified).toBe(true);
    // Bound to its row: the same value under another person's id does not open.
    await expect(openTotp(s.handle.db, 'someone-else', v)).rejects.toThrow();
  });

  it('a row in plain text from before is sealed by the data migration, once', async () => {
    await s.handle.db.update(staff).set({ totpSecret: secret }).where(eq(staff.id, id));
    expect(await resealTotpSecrets(s.handle.db)).toBe(1);
    expect(await stored()).toMatch(/^aesgcm1:db:/);
    expect(await resealTotpSecrets(s.handle.db)).toBe(0);
    expect((await login()).verified).toBe(true);
  });

  it('with a key from the environment the rows are re-sealed under it', async () => {
    process.env.CANTEEN_TOTP_KEY = Buffer.alloc(32, 7).toString('base64');
    try {
      expect(await resealTotpSecrets(s.handle.db)).toBe(1);
      expect(await stored()).toMatch(/^aesgcm1:env-[0-9a-f]{8}:/);
      expect((await login()).verified).toBe(true);
    } finally { delete process.env.CANTEEN_TOTP_KEY; }
    // The key is gone: the server says so instead of accepting anything.
    await expect(login()).rejects.toThrow(/ключом env-/);
  });
});
