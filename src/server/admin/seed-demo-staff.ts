import { eq, inArray } from 'drizzle-orm';
import { DEMO_SCHOOL } from '../../core/demo-school.js';
import type { Grant } from '../../api/admin/staff.js';
import { staff } from '../db/staff-schema.js';
import type { Db } from '../db/open.js';
import { createStaff } from '../staff/staff.js';
import { sealTotp } from '../staff/totp-seal.js';

/**
 * Console logins of the demo (`npm start` / `canteen demo` only — a real server
 * never calls this): a district admin and the demo school's admin with known
 * passwords and an authenticator already enrolled with a known secret, printed
 * at start, so the console at /admin/ is usable at once. TOTP stays on: the
 * demo signs in the way production does. Idempotent (an existing login is kept).
 */
export const DEMO_TOTP_SECRET = 'KRSXG5CTMVRXEZLUNBSWY3DPEHPK3PXP';

export const DEMO_STAFF: { login: string; password: string; fullName: string; grants: Grant[]; what: string }[] = [
  { login: 'district', password: 'demo-district-1', fullName: 'Демо: администратор района', what: 'администратор района', grants: [{ role: 'districtAdmin', schoolId: null, classNames: null }] },
  { login: 'admin24', password: 'demo-admin24-1', fullName: 'Демо: администратор школы №24', what: 'администратор школы №24', grants: [{ role: 'schoolAdmin', schoolId: DEMO_SCHOOL.school.id, classNames: null }] },
  { login: 'buh24', password: 'demo-buh24-1', fullName: 'Демо: бухгалтер школы №24', what: 'бухгалтер школы №24 (без TOTP)', grants: [{ role: 'accountant', schoolId: DEMO_SCHOOL.school.id, classNames: null }] },
];

export async function seedDemoStaff(db: Db): Promise<void> {
  const have = new Set((await db.select({ login: staff.login }).from(staff).where(inArray(staff.login, DEMO_STAFF.map((s) => s.login)))).map((r) => r.login));
  for (const s of DEMO_STAFF) {
    if (have.has(s.login)) continue;
    await db.transaction(async (tx) => {
      const row = await createStaff(tx, { staffId: null, name: 'cli:demo', grants: null }, { fullName: s.fullName, login: s.login, password: s.password, grants: s.grants });
      if (s.grants.some((g) => g.role === 'districtAdmin' || g.role === 'schoolAdmin')) {
        await tx.update(staff).set({ totpSecret: await sealTotp(tx, row.id, DEMO_TOTP_SECRET), totpEnabledAt: new Date().toISOString() }).where(eq(staff.id, row.id));
      }
    });
  }
}

/** The lines `canteen demo` prints about the console. */
export function demoStaffLines(serverUrl: string): string[] {
  return [
    `Консоль администратора: ${serverUrl}/admin/`,
    ...DEMO_STAFF.map((s) => `  ${s.what}: ${s.login} / ${s.password}`),
    `  код TOTP администраторов — из приложения-аутентификатора с секретом ${DEMO_TOTP_SECRET}`,
    `  (или: oathtool --totp -b ${DEMO_TOTP_SECRET})`,
  ];
}
