import { api, setCsrf } from './api.js';
import { ROLE_NAMES, type StaffRole } from '../api/admin/common.js';
import type { SessionView } from '../api/admin/staff.js';

export { ROLE_NAMES };
export type Me = SessionView;

/** The signed-in person, or null (no session, or it expired). */
export async function whoAmI(): Promise<Me | null> {
  try {
    const me = await api<Me>('GET', '/auth/session');
    setCsrf(me.csrfToken);
    return me;
  } catch { return null; }
}

export async function logout(): Promise<void> {
  await api('POST', '/auth/logout', {}).catch(() => undefined);
  setCsrf(undefined);
}

/** Roles of the person at a school (a district grant counts everywhere). */
export function rolesAt(me: Me, schoolId: string | null): Set<StaffRole> {
  return new Set(me.staff.grants.filter((g) => g.schoolId === null || g.schoolId === schoolId).map((g) => g.role));
}

export function isDistrict(me: Me): boolean {
  return me.staff.grants.some((g) => g.schoolId === null);
}

/** Schools named in the person's grants (a district admin's list comes from the server). */
export function grantSchoolIds(me: Me): string[] {
  return [...new Set(me.staff.grants.map((g) => g.schoolId).filter((s): s is string => s !== null))];
}
