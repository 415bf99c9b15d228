import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEnrollmentCode } from '../../src/server/auth.js';
import { enrollTerminal } from '../../src/terminal/sync/enroll.js';
import { upsertSchool } from '../../src/server/admin/schools.js';
import { hashStaffPin, schoolPinPepper, staffPinProblem, verifyStaffPin } from '../../src/server/pins.js';
import { verifyStaffPin as tillVerify } from '../../src/terminal/staff-pin.js';
import type { PullResponse } from '../../src/api/sync.js';
import { api, startTestServer, type TestServer } from './helpers.js';

// Issue 11, reproduction 4: a pull leaked from one till gave every cashier's
// argon2 hash of a 4-digit PIN, cracked offline in seconds. The hashes are now
// keyed with the school's pepper, which a pull never carries.

let s: TestServer;
beforeAll(async () => { s = await startTestServer(); });
afterAll(async () => { await s?.close(); });

describe('staff PIN hashes', () => {
  it('verify only with the pepper they were made with, on the server and on the till', async () => {
    const pepper = Buffer.alloc(32, 7);
    const stored = await hashStaffPin('482913', pepper);
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=65536,t=3,p=1\$/);
    expect(await verifyStaffPin(stored, '482913', pepper)).toBe(true);
    expect(await tillVerify(stored, '482913', pepper)).toBe(true);
    expect(await verifyStaffPin(stored, '482914', pepper)).toBe(false);
    expect(await verifyStaffPin(stored, '482913', Buffer.alloc(32, 8))).toBe(false);
    expect(await tillVerify(stored, '482913', undefined)).toBe(false);
    expect(await verifyStaffPin('not a hash', '482913', pepper)).toBe(false);
  });

  it('new staff PINs have at least 6 digits and are not trivial', () => {
    for (const bad of ['1111', '12345', '111111', '123456', '987654', '12a456', '123456789']) expect(staffPinProblem(bad), bad).toMatch(/от 6 до 8 цифр/);
    for (const good of ['482913', '50731946']) expect(staffPinProblem(good), good).toBeUndefined();
  });
});

describe('a leaked pull', () => {
  it('holds no hash a PIN can be checked against: the pepper comes only with enrolment, one per school', async () => {
    const { code } = await createEnrollmentCode(s.handle.db, { schoolId: 'school-24', terminalName: 'Буфет' });
    const enrolled = await enrollTerminal(s.url, code);
    const pepper = Buffer.from(enrolled.pinPepper, 'base64url');
    expect(pepper).toHaveLength(32);
    expect(pepper.equals(await schoolPinPepper(s.handle.db, 'school-24'))).toBe(true);

    const pull = await api<PullResponse>(s, 'GET', '/api/v1/sync/pull', undefined, enrolled.token);
    expect(pull.status).toBe(200);
    expect(JSON.stringify(pull.body)).not.toContain(enrolled.pinPepper);
    const cashier = pull.body.cashiers.find((c) => c.role === 'cashier')!;
    const manager = pull.body.cashiers.find((c) => c.role === 'manager')!;
    // The demo PINs: what an attacker with only the pull tries first. Nothing matches without the pepper …
    for (const guess of ['1111', '9999', '0000', '1234']) {
      expect(await tillVerify(cashier.pinHash, guess, undefined)).toBe(false);
      expect(await tillVerify(manager.pinHash, guess, undefined)).toBe(false);
    }
    // … while the till with its pepper logs the cashier in.
    expect(await tillVerify(cashier.pinHash, '1111', pepper)).toBe(true);
    expect(await tillVerify(manager.pinHash, '9999', pepper)).toBe(true);

    // Benefit categories: opaque ids and a neutral label, never the social category.
    const text = JSON.stringify(pull.body);
    for (const secret of ['малообеспеченные', 'многодетные', 'опекаемые', 'ТЖС', 'ОВЗ', 'ben-low-income', 'ben-large-family']) expect(text).not.toContain(secret);
    expect(pull.body.benefitCategories.length).toBe(6);
    for (const b of pull.body.benefitCategories) {
      expect(b.id).toMatch(/^b-[A-Za-z0-9_-]{16}$/);
      expect(b.name).toMatch(/^Льгота(: .+)?$/);
    }
    const ids = new Set(pull.body.benefitCategories.map((b) => b.id));
    for (const r of pull.body.benefitRules) expect(ids.has(r.benefitCategoryId)).toBe(true);
    const withBenefit = pull.body.students.find((st) => st.benefitCategoryIds.length > 0)!;
    for (const id of withBenefit.benefitCategoryIds) expect(ids.has(id)).toBe(true);
    expect(pull.body.benefitCategories.map((b) => b.name)).toContain('Льгота: Завтрак — бесплатно');

    // Another school's tills get another pepper.
    await upsertSchool(s.handle.db, { id: 'school-31', code: '31', name: 'Школа №31' });
    const other = await createEnrollmentCode(s.handle.db, { schoolId: 'school-31' });
    expect((await enrollTerminal(s.url, other.code)).pinPepper).not.toBe(enrolled.pinPepper);
  });
});
