import { and, asc, eq, sql } from 'drizzle-orm';
import { normalizeAllergens, type AllergenId } from '../../core/allergens.js';
import { accounts, dishes, mealSets, menuCategories, students } from '../db/schema.js';
import type { Db } from '../db/open.js';
import { recordChanges } from '../changes.js';

/** What the "Аллергии и запреты" page shows and edits for one account. */
export interface DietView {
  allergies: AllergenId[];
  barredItemIds: string[];
  barredCategoryIds: string[];
  categories: { id: string; name: string; items: { id: string; name: string }[] }[];
}

export async function loadDiet(db: Db, accountNumber: string): Promise<DietView | null> {
  const [acc] = await db.select({
    schoolId: accounts.schoolId, items: accounts.barredItemIds, cats: accounts.barredCategoryIds, allergies: students.allergies,
  }).from(accounts).leftJoin(students, eq(students.id, accounts.studentId)).where(eq(accounts.accountNumber, accountNumber));
  if (!acc) return null;
  const S = acc.schoolId;
  const cats = await db.select({ id: menuCategories.id, name: menuCategories.name }).from(menuCategories)
    .where(and(eq(menuCategories.schoolId, S), eq(menuCategories.active, true))).orderBy(asc(menuCategories.sort), asc(menuCategories.name));
  const items = [
    ...await db.select({ id: dishes.id, name: dishes.name, categoryId: dishes.categoryId, sort: dishes.sort }).from(dishes)
      .where(and(eq(dishes.schoolId, S), eq(dishes.active, true))),
    ...await db.select({ id: mealSets.id, name: mealSets.name, categoryId: mealSets.categoryId, sort: mealSets.sort }).from(mealSets)
      .where(and(eq(mealSets.schoolId, S), eq(mealSets.active, true))),
  ].sort((a, b) => a.sort - b.sort || a.name.localeCompare(b.name, 'ru'));
  return {
    allergies: normalizeAllergens(acc.allergies ?? []),
    barredItemIds: acc.items,
    barredCategoryIds: acc.cats,
    categories: cats.map((c) => ({ id: c.id, name: c.name, items: items.filter((i) => i.categoryId === c.id).map(({ id, name }) => ({ id, name })) })),
  };
}

/**
 * The pupil's allergies as the parent declares them; the school's tills get them on their next pull.
 * Unknown ids are dropped (only the 14 groups of TR CU 022/2011 exist).
 */
export async function setAllergies(db: Db, accountNumber: string, ids: string[]): Promise<boolean> {
  const list = normalizeAllergens(ids);
  return db.transaction(async (tx) => {
    const [acc] = await tx.select({ studentId: accounts.studentId, schoolId: accounts.schoolId }).from(accounts)
      .where(eq(accounts.accountNumber, accountNumber));
    if (!acc?.studentId) return false;
    await tx.update(students).set({ allergies: list, updatedAt: sql`now()` }).where(eq(students.id, acc.studentId));
    await recordChanges(tx, acc.schoolId, 'student', [acc.studentId]);
    return true;
  });
}

/**
 * The parent's bans: dishes/meal sets and whole categories of the account's school. Ids that are
 * not on the school's menu are refused (a forged form changes nothing); the answer lists them.
 */
export async function setBans(db: Db, accountNumber: string, itemIds: string[], categoryIds: string[]): Promise<{ ok: true } | { ok: false; unknown: string[] }> {
  const view = await loadDiet(db, accountNumber);
  if (!view) return { ok: false, unknown: [] };
  const knownCats = new Set(view.categories.map((c) => c.id));
  const knownItems = new Set(view.categories.flatMap((c) => c.items.map((i) => i.id)));
  const items = [...new Set(itemIds)];
  const cats = [...new Set(categoryIds)];
  const unknown = [...items.filter((i) => !knownItems.has(i)), ...cats.filter((c) => !knownCats.has(c))];
  if (unknown.length) return { ok: false, unknown };
  await db.transaction(async (tx) => {
    const [acc] = await tx.update(accounts).set({ barredItemIds: items, barredCategoryIds: cats, updatedAt: sql`now()` })
      .where(eq(accounts.accountNumber, accountNumber)).returning({ schoolId: accounts.schoolId });
    if (acc) await recordChanges(tx, acc.schoolId, 'account', [accountNumber]);
  });
  return { ok: true };
}
