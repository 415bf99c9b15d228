import { z } from 'zod';
import { isoDateSchema, schoolParamsSchema } from './common.js';

/** Meals by order (docs/orders.md): the class teacher's day, the fix, reversals, the production sheet, the табель. */

export const classDayParamsSchema = schoolParamsSchema.extend({
  className: z.string().min(1).max(10),
  day: isoDateSchema,
});
export const dayParamsSchema = schoolParamsSchema.extend({ day: isoDateSchema });

const basis = z.enum(['preOrder', 'benefit', 'primary']);

export const classDayViewSchema = z.object({
  day: z.string(),
  className: z.string(),
  state: z.enum(['open', 'confirmed', 'fixed']),
  cutoff: z.string(),
  closed: z.string().nullable(),
  editable: z.boolean(),
  confirmedAt: z.string().nullable(),
  fixedAt: z.string().nullable(),
  sittings: z.array(z.object({ id: z.string(), name: z.string(), startsAt: z.string() })),
  pupils: z.array(z.object({
    studentId: z.string(),
    fullName: z.string(),
    accountNumber: z.string().nullable(),
    balance: z.number().int().nullable(),
    reserved: z.number().int(),
    /** null: not marked (counted present at the fix). */
    present: z.boolean().nullable(),
    source: z.enum(['manual', 'journal']).nullable(),
    benefits: z.array(z.string()),
    meals: z.array(z.object({
      sittingId: z.string(), mealSetId: z.string(), name: z.string(), parentAmount: z.number().int(), subsidyAmount: z.number().int(),
      basis, lineId: z.string().nullable(), reversed: z.boolean(),
    })),
  })),
});
export type ClassDayView = z.infer<typeof classDayViewSchema>;

export const attendanceInputSchema = z.object({
  marks: z.array(z.object({ studentId: z.string().min(1).max(100), present: z.boolean() })).min(1).max(100),
});
export const journalImportSchema = z.object({
  fileName: z.string().max(200),
  contentBase64: z.string().max(2_000_000),
});
export const fixResultSchema = z.object({ classes: z.number().int(), lines: z.number().int(), charged: z.number().int(), subsidised: z.number().int() });
export const reversalInputSchema = z.object({ reason: z.string().trim().min(3, 'причина возврата обязательна').max(300) });
export const reversalViewSchema = z.object({ lineId: z.string(), entryId: z.string(), subsidyEntryId: z.string(), refunded: z.number().int(), subsidyReturned: z.number().int() });

export const productionSheetSchema = z.object({
  day: z.string(),
  rows: z.array(z.object({ sittingId: z.string(), sittingName: z.string(), className: z.string(), mealSetId: z.string(), mealSetName: z.string(), portions: z.number().int() })),
  totals: z.array(z.object({ mealSetId: z.string(), mealSetName: z.string(), portions: z.number().int() })),
});
export type ProductionSheet = z.infer<typeof productionSheetSchema>;

export const tabelQuerySchema = z.object({
  className: z.string().min(1).max(10),
  month: z.string().regex(/^\d{4}-\d{2}$/, 'месяц: ГГГГ-ММ'),
  format: z.enum(['json', 'xlsx', 'csv', 'pdf']).default('json'),
});
export const tabelSchema = z.object({
  className: z.string(),
  month: z.string(),
  days: z.array(z.string()),
  pupils: z.array(z.object({
    studentId: z.string(), fullName: z.string(),
    /** Per day of `days`: the meals' short names ("З", "О", "П"), "" when none. */
    marks: z.array(z.string()),
    meals: z.number().int(), paid: z.number().int(), subsidised: z.number().int(),
  })),
  totals: z.object({ meals: z.number().int(), paid: z.number().int(), subsidised: z.number().int() }),
});
export type Tabel = z.infer<typeof tabelSchema>;
