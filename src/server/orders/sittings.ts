import { and, asc, eq, sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { menuCategories } from '../db/schema.js';
import { mealSittings } from '../db/orders-schema.js';
import { query, type Tx } from '../db/open.js';
import { HttpError } from '../errors.js';
import { checkVersion, writeAudit, type Actor } from '../audit.js';
import { AUDIT } from '../admin/audit-keys.js';
import type { SittingInput, SittingView } from '../../api/admin/order-setup.js';
import { listSittings, type SittingRow } from './school-facts.js';
import { releasePreOrders } from './pre-orders.js';

/**
 * The school's meal sittings as the console edits them (docs/orders.md): checked (times, classes
 * of the school, no class at two sittings at once, the menu category), versioned and audited.
 * A class taken off a sitting, or a sitting switched off or removed, releases the open pre-orders
 * it can no longer serve; fixed lines keep their sitting id, so a sitting with lines is only switched off.
 */
export const SITTING_ENTITY = 'mealSitting';

export function sittingView(r: SittingRow): SittingView {
  return {
    id: r.id, kind: r.kind, name: r.name, startsAt: r.startsAt, endsAt: r.endsAt, classNames: r.classNames,
    menuCategoryId: r.menuCategoryId, sort: r.sort, active: r.active, version: r.version,
  };
}

/** The classes of the school's active pupils. */
export async function schoolClasses(db: Tx, schoolId: string): Promise<string[]> {
  const rows = await query<{ c: string }>(db, sql`SELECT DISTINCT class_name AS c FROM students
    WHERE school_id = ${schoolId} AND active AND archived_at IS NULL AND class_name <> ''`);
  return rows.map((r) => r.c).sort((a, b) => a.localeCompare(b, 'ru', { numeric: true }));
}

/** 400 naming every class the school does not have. */
export async function assertClassesExist(db: Tx, schoolId: string, classNames: readonly string[]): Promise<void> {
  if (!classNames.length) return;
  const known = new Set(await schoolClasses(db, schoolId));
  const unknown = [...new Set(classNames)].filter((c) => !known.has(c));
  if (unknown.length) {
    throw new HttpError(400, 'BAD_INPUT', `В школе нет ${unknown.length === 1 ? 'класса' : 'классов'} ${unknown.join(', ')}: в нём нет ни одного учащегося`, { unknown });
  }
}

export async function sittingList(db: Tx, schoolId: string) {
  const [sittings, classes, categories] = [
    await listSittings(db, schoolId, false), await schoolClasses(db, schoolId),
    await db.select({ id: menuCategories.id, name: menuCategories.name }).from(menuCategories)
      .where(and(eq(menuCategories.schoolId, schoolId), eq(menuCategories.active, true))).orderBy(asc(menuCategories.sort), asc(menuCategories.name)),
  ];
  return { sittings: sittings.map(sittingView), classes, categories };
}

async function check(tx: Tx, schoolId: string, input: SittingInput, selfId: string | null): Promise<void> {
  const dup = input.classNames.filter((c, i) => input.classNames.indexOf(c) !== i);
  if (dup.length) throw new HttpError(400, 'BAD_INPUT', `Класс ${dup[0]} указан дважды`);
  await assertClassesExist(tx, schoolId, input.classNames);
  if (input.menuCategoryId !== null) {
    const [cat] = await tx.select({ id: menuCategories.id }).from(menuCategories)
      .where(and(eq(menuCategories.schoolId, schoolId), eq(menuCategories.id, input.menuCategoryId), eq(menuCategories.active, true)));
    if (!cat) throw new HttpError(400, 'BAD_INPUT', 'Такой категории меню в школе нет');
  }
  if (!input.active) return;
  // A class cannot be at two tables at once: its sittings' times must not overlap. Two saves at once must
  // not both pass this check on what the other has not committed yet: one school's sitting writes queue here.
  await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${`meal-sittings:${schoolId}`}))`);
  for (const other of await listSittings(tx, schoolId)) {
    if (other.id === selfId || !(input.startsAt < other.endsAt && other.startsAt < input.endsAt)) continue;
    const both = input.classNames.filter((c) => other.classNames.includes(c));
    if (both.length) {
      throw new HttpError(400, 'BAD_INPUT',
        `${both.length === 1 ? 'Класс' : 'Классы'} ${both.join(', ')} уже ${both.length === 1 ? 'питается' : 'питаются'} в «${other.name}» ${other.startsAt}–${other.endsAt}: время приёмов пищи пересекается`,
        { sittingId: other.id, classNames: both });
    }
  }
}

export async function createSitting(tx: Tx, actor: Actor, schoolId: string, input: SittingInput): Promise<SittingView> {
  await check(tx, schoolId, input, null);
  const [row] = await tx.insert(mealSittings).values({ schoolId, id: uuidv7(), ...input }).returning();
  const after = sittingView(row!);
  await writeAudit(tx, actor, { action: 'sitting.create', entity: SITTING_ENTITY, entityId: AUDIT.key(schoolId, after.id), schoolId, after });
  return after;
}

async function lockSitting(tx: Tx, schoolId: string, id: string): Promise<SittingRow> {
  const [row] = await tx.select().from(mealSittings).where(and(eq(mealSittings.schoolId, schoolId), eq(mealSittings.id, id))).for('update');
  if (!row) throw new HttpError(404, 'NOT_FOUND', 'Такого приёма пищи в школе нет');
  return row;
}

export async function updateSitting(tx: Tx, actor: Actor, schoolId: string, id: string, input: SittingInput & { version: number }) {
  const before = await lockSitting(tx, schoolId, id);
  await checkVersion(tx, SITTING_ENTITY, AUDIT.key(schoolId, id), { ...sittingView(before) }, input.version);
  const { version: _read, ...fields } = input;
  await check(tx, schoolId, fields, id);
  const [row] = await tx.update(mealSittings).set({ ...fields, version: before.version + 1 })
    .where(and(eq(mealSittings.schoolId, schoolId), eq(mealSittings.id, id))).returning();
  const after = sittingView(row!);
  // Classes that no longer eat here (all of them when it is switched off): their open pre-orders go.
  const gone = fields.active ? before.classNames.filter((c) => !fields.classNames.includes(c)) : before.classNames;
  await releasePreOrders(tx, schoolId, { sittingIds: [id], classNames: gone });
  await writeAudit(tx, actor, { action: 'sitting.update', entity: SITTING_ENTITY, entityId: AUDIT.key(schoolId, id), schoolId, before: sittingView(before), after });
  return after;
}

/** Removes a sitting that never had a fixed line; one with lines can only be switched off (its history names it). */
export async function deleteSitting(tx: Tx, actor: Actor, schoolId: string, id: string): Promise<number> {
  const before = await lockSitting(tx, schoolId, id);
  const [used] = await query<{ n: number }>(tx, sql`SELECT 1 AS n FROM order_lines WHERE school_id = ${schoolId} AND sitting_id = ${id} LIMIT 1`);
  if (used) {
    throw new HttpError(409, 'CONFLICT', `По приёму пищи «${before.name}» уже есть зафиксированные заявки: его нельзя удалить, только отключить (снимите отметку «действует»)`);
  }
  const released = await releasePreOrders(tx, schoolId, { sittingIds: [id] });
  await tx.delete(mealSittings).where(and(eq(mealSittings.schoolId, schoolId), eq(mealSittings.id, id)));
  await writeAudit(tx, actor, { action: 'sitting.delete', entity: SITTING_ENTITY, entityId: AUDIT.key(schoolId, id), schoolId, before: sittingView(before), after: { released } });
  return released;
}
