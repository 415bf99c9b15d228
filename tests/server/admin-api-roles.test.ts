import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { startTestServer, type TestServer } from './helpers.js';
import { addStaff, call, signIn, type ApiClient } from './admin-helpers.js';
import { DEMO_SCHOOL } from '../../src/core/demo-school.js';
import { STAFF_ROLES, type StaffRole } from '../../src/api/admin/common.js';
import { query } from '../../src/server/db/open.js';

/**
 * The role matrix, generated from the OpenAPI document: every route × every
 * role × {own school, another school} → let in or 403 exactly as the route's
 * x-roles / x-scope say, and a refusal changes nothing; every route without a
 * session → 401. Routes added later are picked up from the document.
 */

const OWN = DEMO_SCHOOL.school.id;
const OTHER = 'school-25';
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

interface Op { method: string; path: string; roles: StaffRole[]; scope: string }

/** Path parameters other than the school get a placeholder: the gate runs before any lookup. */
function fill(path: string, school: string): string {
  return path.replace('{schoolId}', school).replace(/\{[^}]+\}/g, (m) => (/date/i.test(m) ? '2026-12-31' : /account/i.test(m) ? '0240000000' : /Id\}$/.test(m) && /flag/i.test(m) ? '1' : 'x-placeholder'));
}

function expected(op: Op, role: StaffRole, school: string): 'in' | 'forbidden' {
  if (!op.roles.includes(role)) return 'forbidden';
  if (op.scope === 'district') return role === 'districtAdmin' ? 'in' : 'forbidden';
  if (op.scope === 'school') return school === OWN || role === 'districtAdmin' ? 'in' : 'forbidden';
  return 'in';
}

describe('admin API role matrix (from /api/v1/openapi.json)', () => {
  let server: TestServer;
  let ops: Op[] = [];
  const clients = new Map<StaffRole, ApiClient>();

  /** What any write would leave behind: audit rows, change-log rows, entries, versions, money requests. */
  const fingerprint = async () => JSON.stringify(await query(server.handle.db, sql`SELECT
    (SELECT count(*) FROM audit_log)::int AS audit, (SELECT count(*) FROM changes)::int AS changes,
    (SELECT count(*) FROM entry_ids)::int AS entries, (SELECT coalesce(sum(version), 0) FROM staff)::int AS staff,
    (SELECT coalesce(sum(version), 0) FROM schools)::int AS schools, (SELECT count(*) FROM money_requests)::int AS money,
    (SELECT count(*) FROM school_calendar)::int AS calendar, (SELECT count(*) FROM enrollment_codes)::int AS codes,
    (SELECT count(*) FROM staff_sessions)::int AS sessions`));

  beforeAll(async () => {
    server = await startTestServer();
    await server.handle.db.execute(sql`INSERT INTO schools (id, code, name) VALUES (${OTHER}, '25', 'Школа №25')`);
    const [cls] = await query<{ class_name: string }>(server.handle.db, sql`SELECT class_name FROM students WHERE school_id = ${OWN} LIMIT 1`);
    for (const role of STAFF_ROLES) {
      const login = `role-${role.toLowerCase()}`;
      await addStaff(server.handle, {
        login, password: `${login}-password`,
        grants: [{ role, schoolId: role === 'districtAdmin' ? null : OWN, classNames: role === 'classTeacher' ? [cls!.class_name] : null }],
      });
      clients.set(role, await signIn(server.url, login, `${login}-password`));
    }
    const doc = (await call(server.url, 'GET', '/api/v1/openapi.json')).body as { paths: Record<string, Record<string, { 'x-roles'?: StaffRole[]; 'x-scope'?: string }>> };
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const m of METHODS) {
        const op = item[m];
        if (op) ops.push({ method: m.toUpperCase(), path, roles: op['x-roles'] ?? [], scope: op['x-scope'] ?? 'missing' });
      }
    }
  }, 120_000);
  afterAll(async () => { await server?.close(); });

  it('every route declares its roles and scope', () => {
    expect(ops.length).toBeGreaterThan(20);
    for (const op of ops) expect(['public', 'school', 'district', 'signedIn'], `${op.method} ${op.path}`).toContain(op.scope);
  });

  it('every route without a session answers 401 and changes nothing', async () => {
    const before = await fingerprint();
    for (const op of ops.filter((o) => o.scope !== 'public')) {
      const r = await call(server.url, op.method, fill(op.path, OWN), op.method === 'GET' ? undefined : {});
      expect(r.status, `${op.method} ${op.path}`).toBe(401);
    }
    expect(await fingerprint()).toBe(before);
  });

  it('every route × role × school: let in or 403 as declared; a 403 changes nothing', async () => {
    const refused: string[] = [];
    for (const op of ops.filter((o) => o.scope !== 'public' && !o.path.startsWith('/api/v1/auth/'))) {
      for (const role of STAFF_ROLES) {
        for (const school of [OWN, OTHER]) {
          const want = expected(op, role, school);
          const before = want === 'forbidden' ? await fingerprint() : '';
          const r = await clients.get(role)!.call(op.method, fill(op.path, school), op.method === 'GET' ? undefined : {});
          const label = `${op.method} ${op.path} as ${role} at ${school === OWN ? 'own' : 'other'} school → ${r.status}`;
          if (want === 'forbidden') {
            expect(r.status, label).toBe(403);
            expect(await fingerprint(), label).toBe(before);
            refused.push(label);
          } else {
            expect([401, 403], label).not.toContain(r.status);
            expect(r.status, label).toBeLessThan(500);
          }
        }
      }
    }
    expect(refused.length).toBeGreaterThan(0);
  }, 300_000);
});
