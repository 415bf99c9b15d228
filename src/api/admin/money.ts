import { z } from 'zod';

export const accountViewSchema = z.object({
  accountNumber: z.string(),
  schoolId: z.string(),
  balance: z.number().int(),
  dailyLimit: z.number().int().nullable(),
  active: z.boolean(),
  student: z.object({ id: z.string(), fullName: z.string(), className: z.string() }).nullable(),
  cards: z.array(z.object({ id: z.string(), state: z.string() })),
});

export const entryViewSchema = z.object({
  uuid: z.string(),
  createdAt: z.string(),
  kind: z.string(),
  amount: z.number().int(),
  applied: z.boolean(),
  terminalId: z.string().nullable(),
  receiptId: z.string().nullable(),
  /** The receipt's number and dish lines, as on the parents' statement (sales and refunds). */
  receiptNumber: z.string().nullable(),
  items: z.array(z.object({ name: z.string(), quantity: z.number().int(), amount: z.number().int() })),
  payload: z.unknown(),
});
export const entriesQuerySchema = z.object({
  /** Entries older than this time (paging back). */
  before: z.string().max(40).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export const receiptViewSchema = z.object({
  id: z.string(),
  number: z.string(),
  kind: z.string(),
  terminalId: z.string().nullable(),
  total: z.number().int(),
  subsidy: z.number().int(),
  issuedAt: z.string(),
  lines: z.array(z.object({ name: z.string(), quantity: z.number().int(), unitPrice: z.number().int(), amount: z.number().int(), subsidy: z.number().int() })),
});

/** Money by hand: the reason and the paper it rests on are required. */
export const moneyRequestInputSchema = z.object({
  /** Kopecks: > 0 for a top-up; a correction may be negative, never 0. */
  amount: z.number().int('сумма в копейках, целое число').refine((v) => v !== 0, 'сумма не может быть нулевой').refine((v) => Math.abs(v) <= 100_000_00, 'слишком большая сумма'),
  reason: z.string().trim().min(5, 'причина: не короче 5 знаков').max(500),
  documentNumber: z.string().trim().min(1, 'нужен номер документа').max(100),
});

export const moneyRequestViewSchema = z.object({
  id: z.string(),
  accountNumber: z.string(),
  kind: z.enum(['topUp', 'correction']),
  amount: z.number().int(),
  reason: z.string(),
  documentNumber: z.string(),
  state: z.enum(['pending', 'applied', 'rejected']),
  requestedByName: z.string(),
  requestedAt: z.string(),
  decidedByName: z.string().nullable(),
  decidedAt: z.string().nullable(),
  decisionNote: z.string().nullable(),
  entryUuid: z.string().nullable(),
});
export const moneyDecisionSchema = z.object({ note: z.string().trim().max(500).default('') });
