import { and, eq, notInArray } from 'drizzle-orm';
import { z } from 'zod';
import { parse as parseCsv } from 'csv-parse/sync';
import { kopecksSchema } from '../../api/sync.js';
import { parseMoney } from '../../core/money.js';
import { ALLERGEN_IDS, parseAllergenList, type AllergenId } from '../../core/allergens.js';
import { benefitCategories, benefitRules, dishes, mealSets, menuCategories } from '../db/schema.js';
import type { Db, Tx } from '../db/open.js';
import { recordChanges } from '../changes.js';
import { HttpError } from '../errors.js';
import { decodeText } from './text.js';
import { detectCsvDelimiter } from '../csv.js';

const id = z.string().trim().min(1).max(100);
const item = z.object({
  id, name: z.string().trim().min(1).max(300), price: kopecksSchema.nonnegative(), categoryId: id,
  hotkey: z.string().max(10).nullish(), sort: z.number().int().default(0),
  /** Allergen ids of src/core/allergens.ts (TR CU 022/2011). */
  allergens: z.array(z.enum(ALLERGEN_IDS as [AllergenId, ...AllergenId[]])).default([]),
});
/** A school's menu file (JSON): replaces the school's menu; items left out are hidden, not deleted. */
export const menuFileSchema = z.object({
  categories: z.array(z.object({ id, name: z.string().trim().min(1), sort: z.number().int().default(0) })),
  dishes: z.array(item),
  mealSets: z.array(item.extend({ dishIds: z.array(id).default([]) })).default([]),
  benefitCategories: z.array(z.object({ id, name: z.string().trim().min(1) })).optional(),
  benefitRules: z.array(z.object({ id, benefitCategoryId: id, mealSetId: id, parentPays: kopecksSchema.nonnegative() })).optional(),
});
export type MenuFile = z.infer<typeof menuFileSchema>;

export async function applyMenu(tx: Tx, schoolId: string, menu: MenuFile): Promise<void> {
  const cats = new Set(menu.categories.map((c) => c.id));
  for (const it of [...menu.dishes, ...menu.mealSets]) {
    if (!cats.has(it.categoryId)) throw new HttpError(400, 'BAD_INPUT', `«${it.name}»: нет категории ${it.categoryId}`);
  }
  const dishIds = new Set(menu.dishes.map((d) => d.id));
  for (const m of menu.mealSets) {
    for (const d of m.dishIds) if (!dishIds.has(d)) throw new HttpError(400, 'BAD_INPUT', `Комплекс «${m.name}»: нет блюда ${d}`);
  }
  const hide = async (table: typeof menuCategories | typeof dishes | typeof mealSets | typeof benefitCategories | typeof benefitRules, keep: string[], kind: Parameters<typeof recordChanges>[2]) => {
    const gone = await tx.update(table).set({ active: false })
      .where(and(eq(table.schoolId, schoolId), eq(table.active, true), keep.length ? notInArray(table.id, keep) : undefined))
      .returning({ id: table.id });
    await recordChanges(tx, schoolId, kind, gone.map((g) => g.id));
  };

  for (const c of menu.categories) {
    await tx.insert(menuCategories).values({ schoolId, ...c, active: true })
      .onConflictDoUpdate({ target: [menuCategories.schoolId, menuCategories.id], set: { name: c.name, sort: c.sort, active: true } });
  }
  await hide(menuCategories, menu.categories.map((c) => c.id), 'category');
  await recordChanges(tx, schoolId, 'category', menu.categories.map((c) => c.id));

  for (const d of menu.dishes) {
    const row = { name: d.name, price: d.price, categoryId: d.categoryId, hotkey: d.hotkey ?? null, sort: d.sort, allergens: d.allergens ?? [], active: true };
    await tx.insert(dishes).values({ schoolId, id: d.id, ...row }).onConflictDoUpdate({ target: [dishes.schoolId, dishes.id], set: row });
  }
  await hide(dishes, menu.dishes.map((d) => d.id), 'dish');
  await recordChanges(tx, schoolId, 'dish', menu.dishes.map((d) => d.id));

  for (const m of menu.mealSets) {
    const row = { name: m.name, price: m.price, categoryId: m.categoryId, hotkey: m.hotkey ?? null, sort: m.sort, dishIds: m.dishIds, allergens: m.allergens ?? [], active: true };
    await tx.insert(mealSets).values({ schoolId, id: m.id, ...row }).onConflictDoUpdate({ target: [mealSets.schoolId, mealSets.id], set: row });
  }
  await hide(mealSets, menu.mealSets.map((m) => m.id), 'mealSet');
  await recordChanges(tx, schoolId, 'mealSet', menu.mealSets.map((m) => m.id));

  if (menu.benefitCategories) {
    for (const b of menu.benefitCategories) {
      await tx.insert(benefitCategories).values({ schoolId, ...b, active: true })
        .onConflictDoUpdate({ target: [benefitCategories.schoolId, benefitCategories.id], set: { name: b.name, active: true } });
    }
    await hide(benefitCategories, menu.benefitCategories.map((b) => b.id), 'benefitCategory');
    await recordChanges(tx, schoolId, 'benefitCategory', menu.benefitCategories.map((b) => b.id));
  }
  if (menu.benefitRules) {
    for (const r of menu.benefitRules) {
      const row = { benefitCategoryId: r.benefitCategoryId, mealSetId: r.mealSetId, parentPays: r.parentPays, active: true };
      await tx.insert(benefitRules).values({ schoolId, id: r.id, ...row })
        .onConflictDoUpdate({ target: [benefitRules.schoolId, benefitRules.id], set: row });
    }
    await hide(benefitRules, menu.benefitRules.map((r) => r.id), 'benefitRule');
    await recordChanges(tx, schoolId, 'benefitRule', menu.benefitRules.map((r) => r.id));
  }
}

/**
 * Menu from a file: JSON (menuFileSchema) or CSV with a header
 * `Категория;Наименование;Цена[;Код][;Клавиша][;Тип]` (Тип: "блюдо" or "комплекс";
 * price "49,61"). UTF-8 or Windows-1251. CSV menus keep the school's benefit rules.
 */
export function parseMenuFile(bytes: Buffer, fileName: string): MenuFile {
  const text = decodeText(bytes);
  if (fileName.toLowerCase().endsWith('.json')) {
    let raw: unknown;
    try { raw = JSON.parse(text); } catch (e) { throw new HttpError(400, 'BAD_INPUT', `Файл меню не JSON: ${(e as Error).message}`); }
    const parsed = menuFileSchema.safeParse(raw);
    if (!parsed.success) throw new HttpError(400, 'BAD_INPUT', `Файл меню: ${parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    return parsed.data;
  }
  const rows = parseCsv(text, { delimiter: detectCsvDelimiter(text), columns: false, skip_empty_lines: true, trim: true, relax_column_count: true, bom: true }) as string[][];
  const header = (rows.shift() ?? []).map((h) => h.toLowerCase());
  const col = (...names: string[]) => header.findIndex((h) => names.some((n) => h.startsWith(n)));
  const cCat = col('категор'), cName = col('наимен', 'блюдо', 'название'), cPrice = col('цена'), cId = col('код', 'id'), cKey = col('клавиш'), cKind = col('тип'), cAll = col('аллерг');
  if (cCat < 0 || cName < 0 || cPrice < 0) throw new HttpError(400, 'BAD_INPUT', 'В меню нужны столбцы «Категория», «Наименование», «Цена»');
  const menu: MenuFile = { categories: [], dishes: [], mealSets: [] };
  const catIds = new Map<string, string>();
  rows.forEach((r, i) => {
    const line = i + 2;
    const catName = r[cCat] ?? '';
    const name = r[cName] ?? '';
    if (!catName || !name) throw new HttpError(400, 'BAD_INPUT', `Строка ${line}: пустая категория или наименование`);
    let price: number;
    try { price = parseMoney(r[cPrice] ?? ''); } catch { throw new HttpError(400, 'BAD_INPUT', `Строка ${line}: неверная цена «${r[cPrice] ?? ''}»`); }
    let categoryId = catIds.get(catName);
    if (!categoryId) {
      categoryId = `cat-${catIds.size + 1}`;
      catIds.set(catName, categoryId);
      menu.categories.push({ id: categoryId, name: catName, sort: catIds.size });
    }
    const isSet = cKind >= 0 && /компл/i.test(r[cKind] ?? '');
    const itemId = (cId >= 0 && r[cId]) || `${isSet ? 'set' : 'dish'}-${line}`;
    const allergens = parseAllergenList(cAll >= 0 ? r[cAll] ?? '' : '');
    if (allergens.unknown.length) throw new HttpError(400, 'BAD_INPUT', `Строка ${line}: неизвестный аллерген «${allergens.unknown[0]}»`);
    const base = { id: itemId, name, price, categoryId, hotkey: (cKey >= 0 && r[cKey]) || null, sort: line, allergens: allergens.ids };
    if (isSet) menu.mealSets.push({ ...base, dishIds: [] });
    else menu.dishes.push(base);
  });
  return menu;
}

export async function setMenu(db: Db, schoolId: string, menu: MenuFile): Promise<void> {
  await db.transaction((tx) => applyMenu(tx, schoolId, menu));
}
