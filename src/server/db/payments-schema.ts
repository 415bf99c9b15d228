import { bigint, boolean, index, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Card payments beyond one top-up (issue #10): cards saved at the bank for
 * auto top-up, each parent's auto top-up settings, and returns of a leaving
 * pupil's balance. The payments themselves stay in cabinet_payments
 * (cabinet-schema.ts), which also holds the poller's state.
 */
const kopecks = (name: string) => bigint(name, { mode: 'number' });
const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'string' });

/** A card the bank saved for an account (bindingInfo of a paid order). Only the bank's ids and a masked number. */
export const paymentBindings = pgTable('payment_bindings', {
  bindingId: text('binding_id').primaryKey(),
  gatewayId: text('gateway_id').notNull(),
  accountNumber: text('account_number').notNull(),
  clientId: text('client_id').notNull(),
  cardMask: text('card_mask'),
  createdAt: ts('created_at').notNull().defaultNow(),
  revokedAt: ts('revoked_at'),
}, (t) => [index('payment_bindings_account_idx').on(t.accountNumber)]);

/**
 * A parent's auto top-up: charge `amount` to the saved card when the balance
 * is below `threshold`, at most once per day (`lastAttemptDay`, the school's
 * date); a refusal sets `stoppedAt`/`stoppedReason` and nothing more is
 * charged until the parent saves the settings again.
 */
export const autoTopUps = pgTable('auto_topups', {
  accountNumber: text('account_number').primaryKey(),
  bindingId: text('binding_id').notNull(),
  amount: kopecks('amount').notNull(),
  threshold: kopecks('threshold').notNull(),
  enabled: boolean('enabled').notNull().default(true),
  lastAttemptDay: text('last_attempt_day'),
  lastPaymentId: text('last_payment_id'),
  stoppedAt: ts('stopped_at'),
  stoppedReason: text('stopped_reason'),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

/**
 * Return of a leaving pupil's balance, keyed by the accountant's document
 * number (a repeated command changes nothing). Its parts — card refunds and
 * the bank transfer for the rest — are entries of their own.
 */
export const balanceReturns = pgTable('balance_returns', {
  document: text('document').primaryKey(),
  accountNumber: text('account_number').notNull(),
  reason: text('reason').notNull(),
  total: kopecks('total').notNull(),
  refunded: kopecks('refunded').notNull().default(0),
  transferred: kopecks('transferred').notNull().default(0),
  parts: integer('parts').notNull().default(0),
  by: text('by').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
}, (t) => [index('balance_returns_account_idx').on(t.accountNumber)]);
