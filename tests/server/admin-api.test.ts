import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { generate } from 'otplib';
import { startTestServer, api, type TestServer } from './helpers.js';
import { addStaff, call, signIn, type ApiClient } from './admin-helpers.js';
import { DEMO_SCHOOL } from '../../src/core/demo-school.js';
import { cashiers } from '../../src/server/db/schema.js';
import { auditLog } from '../../src/server/db/staff-schema.js';
import { query } from '../../src/server/db/open.js';
import type { PullResponse } from '../../src/api/sync.js';

const S = DEMO_SCHOOL.school.id;

/** The database's reason for refusing a statement (drizzle wraps it as the cause). */
async function refusal(p: Promise<unknown>): Promise<string> {
  try { await p; } catch (err) { return String((err as { cause?: Error }).cause?.message ?? (err as Error).message); }
  return 'not refused';
}

describe('admin API: staff, sign-in, audit, concurrency', () => {
  let server: TestServer;
  let admin: ApiClient;
  beforeAll(async () => {
    server = await startTestServer();
    await server.handle.db.execute(sql`INSERT INTO schools (id, code, name) VALUES ('school-25', '25', 'Школа №25')`);
    await addStaff(server.handle, { login: 'district', password: 'district-pass-1', grants: [{ role: 'districtAdmin', schoolId: null, classNames: null }] });
  }, 180_000);
  afterAll(async () => { await server?.close(); });

  it('serves the OpenAPI document made from the zod schemas, with roles per route', async () => {
    const r = await call(server.url, 'GET', '/api/v1/openapi.json');
    expect(r.status).toBe(200);
    expect(r.body.openapi).toBe('3.0.3');
    const op = r.body.paths['/api/v1/schools/{schoolId}/staff'].post;
    expect(op['x-roles']).toEqual(['districtAdmin', 'schoolAdmin']);
    expect(op.requestBody.content['application/json'].schema.properties.grants.type).toBe('array');
  });

  it('a district admin enrols TOTP at first login; later logins need the code, once', async () => {
    const first = await call(server.url, 'POST', '/api/v1/auth/login', { login: 'district', password: 'district-pass-1' });
    expect(first.body.state).toBe('totpEnroll');
    const cookie = /staff_sid=[^;]+/.exec(first.setCookie!)![0];
    expect(first.setCookie).toMatch(/HttpOnly/i);
    expect(first.setCookie).toMatch(/SameSite=Strict/i);
    // Before the authenticator is confirmed nothing else answers.
    const early = await call(server.url, 'GET', `/api/v1/schools/${S}/staff`, undefined, { cookie });
    expect(early.status).toBe(401);
    const start = await call(server.url, 'POST', '/api/v1/auth/totp/start', {}, { cookie, csrf: first.body.csrfToken });
    expect(start.body.uri).toMatch(/^otpauth:\/\/totp\//);
    const bad = await call(server.url, 'POST', '/api/v1/auth/totp/confirm', { totp: '000000' }, { cookie, csrf: first.body.csrfToken });
    expect(bad.status).toBe(400);
    const code = await generate({ secret: start.body.secret });
    const ok = await call(server.url, 'POST', '/api/v1/auth/totp/confirm', { totp: code }, { cookie, csrf: first.body.csrfToken });
    expect(ok.status).toBe(200);
    expect(ok.body.state).toBe('ok');
    const list = await call(server.url, 'GET', `/api/v1/schools/${S}/staff`, undefined, { cookie });
    expect(list.status).toBe(200);

    const noCode = await call(server.url, 'POST', '/api/v1/auth/login', { login: 'district', password: 'district-pass-1' });
    expect(noCode.status).toBe(401);
    expect(noCode.body.error.details).toEqual({ totpRequired: true });
    // The code just used is spent: replaying it is refused.
    const replay = await call(server.url, 'POST', '/api/v1/auth/login', { login: 'district', password: 'district-pass-1', totp: code });
    expect(replay.status).toBe(401);
    const wrongPass = await call(server.url, 'POST', '/api/v1/auth/login', { login: 'district', password: 'nope-nope-nope' });
    expect(wrongPass.status).toBe(401);
    expect(wrongPass.body.error.message).toBe('Неверный логин, пароль или код');
  });

  it('writes need the CSRF header; a school admin creates a cashier whose PIN reaches only that school\'s tills', async () => {
    await addStaff(server.handle, { login: 'head24', password: 'head24-pass-1', grants: [{ role: 'schoolAdmin', schoolId: S, classNames: null }] });
    admin = await signIn(server.url, 'head24', 'head24-pass-1');
    const body = { fullName: 'Петрова Анна Ивановна', pin: '482913', grants: [{ role: 'cashier', schoolId: S }] };
    const noCsrf = await call(server.url, 'POST', `/api/v1/schools/${S}/staff`, body, { cookie: admin.cookie });
    expect(noCsrf.status).toBe(403);
    const other = await admin.call('POST', '/api/v1/schools/school-25/staff', { ...body, grants: [{ role: 'cashier', schoolId: 'school-25' }] });
    expect(other.status).toBe(403);
    const shortPin = await admin.call('POST', `/api/v1/schools/${S}/staff`, { ...body, pin: '1234' });
    expect(shortPin.status).toBe(400);
    expect(shortPin.body.error.message).toMatch(/PIN-код/);

    const created = await admin.call('POST', `/api/v1/schools/${S}/staff`, body);
    expect(created.status).toBe(201);
    expect(created.body.hasPin).toBe(true);
    const id = created.body.id as string;
    const pulled = await api<PullResponse>(server, 'GET', '/api/v1/sync/pull');
    const row = pulled.body.cashiers.find((c) => c.id === id)!;
    expect(row).toMatchObject({ name: 'Петрова Анна Ивановна', role: 'cashier', active: true });
    expect(row.pinHash).toMatch(/^\$argon2id\$/);

    const off = await admin.call('POST', `/api/v1/schools/${S}/staff/${id}/deactivate`);
    expect(off.status).toBe(200);
    const again = await api<PullResponse>(server, 'GET', `/api/v1/sync/pull?cursor=${encodeURIComponent(pulled.body.cursor)}`);
    expect(again.body.cashiers).toEqual([expect.objectContaining({ id, active: false })]);
    const [c] = await server.handle.db.select().from(cashiers).where(eq(cashiers.id, id));
    expect(c!.active).toBe(false);
  });

  it('a stale save is refused with 409 and what changed; the audit log keeps before and after and refuses edits', async () => {
    const made = await admin.call('POST', `/api/v1/schools/${S}/staff`, { fullName: 'Сидорова Мария', login: 'nurse24', password: 'nurse24-pass-1', grants: [{ role: 'nurse', schoolId: S }] });
    const id = made.body.id as string;
    const first = await admin.call('PATCH', `/api/v1/schools/${S}/staff/${id}`, { version: 1, fullName: 'Сидорова Мария Петровна' });
    expect(first.status).toBe(200);
    expect(first.body.version).toBe(2);
    const stale = await admin.call('PATCH', `/api/v1/schools/${S}/staff/${id}`, { version: 1, fullName: 'Сидорова М. П.' });
    expect(stale.status).toBe(409);
    expect(stale.body.error.details).toMatchObject({ currentVersion: 2, changed: { fullName: 'Сидорова Мария Петровна' } });
    const [stored] = await query<{ full_name: string }>(server.handle.db, sql`SELECT full_name FROM staff WHERE id = ${id}`);
    expect(stored!.full_name).toBe('Сидорова Мария Петровна');

    const rows = await server.handle.db.select().from(auditLog).where(eq(auditLog.entityId, id));
    expect(rows.map((r) => r.action)).toEqual(['staff.create', 'staff.update']);
    expect(rows[1]!.before).toMatchObject({ fullName: 'Сидорова Мария', version: 1 });
    expect(rows[1]!.after).toMatchObject({ fullName: 'Сидорова Мария Петровна', version: 2 });
    expect(JSON.stringify(rows)).not.toMatch(/argon2/);
    expect(await refusal(server.handle.db.execute(sql`UPDATE audit_log SET actor = 'x'`))).toMatch(/append-only/);
    expect(await refusal(server.handle.db.execute(sql`DELETE FROM audit_log`))).toMatch(/append-only/);
    expect(await refusal(server.handle.db.execute(sql`TRUNCATE audit_log`))).toMatch(/append-only/);
  });

  it('a deactivated person loses their session at once; the session is refused without cookie (401)', async () => {
    const nurse = await signIn(server.url, 'nurse24', 'nurse24-pass-1');
    expect((await nurse.call('GET', '/api/v1/auth/session')).status).toBe(200);
    const [row] = await query<{ id: string }>(server.handle.db, sql`SELECT id FROM staff WHERE login = 'nurse24'`);
    expect((await admin.call('POST', `/api/v1/schools/${S}/staff/${row!.id}/deactivate`)).status).toBe(200);
    expect((await nurse.call('GET', '/api/v1/auth/session')).status).toBe(401);
    expect((await call(server.url, 'GET', `/api/v1/schools/${S}/staff`)).status).toBe(401);
    const bad = await call(server.url, 'POST', '/api/v1/auth/login', { login: 'nurse24', password: 'nurse24-pass-1' });
    expect(bad.status).toBe(401);
  });
});
