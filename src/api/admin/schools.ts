import { z } from 'zod';
import { isoDateSchema, versionSchema } from './common.js';

/** A school's settings as the console shows and edits them (money in kopecks). */
export const schoolViewSchema = z.object({
  id: z.string(),
  code: z.string(),
  name: z.string(),
  timeZone: z.string(),
  cabinetUrl: z.string(),
  /** How far an account may go below zero while a till is offline (kopecks, ≥ 0). */
  overdraftLimit: z.number().int(),
  /** A till warns (and the console flags it) when it has not synced for this many hours. */
  offlineWarnHours: z.number(),
  /** Corrections by hand above this (kopecks) need a second person's approval. */
  correctionApprovalLimit: z.number().int(),
  /** A dish with one of the pupil's allergens at the till: the cashier confirms it, or the till refuses it. */
  allergenPolicy: z.enum(['confirm', 'refuse']),
  version: z.number().int(),
});
export type SchoolView = z.infer<typeof schoolViewSchema>;

const timeZone = z.string().min(3).max(60).refine((tz) => {
  try { new Intl.DateTimeFormat('ru-RU', { timeZone: tz }); return true; } catch { return false; }
}, 'неизвестный часовой пояс (например, Europe/Moscow)');
const cabinetUrl = z.union([z.literal(''), z.string().url('адрес кабинета: https://…').max(300)]);
const kopecks = z.number().int('сумма в копейках, целое число').min(0).max(100_000_00);

export const schoolCreateSchema = z.object({
  code: z.string().regex(/^\d{1,4}$/, 'код школы: от 1 до 4 цифр'),
  name: z.string().trim().min(3).max(200),
  timeZone: timeZone.default('Europe/Moscow'),
  cabinetUrl: cabinetUrl.default(''),
  overdraftLimit: kopecks.default(0),
  offlineWarnHours: z.number().min(1).max(24 * 14).default(24),
  correctionApprovalLimit: kopecks.default(100_000),
});

export const schoolUpdateSchema = z.object({
  version: versionSchema,
  name: z.string().trim().min(3).max(200).optional(),
  timeZone: timeZone.optional(),
  cabinetUrl: cabinetUrl.optional(),
  overdraftLimit: kopecks.optional(),
  offlineWarnHours: z.number().min(1).max(24 * 14).optional(),
  correctionApprovalLimit: kopecks.optional(),
  allergenPolicy: z.enum(['confirm', 'refuse'], 'аллергены: confirm (подтверждает кассир) или refuse (касса не продаёт)').optional(),
});

/** How the console names the allergen policies. */
export const ALLERGEN_POLICY_NAMES = { confirm: 'кассир подтверждает продажу', refuse: 'касса не продаёт' } as const;

export const CALENDAR_KINDS = ['schoolDay', 'holiday'] as const;
export const calendarDaySchema = z.object({
  date: isoDateSchema,
  kind: z.enum(CALENDAR_KINDS),
  note: z.string().max(200).default(''),
});
export const calendarQuerySchema = z.object({ from: isoDateSchema, to: isoDateSchema });
/** Sets several dates at once (a holiday week); each date replaces what it had. */
export const calendarPutSchema = z.object({ days: z.array(calendarDaySchema).min(1).max(400) });
