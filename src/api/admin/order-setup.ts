import { z } from 'zod';
import { isoDateSchema, versionSchema } from './common.js';

/**
 * How a school takes meal orders (docs/orders.md), as the console edits it: the meal sittings
 * (завтрак / обед / полдник with times and the classes that eat at each), the order settings
 * (cutoff, the «заказано, не съедено» policy) and the calendar (holidays, quarantines).
 */

export const SITTING_KIND_NAMES = { breakfast: 'Завтрак', lunch: 'Обед', snack: 'Полдник' } as const;
const sittingKind = z.enum(['breakfast', 'lunch', 'snack'], 'вид приёма пищи: завтрак, обед или полдник');

/** "09:40": hours 00–23, minutes 00–59. */
export const hhmmSchema = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'время в виде ЧЧ:ММ, например 09:40');
const className = z.string().trim().min(1).max(10);

const sittingFields = z.object({
  kind: sittingKind,
  name: z.string().trim().min(1, 'Введите название приёма пищи').max(60, 'Название длиннее 60 знаков'),
  startsAt: hhmmSchema,
  endsAt: hhmmSchema,
  classNames: z.array(className).max(200).default([]),
  /** The menu category whose meal sets it serves; null: every set of the day's menu. */
  menuCategoryId: z.string().min(1).max(100).nullable().default(null),
  sort: z.number().int().min(0).max(1000).default(0),
  active: z.boolean().default(true),
});
const endsAfterStart = { message: 'Приём пищи должен заканчиваться позже, чем начинается', path: ['endsAt'] };
export const sittingInputSchema = sittingFields.refine((s) => s.startsAt < s.endsAt, endsAfterStart);
export type SittingInput = z.infer<typeof sittingInputSchema>;
export const sittingUpdateSchema = sittingFields.extend({ version: versionSchema }).refine((s) => s.startsAt < s.endsAt, endsAfterStart);

export const sittingViewSchema = z.object({
  id: z.string(),
  kind: sittingKind,
  name: z.string(),
  startsAt: z.string(),
  endsAt: z.string(),
  classNames: z.array(z.string()),
  menuCategoryId: z.string().nullable(),
  sort: z.number().int(),
  active: z.boolean(),
  version: z.number().int(),
});
export type SittingView = z.infer<typeof sittingViewSchema>;

export const sittingListSchema = z.object({
  sittings: z.array(sittingViewSchema),
  /** The school's classes (of its active pupils), for the class chips. */
  classes: z.array(z.string()),
  /** Menu categories a sitting may serve. */
  categories: z.array(z.object({ id: z.string(), name: z.string() })),
});

export const sittingParamsSchema = z.object({ schoolId: z.string().min(1).max(100), sittingId: z.string().min(1).max(100) });

export const sittingDeleteResultSchema = z.object({ ok: z.literal(true), released: z.number().int() });

export const NOT_EATEN_POLICY_NAMES = {
  charge: 'списывается (заказ есть заказ)',
  release: 'возвращается на счёт',
} as const;
export const CUTOFF_KIND_NAMES = { sameDay: 'в тот же день', dayBefore: 'накануне' } as const;

export const orderSettingsInputSchema = z.object({
  cutoffKind: z.enum(['sameDay', 'dayBefore'], 'срок подачи: в тот же день или накануне'),
  cutoffTime: hhmmSchema,
  notEatenPolicy: z.enum(['charge', 'release'], '«заказано, не съедено»: списывается или возвращается'),
  horizonDays: z.number().int().min(1, 'заказ хотя бы на день вперёд').max(31, 'заказ не дальше чем на 31 день вперёд').default(14),
  primaryFree: z.boolean().default(true),
  primaryFundingSource: z.enum(['federal', 'regional', 'municipal', 'sponsor'], 'источник: federal, regional, municipal или sponsor').default('federal'),
  /** The version read; 0 when the school has not saved its settings yet (the defaults). */
  version: z.number().int().min(0),
});
export type OrderSettingsInput = z.infer<typeof orderSettingsInputSchema>;

export const orderSettingsViewSchema = z.object({
  cutoffKind: z.enum(['sameDay', 'dayBefore']),
  cutoffTime: z.string(),
  notEatenPolicy: z.enum(['charge', 'release']),
  horizonDays: z.number().int(),
  primaryFree: z.boolean(),
  primaryFundingSource: z.string(),
  version: z.number().int(),
  /** "08:00 того же дня" */
  cutoffText: z.string(),
  /** After a save: days (today, tomorrow) whose order the new cutoff closes at once; they are fixed within a minute. */
  closesNow: z.array(z.string()).optional(),
});
export type OrderSettingsView = z.infer<typeof orderSettingsViewSchema>;

export const monthQuerySchema = z.object({ month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'месяц: ГГГГ-ММ') });

export const quarantineViewSchema = z.object({
  id: z.string(),
  /** Empty: the whole school. */
  classNames: z.array(z.string()),
  fromDay: z.string(),
  toDay: z.string(),
  note: z.string(),
});

export const calendarMonthSchema = z.object({
  month: z.string(),
  days: z.array(z.object({
    date: z.string(),
    /** After the usual week, the calendar's exceptions and a whole-school quarantine. */
    schoolDay: z.boolean(),
    /** The calendar's exception for the date, if any. */
    exception: z.enum(['schoolDay', 'holiday']).nullable(),
    note: z.string(),
    /** Quarantined classes ([] with wholeSchool). */
    quarantine: z.object({ wholeSchool: z.boolean(), classNames: z.array(z.string()) }).nullable(),
    /** Classes whose order of the day is fixed (the day can no longer change). */
    fixedClasses: z.array(z.string()),
  })),
  quarantines: z.array(quarantineViewSchema),
  classes: z.array(z.string()),
});
export type CalendarMonth = z.infer<typeof calendarMonthSchema>;

const range = { from: isoDateSchema, to: isoDateSchema };

/** Whole-school days: a holiday, an extra school day (a Saturday), or back to the usual week. */
export const calendarMarkSchema = z.object({
  ...range,
  kind: z.enum(['holiday', 'schoolDay', 'usual'], 'отметка: holiday (каникулы), schoolDay (учебный день) или usual (как обычно)'),
  note: z.string().trim().max(200).default(''),
});

export const quarantineInputSchema = z.object({
  ...range,
  /** Empty: the whole school. */
  classNames: z.array(className).max(200).default([]),
  note: z.string().trim().max(200).default(''),
});

/** Lifts a quarantine from a day on (the days before it stay as they were). */
export const quarantineLiftSchema = z.object({ fromDay: isoDateSchema });

/** What a calendar change did: the pre-orders of the newly closed days released (their reservations back). */
export const calendarChangeSchema = z.object({ days: z.number().int(), released: z.number().int() });
export const quarantineCreatedSchema = quarantineViewSchema.extend({ released: z.number().int() });
