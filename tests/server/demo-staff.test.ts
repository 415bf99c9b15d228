import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from 'otplib';
import { staff } from '../../src/server/db/staff-schema.js';
import { DEMO_STAFF, DEMO_TOTP_SECRET, demoStaffLines, seedDemoStaff } from '../../src/server/admin/seed-demo-staff.js';
import { call } from './admin-helpers.js';
import { startTestServer, type TestServer } from './helpers.js';

/** The demo's console logins (npm start / canteen demo): the printed credentials and TOTP secret let one in. */
let s: TestServer;
beforeAll(async () => { s = await startTestServer(); }, 180_000);
afterAll(async () => { await s?.close(); });

describe('demo console logins', () => {
  it('are seeded once, sealed like any other, and the printed password and TOTP secret sign in', async () => {
    await seedDemoStaff(s.handle.db);
    await seedDemoStaff(s.handle.db);
    const rows = await s.handle.db.select().from(staff);
    expect(rows.map((r) => r.login).sort()).toEqual(DEMO_STAFF.map((d) => d.login).sort());
    expect(rows.find((r) => r.login === 'admin24')!.totpSecret).not.toContain(DEMO_TOTP_SECRET);

    const admin = DEMO_STAFF.find((d) => d.login === 'admin24')!;
    const noCode = await call(s.url, 'POST', '/api/v1/auth/login', { login: admin.login, password: admin.password });
    expect(noCode.body.error.details).toEqual({ totpRequired: true });
    const ok = await call(s.url, 'POST', '/api/v1/auth/login', { login: admin.login, password: admin.password, totp: await generate({ secret: DEMO_TOTP_SECRET }) });
    expect(ok.status).toBe(200);
    expect(ok.body.state).toBe('ok');
    const buh = DEMO_STAFF.find((d) => d.login === 'buh24')!;
    expect((await call(s.url, 'POST', '/api/v1/auth/login', { login: buh.login, password: buh.password })).body.state).toBe('ok');
    expect(demoStaffLines('http://127.0.0.1:5180').join('\n')).toContain(`admin24 / ${admin.password}`);
  });
});
