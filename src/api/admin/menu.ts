import { z } from 'zod';
import { CYCLE_LENGTHS } from '../../core/menu-cycle.js';
import { ALLERGEN_IDS, type AllergenId } from '../../core/allergens.js';

/** The console's menu API (/api/v1/schools/:schoolId/menu…): catalogue, cycle menu, per-date overrides. */
const itemId = z.string().trim().min(1).max(100);
const name = z.string().trim().min(1, 'Введите наименование').max(300, 'Наименование длиннее 300 знаков');
/** Kopecks; 0 … 100 000 ₽. */
const price = z.number().int('Цена — в копейках, целое число').min(0, 'Цена не может быть отрицательной').max(10_000_000, 'Цена больше 100 000 ₽');
export const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'Дата в формате ГГГГ-ММ-ДД')
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), 'Такой даты нет');
const version = z.number().int().positive().optional();

export const categoryInput = z.object({ id: itemId.optional(), name, sort: z.number().int().default(0), version });
export const dishInput = z.object({
  id: itemId.optional(), name, price, categoryId: itemId,
  portion: z.string().trim().max(40, 'Выход порции длиннее 40 знаков').default(''),
  hotkey: z.string().trim().max(10).nullish(), sort: z.number().int().default(0), active: z.boolean().default(true),
  /** The 14 allergen groups of TR CU 022/2011 (src/core/allergens.ts) the item contains. */
  allergens: z.array(z.enum(ALLERGEN_IDS as [AllergenId, ...AllergenId[]], { error: 'Неизвестный аллерген' })).max(14).default([]),
  version,
});
export const mealSetInput = dishInput.omit({ portion: true }).extend({
  dishIds: z.array(itemId).min(1, 'В комплексе должно быть хотя бы одно блюдо').max(30),
});
export type DishInput = z.infer<typeof dishInput>;
export type MealSetInput = z.infer<typeof mealSetInput>;

const dayItems = z.object({ dishIds: z.array(itemId).max(100).default([]), mealSetIds: z.array(itemId).max(50).default([]) });

export const cycleInput = z.object({
  lengthDays: z.union(CYCLE_LENGTHS.map((n) => z.literal(n)) as [z.ZodLiteral<10>, z.ZodLiteral<14>], { error: 'Цикл — 10 или 14 дней' }),
  startsOn: isoDate,
  weekdays: z.array(z.number().int().min(1).max(7)).min(1, 'Отметьте хотя бы один день недели').max(7).default([1, 2, 3, 4, 5]),
  days: z.array(dayItems.extend({ dayNo: z.number().int().min(1).max(14) })).max(14),
  version,
}).refine((c) => c.days.every((d) => d.dayNo <= c.lengthDays), { message: 'День цикла больше его длины', path: ['days'] });
export type CycleInput = z.infer<typeof cycleInput>;

export const overrideInput = dayItems.extend({ day: isoDate, note: z.string().trim().max(300).default(''), version });
export type OverrideInput = z.infer<typeof overrideInput>;

export const menuOfDate = z.object({
  date: z.string(),
  source: z.enum(['override', 'cycle', 'none']),
  dayNo: z.number().int().nullable(),
  note: z.string(),
  dishIds: z.array(z.string()),
  mealSetIds: z.array(z.string()),
  /** The override's version (for its next save); null when the date has none. */
  version: z.number().int().nullable().optional(),
});
