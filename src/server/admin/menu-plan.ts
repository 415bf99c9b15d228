import { and, asc, eq, gte, inArray, lte, sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { dishes, mealSets, menuCategories, menuCycleDays, menuCycles, menuOverrides } from '../db/schema.js';
import type { Tx } from '../db/open.js';
import { recordChanges } from '../changes.js';
import { HttpError } from '../errors.js';
import { cycleDayOf } from '../../core/menu-cycle.js';
import { normalizeAllergens } from '../../core/allergens.js';
import { checkVersion } from '../audit.js';
import { AUDIT } from './audit-keys.js';
import { saveSchoolRow } from './versioned.js';
import type { CycleInput, DishInput, MealSetInput, OverrideInput } from '../../api/admin/menu.js';

/**
 * The console's menu: the school's catalogue (categories, dishes with portion
 * and price, meal sets with their dishes) edited one item at a time, and the
 * plan of which items are served on a date (a cycle menu with per-date overrides).
 * Catalogue writes go to the tills on their next pull, as `canteen server menu` does.
 */
export async function getCatalogue(db: Tx, schoolId: string) {
  const [categories, dishRows, setRows] = await Promise.all([
    db.select().from(menuCategories).where(eq(menuCategories.schoolId, schoolId)).orderBy(asc(menuCategories.sort), asc(menuCategories.name)),
    db.select().from(dishes).where(eq(dishes.schoolId, schoolId)).orderBy(asc(dishes.sort), asc(dishes.name)),
    db.select().from(mealSets).where(eq(mealSets.schoolId, schoolId)).orderBy(asc(mealSets.sort), asc(mealSets.name)),
  ]);
  return { categories, dishes: dishRows, mealSets: setRows };
}

async function requireCategory(tx: Tx, schoolId: string, categoryId: string): Promise<void> {
  const [cat] = await tx.select({ id: menuCategories.id }).from(menuCategories)
    .where(and(eq(menuCategories.schoolId, schoolId), eq(menuCategories.id, categoryId), eq(menuCategories.active, true)));
  if (!cat) throw new HttpError(400, 'BAD_INPUT', `Нет такой категории меню: ${categoryId}`);
}

export async function saveCategory(db: Tx, schoolId: string, input: { id?: string; name: string; sort: number }) {
  const id = input.id ?? uuidv7();
  return db.transaction(async (tx) => {
    const [row] = await tx.insert(menuCategories).values({ schoolId, id, name: input.name, sort: input.sort, active: true })
      .onConflictDoUpdate({ target: [menuCategories.schoolId, menuCategories.id], set: { name: input.name, sort: input.sort, active: true } }).returning();
    await recordChanges(tx, schoolId, 'category', [id]);
    return row!;
  });
}

/** Creates a dish (no id) or edits one (id + the version read). */
export async function saveDish(db: Tx, schoolId: string, input: DishInput) {
  return db.transaction(async (tx) => {
    await requireCategory(tx, schoolId, input.categoryId);
    const row = { name: input.name, price: input.price, categoryId: input.categoryId, portion: input.portion, hotkey: input.hotkey ?? null, sort: input.sort, active: input.active, allergens: normalizeAllergens(input.allergens) };
    return saveSchoolRow(tx, dishes, { schoolId, id: input.id, version: input.version, row, entity: AUDIT.dish, change: 'dish' });
  });
}

export async function saveMealSet(db: Tx, schoolId: string, input: MealSetInput) {
  return db.transaction(async (tx) => {
    await requireCategory(tx, schoolId, input.categoryId);
    const found = await tx.select({ id: dishes.id }).from(dishes).where(and(eq(dishes.schoolId, schoolId), inArray(dishes.id, input.dishIds)));
    const missing = input.dishIds.filter((d) => !found.some((f) => f.id === d));
    if (missing.length) throw new HttpError(400, 'BAD_INPUT', `В комплексе блюда, которых нет в меню школы: ${missing.join(', ')}`);
    const row = { name: input.name, price: input.price, categoryId: input.categoryId, hotkey: input.hotkey ?? null, sort: input.sort, active: input.active, dishIds: input.dishIds, allergens: normalizeAllergens(input.allergens) };
    return saveSchoolRow(tx, mealSets, { schoolId, id: input.id, version: input.version, row, entity: AUDIT.mealSet, change: 'mealSet' });
  });
}

async function requireItems(tx: Tx, schoolId: string, dishIds: string[], mealSetIds: string[]): Promise<void> {
  const d = dishIds.length ? await tx.select({ id: dishes.id }).from(dishes).where(and(eq(dishes.schoolId, schoolId), inArray(dishes.id, dishIds))) : [];
  const m = mealSetIds.length ? await tx.select({ id: mealSets.id }).from(mealSets).where(and(eq(mealSets.schoolId, schoolId), inArray(mealSets.id, mealSetIds))) : [];
  const missing = [...dishIds.filter((x) => !d.some((r) => r.id === x)), ...mealSetIds.filter((x) => !m.some((r) => r.id === x))];
  if (missing.length) throw new HttpError(400, 'BAD_INPUT', `Нет в меню школы: ${missing.join(', ')}`);
}

export async function getCycle(db: Tx, schoolId: string) {
  const [cycle] = await db.select().from(menuCycles).where(eq(menuCycles.schoolId, schoolId));
  const days = await db.select().from(menuCycleDays).where(eq(menuCycleDays.schoolId, schoolId)).orderBy(asc(menuCycleDays.dayNo));
  return cycle ? { ...cycle, days } : null;
}

/** Replaces the school's cycle menu (its length, first date, days); a stale version is refused. */
export async function saveCycle(db: Tx, schoolId: string, input: CycleInput) {
  return db.transaction(async (tx) => {
    const [before] = await tx.select().from(menuCycles).where(eq(menuCycles.schoolId, schoolId)).for('update');
    if (before) await checkVersion(tx, AUDIT.menuCycle, schoolId, before, input.version ?? 0);
    await requireItems(tx, schoolId, [...new Set(input.days.flatMap((d) => d.dishIds))], [...new Set(input.days.flatMap((d) => d.mealSetIds))]);
    const row = { lengthDays: input.lengthDays, startsOn: input.startsOn, weekdays: [...new Set(input.weekdays)].sort() };
    if (before) await tx.update(menuCycles).set({ ...row, version: sql`${menuCycles.version} + 1` }).where(eq(menuCycles.schoolId, schoolId));
    else await tx.insert(menuCycles).values({ schoolId, ...row });
    await tx.delete(menuCycleDays).where(eq(menuCycleDays.schoolId, schoolId));
    const days = input.days.filter((d) => d.dishIds.length || d.mealSetIds.length);
    if (days.length) await tx.insert(menuCycleDays).values(days.map((d) => ({ schoolId, dayNo: d.dayNo, dishIds: d.dishIds, mealSetIds: d.mealSetIds })));
    return { before: before ?? null, after: await getCycle(tx, schoolId) };
  });
}

/** Sets what a date serves instead of its cycle day (a holiday menu, a missing delivery). */
export async function saveOverride(db: Tx, schoolId: string, input: OverrideInput) {
  return db.transaction(async (tx) => {
    await requireItems(tx, schoolId, input.dishIds, input.mealSetIds);
    const [before] = await tx.select().from(menuOverrides).where(and(eq(menuOverrides.schoolId, schoolId), eq(menuOverrides.day, input.day))).for('update');
    const row = { dishIds: input.dishIds, mealSetIds: input.mealSetIds, note: input.note };
    if (before) {
      await checkVersion(tx, AUDIT.menuOverride, AUDIT.key(schoolId, input.day), before, input.version ?? 0);
      await tx.update(menuOverrides).set({ ...row, version: sql`${menuOverrides.version} + 1` }).where(and(eq(menuOverrides.schoolId, schoolId), eq(menuOverrides.day, input.day)));
    } else {
      await tx.insert(menuOverrides).values({ schoolId, day: input.day, ...row });
    }
    const [after] = await tx.select().from(menuOverrides).where(and(eq(menuOverrides.schoolId, schoolId), eq(menuOverrides.day, input.day)));
    return { before: before ?? null, after: after! };
  });
}

export async function deleteOverride(db: Tx, schoolId: string, day: string) {
  const gone = await db.delete(menuOverrides).where(and(eq(menuOverrides.schoolId, schoolId), eq(menuOverrides.day, day))).returning();
  if (!gone.length) throw new HttpError(404, 'NOT_FOUND', `На ${day} нет особого меню`);
  return gone[0]!;
}

/** What a school serves on each date of a range: its override, else its cycle day, else nothing planned. */
export async function menuOfDates(db: Tx, schoolId: string, from: string, to: string) {
  const cycle = await getCycle(db, schoolId);
  const overrides = await db.select().from(menuOverrides)
    .where(and(eq(menuOverrides.schoolId, schoolId), gte(menuOverrides.day, from), lte(menuOverrides.day, to)));
  const out = [];
  for (let ms = Date.parse(`${from}T00:00:00Z`), end = Date.parse(`${to}T00:00:00Z`), n = 0; ms <= end && n < 62; ms += 86_400_000, n++) {
    const date = new Date(ms).toISOString().slice(0, 10);
    const o = overrides.find((x) => x.day === date);
    if (o) { out.push({ date, source: 'override' as const, dayNo: null, note: o.note, dishIds: o.dishIds, mealSetIds: o.mealSetIds, version: o.version }); continue; }
    const dayNo = cycle ? cycleDayOf(cycle, date) : null;
    const day = dayNo ? cycle!.days.find((d) => d.dayNo === dayNo) : undefined;
    out.push({ date, source: dayNo ? 'cycle' as const : 'none' as const, dayNo, note: '', dishIds: day?.dishIds ?? [], mealSetIds: day?.mealSetIds ?? [], version: null });
  }
  return out;
}
