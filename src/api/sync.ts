import { z } from 'zod';

/**
 * Terminal ↔ server sync wire format (Replicache-style push/pull, see
 * ../shared/DESIGN.md "Sync"). Both ends validate with these schemas.
 * The server may extend payloads it accepts; terminals must ignore fields they
 * do not know in pull responses.
 */

export const accountNumberSchema = z.string().regex(/^\d{10}$/, 'номер лицевого счёта: 10 цифр');
export const kopecksSchema = z.number().int().safe();

export const receiptLineSchema = z.object({
  itemId: z.string().min(1),
  kind: z.enum(['dish', 'mealSet']),
  name: z.string().min(1).max(300),
  quantity: z.number().int().positive(),
  unitPrice: kopecksSchema,
  amount: kopecksSchema,     // what the account paid for this line
  subsidy: kopecksSchema.default(0), // what the budget paid for this line
});

/** Entry kinds a terminal creates. Top-ups and corrections are made on the server. */
export const entryKindSchema = z.enum([
  'sale',             // amount < 0 on the pupil's account; payload: receipt
  'refund',           // amount > 0, reverses a sale; payload: { refundOf receipt uuid, receipt }
  'subsidy',          // budget's part of a benefit meal, on the school's subsidy account
  'cabinetPassword',  // amount 0; payload: { passwordHash } (argon2id) for the account
  'cardBlock',        // amount 0; payload: { cardId, reason } made by a manager at the terminal
]);
export type EntryKind = z.infer<typeof entryKindSchema>;

export const syncEntrySchema = z.object({
  uuid: z.uuid(),                  // made by the terminal (UUIDv7)
  seq: z.number().int().positive(), // per-terminal, gapless, starts at 1
  kind: entryKindSchema,
  accountNumber: accountNumberSchema.nullable(), // null for the school's subsidy account
  amount: kopecksSchema,
  createdAt: z.iso.datetime({ offset: true }),
  shiftId: z.string().nullable().optional(),
  cashierId: z.string().nullable().optional(),
  /** Card used, for sales (the server flags sales made with a card it knows is blocked). */
  cardId: z.string().nullable().optional(),
  payload: z.record(z.string(), z.unknown()),
});
export type SyncEntry = z.infer<typeof syncEntrySchema>;

export const pushRequestSchema = z.object({
  terminalId: z.string().min(1),
  entries: z.array(syncEntrySchema).max(5000),
});
export type PushRequest = z.infer<typeof pushRequestSchema>;

export const pushResponseSchema = z.object({
  /** Highest seq such that every entry 1..ackSeq of this terminal is stored. */
  ackSeq: z.number().int().nonnegative(),
  /** Set when the batch did not start at ackSeq + 1: send from here. */
  resumeFrom: z.number().int().positive().optional(),
});
export type PushResponse = z.infer<typeof pushResponseSchema>;
