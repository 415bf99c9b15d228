import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { auditLog } from '../../src/server/db/staff-schema.js';
import { addStaff, signIn, type ApiClient } from './admin-helpers.js';
import { startTestServer, type TestServer } from './helpers.js';

/**
 * A person who works at two schools: what is done to them is logged under the
 * school it concerned (the school the request was made at; for a change of
 * roles also every school whose roles changed), so each school's log is its
 * own — not everything under the person's first school.
 */
let s: TestServer;
let district: ApiClient;
let head25: ApiClient;
let personId = '';
const rowsOf = async (action: string) => (await s.handle.db.select({ schoolId: auditLog.schoolId }).from(auditLog)
  .where(and(eq(auditLog.action, action), eq(auditLog.entityId, personId)))).map((r) => r.schoolId).sort();

beforeAll(async () => {
  s = await startTestServer();
  await addStaff(s.handle, { login: 'district', password: 'district-pass-1', grants: [{ role: 'districtAdmin', schoolId: null, classNames: null }] });
  district = await signIn(s.url, 'district', 'district-pass-1');
  expect((await district.call('POST', '/api/v1/schools', { code: '25', name: 'Школа №25' })).status).toBe(201);
  // Admin of both schools (the district's methodologist, say).
  await addStaff(s.handle, { login: 'head25', password: 'head25-pass-1', grants: [{ role: 'schoolAdmin', schoolId: 'school-24', classNames: null }, { role: 'schoolAdmin', schoolId: 'school-25', classNames: null }] });
  head25 = await signIn(s.url, 'head25', 'head25-pass-1');
}, 180_000);
afterAll(async () => { await s?.close(); });

describe('audit rows of a person at two schools', () => {
  it('go under the school the action concerned', async () => {
    const created = await district.call('POST', '/api/v1/schools/school-24/staff', {
      fullName: 'Бухгалтерова Нина', login: 'nina', password: 'nina-pass-123',
      grants: [{ role: 'accountant', schoolId: 'school-24' }, { role: 'accountant', schoolId: 'school-25' }],
    });
    expect(created.status).toBe(201);
    personId = created.body.id;
    expect(await rowsOf('staff.create')).toEqual(['school-24']);

    // An admin of both schools resets her password at school 25: school 25's log, not school 24's.
    expect((await head25.call('PUT', `/api/v1/schools/school-25/staff/${personId}/password`, { password: 'nina-new-pass-1' })).status).toBe(200);
    expect(await rowsOf('staff.password')).toEqual(['school-25']);
    const log25 = await head25.call('GET', '/api/v1/schools/school-25/audit?action=staff.password');
    expect(log25.body.map((r: { entityId: string }) => r.entityId)).toEqual([personId]);
    const log24 = await district.call('GET', '/api/v1/schools/school-24/audit?action=staff.password');
    expect(log24.body).toEqual([]);

    // A change of roles made at school 24 that takes her off school 25 is in both logs.
    const v = (await district.call('GET', `/api/v1/schools/school-24/staff/${personId}`)).body.version;
    const upd = await district.call('PATCH', `/api/v1/schools/school-24/staff/${personId}`, { version: v, grants: [{ role: 'accountant', schoolId: 'school-24' }] });
    expect(upd.status, JSON.stringify(upd.body)).toBe(200);
    expect(await rowsOf('staff.update')).toEqual(['school-24', 'school-25']);
  });
});
