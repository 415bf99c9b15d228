import { and, eq, inArray, sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { TILL_ROLES, TOTP_ROLES, type StaffRole } from '../../api/admin/common.js';
import type { Grant, StaffView } from '../../api/admin/staff.js';
import { cashiers, schools } from '../db/schema.js';
import { staff, staffSessions } from '../db/staff-schema.js';
import type { Tx } from '../db/open.js';
import { HttpError } from '../errors.js';
import { checkVersion, writeAudit, type Actor, type AuditInput } from '../audit.js';
import { recordChanges } from '../changes.js';
import { hashPassword } from '../cabinet/passwords.js';
import { hashStaffPin, schoolPinPepper, staffPinProblem } from '../pins.js';

/**
 * Staff records: the service behind both the admin API and `canteen server
 * staff …`. Every write checks that the actor may manage the person, bumps the
 * version, writes the audit log and keeps the tills' `cashiers` rows in step,
 * all in the caller's transaction.
 */

export type StaffRow = typeof staff.$inferSelect;

/** The actor of a staff write: a signed-in person (their grants) or the command line (grants null: may do anything). */
export interface StaffActor extends Actor { grants: Grant[] | null }

export function staffView(r: StaffRow): StaffView {
  return {
    id: r.id, login: r.login, fullName: r.fullName, grants: r.grants, active: r.active,
    hasPassword: r.passwordHash !== null, hasPin: r.pinHash !== null, totpEnrolled: r.totpEnabledAt !== null,
    version: r.version, createdAt: r.createdAt, updatedAt: r.updatedAt,
  };
}

/** What the audit log keeps of a person: the view without timestamps (no hash, no secret). */
function auditView(r: StaffRow) {
  const { createdAt: _c, updatedAt: _u, ...v } = staffView(r);
  return v;
}

export function needsTotp(grants: Grant[]): boolean {
  return grants.some((g) => (TOTP_ROLES as readonly StaffRole[]).includes(g.role));
}

/** Schools where the grants give one of `roles` (null: every school, a district-wide grant). */
export function schoolsWith(grants: Grant[], roles: readonly StaffRole[]): string[] | null {
  const out = new Set<string>();
  for (const g of grants) {
    if (!roles.includes(g.role)) continue;
    if (g.schoolId === null) return null;
    out.add(g.schoolId);
  }
  return [...out];
}

/**
 * A district admin manages everyone; a school admin manages people whose every
 * role is at schools they administer, and cannot hand out district roles.
 */
function mayManage(actor: StaffActor, grants: Grant[]): boolean {
  if (actor.grants === null) return true;
  const adminOf = schoolsWith(actor.grants, ['districtAdmin', 'schoolAdmin']);
  if (adminOf === null) return true;
  return grants.every((g) => g.role !== 'districtAdmin' && g.schoolId !== null && adminOf.includes(g.schoolId));
}

function requireManage(actor: StaffActor, grants: Grant[]): void {
  if (!mayManage(actor, grants)) throw new HttpError(403, 'FORBIDDEN', 'Недостаточно прав: можно назначать роли только в своих школах');
}

/** Grants as the database keeps them: checked, de-duplicated, schools existing. */
async function checkGrants(db: Tx, grants: Grant[]): Promise<Grant[]> {
  const seen = new Map<string, Grant>();
  for (const g of grants) {
    if (g.role === 'districtAdmin') {
      if (g.schoolId !== null) throw new HttpError(400, 'BAD_INPUT', 'Администратор района работает во всех школах: школу указывать не нужно');
    } else if (g.schoolId === null) {
      throw new HttpError(400, 'BAD_INPUT', `Для роли «${g.role}» нужна школа`);
    }
    if (g.role === 'classTeacher' && !g.classNames?.length) throw new HttpError(400, 'BAD_INPUT', 'Классному руководителю нужен хотя бы один класс');
    const classNames = g.role === 'classTeacher' ? [...new Set(g.classNames)] : null;
    seen.set(`${g.role}@${g.schoolId}`, { role: g.role, schoolId: g.schoolId, classNames });
  }
  const out = [...seen.values()];
  const ids = [...new Set(out.flatMap((g) => (g.schoolId ? [g.schoolId] : [])))];
  if (ids.length) {
    const found = await db.select({ id: schools.id }).from(schools).where(inArray(schools.id, ids));
    const missing = ids.filter((id) => !found.some((f) => f.id === id));
    if (missing.length) throw new HttpError(400, 'BAD_INPUT', `Школа не найдена: ${missing.join(', ')}`);
  }
  const tillSchools = new Set(out.filter((g) => (TILL_ROLES as readonly StaffRole[]).includes(g.role)).map((g) => g.schoolId));
  if (tillSchools.size > 1) throw new HttpError(400, 'BAD_INPUT', 'Кассир и заведующий производством работают в одной школе: у каждой школы свои ПИН-коды');
  return out;
}

function tillSchool(grants: Grant[]): string | null {
  return grants.find((g) => (TILL_ROLES as readonly StaffRole[]).includes(g.role))?.schoolId ?? null;
}

/**
 * The tills' view of a person (`cashiers`, pulled by the school's terminals):
 * active with the PIN while the person is active, has a till role and a PIN;
 * otherwise the row stays but inactive, so the next pull logs the person out.
 */
async function syncTill(db: Tx, r: StaffRow): Promise<void> {
  const schoolId = tillSchool(r.grants);
  const [existing] = await db.select().from(cashiers).where(eq(cashiers.id, r.id));
  if (existing && schoolId && existing.schoolId !== schoolId) {
    throw new HttpError(409, 'CONFLICT', 'Кассира нельзя перевести в другую школу: заведите новую запись (ПИН-коды у каждой школы свои)');
  }
  if (schoolId && r.pinHash) {
    const role = r.grants.some((g) => g.role === 'manager') ? 'manager' as const : 'cashier' as const;
    const values = { id: r.id, schoolId, name: r.fullName, role, pinHash: r.pinHash, active: r.active };
    await db.insert(cashiers).values(values).onConflictDoUpdate({ target: cashiers.id, set: values });
    await recordChanges(db, schoolId, 'cashier', [r.id]);
  } else if (existing && existing.active) {
    await db.update(cashiers).set({ active: false }).where(eq(cashiers.id, r.id));
    await recordChanges(db, existing.schoolId, 'cashier', [r.id]);
  }
}

export async function getStaff(db: Tx, id: string): Promise<StaffRow> {
  const [r] = await db.select().from(staff).where(eq(staff.id, id));
  if (!r) throw new HttpError(404, 'NOT_FOUND', 'Сотрудник не найден');
  return r;
}

/** People with a role at any of these schools (null: everyone), by name. */
export async function listStaff(db: Tx, schoolIds: string[] | null): Promise<StaffRow[]> {
  const rows = await db.select().from(staff).orderBy(staff.fullName, staff.id);
  if (schoolIds === null) return rows;
  return rows.filter((r) => r.grants.some((g) => g.schoolId !== null && schoolIds.includes(g.schoolId)));
}

/** A person at a school as the school's staff see them: 404 (not 403) for people of other schools. */
export async function getStaffAt(db: Tx, id: string, schoolId: string): Promise<StaffRow> {
  const r = await getStaff(db, id);
  if (!r.grants.some((g) => g.schoolId === schoolId)) throw new HttpError(404, 'NOT_FOUND', 'Сотрудник не найден в этой школе');
  return r;
}

export interface NewStaff {
  fullName: string;
  login?: string | null;
  password?: string;
  pin?: string;
  grants: Grant[];
}

export async function createStaff(db: Tx, actor: StaffActor, input: NewStaff): Promise<StaffRow> {
  const grants = await checkGrants(db, input.grants);
  requireManage(actor, grants);
  if (input.login) await requireFreeLogin(db, input.login);
  if (input.password && !input.login) throw new HttpError(400, 'BAD_INPUT', 'Пароль без логина не нужен: укажите логин');
  const id = uuidv7();
  const pinHash = input.pin ? await pinHashFor(db, grants, input.pin) : null;
  const [row] = await db.insert(staff).values({
    id, login: input.login ?? null, fullName: input.fullName.trim(), grants,
    passwordHash: input.password ? await hashPassword(input.password) : null, pinHash,
  }).returning();
  await syncTill(db, row!);
  await auditStaff(db, actor, { action: 'staff.create', entity: 'staff', entityId: id, after: auditView(row!) }, schoolsOf(grants));
  return row!;
}

export interface StaffPatch {
  version: number;
  fullName?: string;
  login?: string | null;
  grants?: Grant[];
  active?: boolean;
}

export async function updateStaff(db: Tx, actor: StaffActor, id: string, patch: StaffPatch): Promise<StaffRow> {
  const before = await lockStaff(db, id);
  requireManage(actor, before.grants);
  await checkVersion(db, 'staff', id, staffView(before), patch.version);
  const grants = patch.grants ? await checkGrants(db, patch.grants) : before.grants;
  requireManage(actor, grants);
  if (patch.login && patch.login !== before.login) await requireFreeLogin(db, patch.login);
  if (actor.staffId === id && patch.active === false) throw new HttpError(400, 'BAD_INPUT', 'Нельзя отключить самого себя');
  const after = await save(db, before, {
    fullName: patch.fullName?.trim() ?? before.fullName,
    login: patch.login === undefined ? before.login : patch.login,
    grants, active: patch.active ?? before.active,
  });
  if (!after.active) await db.delete(staffSessions).where(eq(staffSessions.staffId, id));
  await auditStaff(db, actor, { action: 'staff.update', entity: 'staff', entityId: id, before: auditView(before), after: auditView(after) }, schoolsOf(before.grants, grants), changedSchools(before.grants, grants));
  return after;
}

/** Sets or resets the till PIN; the school's tills get the new hash on their next pull. */
export async function setStaffPin(db: Tx, actor: StaffActor, id: string, pin: string): Promise<StaffRow> {
  const before = await lockStaff(db, id);
  requireManage(actor, before.grants);
  const after = await save(db, before, { pinHash: await pinHashFor(db, before.grants, pin) });
  await auditStaff(db, actor, { action: 'staff.pin', entity: 'staff', entityId: id, before: auditView(before), after: auditView(after) }, [tillSchool(before.grants)!]);
  return after;
}

/** Sets a console password (an admin for someone else, or the person for themselves). Signs the person out everywhere else. */
export async function setStaffPassword(db: Tx, actor: StaffActor, id: string, password: string, keepSessionHash?: string): Promise<StaffRow> {
  const before = await lockStaff(db, id);
  if (actor.staffId !== id) requireManage(actor, before.grants);
  if (!before.login) throw new HttpError(400, 'BAD_INPUT', 'Сначала задайте сотруднику логин');
  const after = await save(db, before, { passwordHash: await hashPassword(password) });
  await db.delete(staffSessions).where(keepSessionHash
    ? and(eq(staffSessions.staffId, id), sql`${staffSessions.idHash} <> ${keepSessionHash}`)
    : eq(staffSessions.staffId, id));
  await auditStaff(db, actor, { action: 'staff.password', entity: 'staff', entityId: id, before: auditView(before), after: auditView(after) }, schoolsOf(before.grants));
  return after;
}

/** Takes the authenticator away: the person enrols a new one at the next login. */
export async function resetStaffTotp(db: Tx, actor: StaffActor, id: string): Promise<StaffRow> {
  const before = await lockStaff(db, id);
  requireManage(actor, before.grants);
  const after = await save(db, before, { totpSecret: null, totpEnabledAt: null, totpLastStep: null });
  await db.delete(staffSessions).where(eq(staffSessions.staffId, id));
  await auditStaff(db, actor, { action: 'staff.totpReset', entity: 'staff', entityId: id, before: auditView(before), after: auditView(after) }, schoolsOf(before.grants));
  return after;
}

/** Access ends at once: sessions deleted now, the tills drop the PIN on their next pull. */
export async function deactivateStaff(db: Tx, actor: StaffActor, id: string): Promise<StaffRow> {
  const before = await lockStaff(db, id);
  requireManage(actor, before.grants);
  if (actor.staffId === id) throw new HttpError(400, 'BAD_INPUT', 'Нельзя отключить самого себя');
  const after = before.active ? await save(db, before, { active: false }) : before;
  await db.delete(staffSessions).where(eq(staffSessions.staffId, id));
  if (before.active) {
    await auditStaff(db, actor, { action: 'staff.deactivate', entity: 'staff', entityId: id, before: auditView(before), after: auditView(after) }, schoolsOf(before.grants));
  }
  return after;
}

async function lockStaff(db: Tx, id: string): Promise<StaffRow> {
  const [r] = await db.select().from(staff).where(eq(staff.id, id)).for('update');
  if (!r) throw new HttpError(404, 'NOT_FOUND', 'Сотрудник не найден');
  return r;
}

async function save(db: Tx, before: StaffRow, set: Partial<StaffRow>): Promise<StaffRow> {
  const [after] = await db.update(staff).set({ ...set, version: before.version + 1, updatedAt: sql`now()` as unknown as string })
    .where(eq(staff.id, before.id)).returning();
  await syncTill(db, after!);
  return after!;
}

async function pinHashFor(db: Tx, grants: Grant[], pin: string): Promise<string> {
  const problem = staffPinProblem(pin);
  if (problem) throw new HttpError(400, 'BAD_INPUT', problem);
  const schoolId = tillSchool(grants);
  if (!schoolId) throw new HttpError(400, 'BAD_INPUT', 'ПИН нужен только кассиру и заведующему производством');
  // Peppered with the school's key: the hash is only good for that school's tills.
  return hashStaffPin(pin, await schoolPinPepper(db, schoolId));
}

async function requireFreeLogin(db: Tx, login: string): Promise<void> {
  const [taken] = await db.select({ id: staff.id }).from(staff).where(eq(staff.login, login));
  if (taken) throw new HttpError(409, 'CONFLICT', `Логин «${login}» уже занят`);
}

function schoolsOf(...lists: Grant[][]): string[] {
  return [...new Set(lists.flat().flatMap((g) => (g.schoolId === null ? [] : [g.schoolId])))];
}

/** Schools whose grants an update adds, removes or changes. */
function changedSchools(before: Grant[], after: Grant[]): string[] {
  const at = (list: Grant[], s: string) => JSON.stringify(list.filter((g) => g.schoolId === s).map((g) => [g.role, g.classNames]).sort());
  return schoolsOf(before, after).filter((s) => at(before, s) !== at(after, s));
}

/**
 * A staff write is logged under the school it concerned, so each school's log
 * shows what was done to its people: the school the request was made at (when
 * the person works there), plus every school whose grants changed; from the
 * command line (no school) under each school the person works at. A district
 * admin (no school) is logged district-wide.
 */
async function auditStaff(db: Tx, actor: StaffActor, e: Omit<AuditInput, 'schoolId'>, concerned: string[], alsoChanged: string[] = []): Promise<void> {
  const at = actor.atSchool && concerned.includes(actor.atSchool) ? [...new Set([actor.atSchool, ...alsoChanged])] : concerned;
  if (!at.length) { await writeAudit(db, actor, { ...e, schoolId: null }); return; }
  for (const schoolId of at) await writeAudit(db, actor, { ...e, schoolId });
}
