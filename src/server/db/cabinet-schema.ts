import { bigint, boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/**
 * The parent cabinet's own tables (issue #6). Kept apart from schema.ts so the
 * cabinet stays additive: it reads `accounts`, `cards`, `entries`, `receipts`
 * and writes only top-up entries, card states, daily limits and passwords there.
 * Every secret (session id, reset token) is stored as a sha256 hex digest.
 */

const kopecks = (name: string) => bigint(name, { mode: 'number' });
const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'string' });

/** One row per account that has used the cabinet: e-mail and parent controls the terminal does not need. */
export const cabinetProfiles = pgTable('cabinet_profiles', {
  accountNumber: text('account_number').primaryKey(),
  email: text('email'),
  /** Notify by e-mail when the balance falls below this (kopecks); null = off. */
  lowBalanceThreshold: kopecks('low_balance_threshold'),
  /** Set when a notification went out; cleared when the balance is back above the threshold (one letter per dip). */
  lowBalanceNotifiedAt: ts('low_balance_notified_at'),
  passwordChangedAt: ts('password_changed_at'),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

export const cabinetSessions = pgTable('cabinet_sessions', {
  idHash: text('id_hash').primaryKey(),
  accountNumber: text('account_number').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
  lastSeenAt: ts('last_seen_at').notNull().defaultNow(),
  expiresAt: ts('expires_at').notNull(),
  ip: text('ip'),
  userAgent: text('user_agent'),
}, (t) => [index('cabinet_sessions_account_idx').on(t.accountNumber)]);

/** Failed logins per key ("ip:1.2.3.4", "acct:0242013137", "reset-ip:…"): lockouts that grow with each failure. */
export const cabinetThrottle = pgTable('cabinet_throttle', {
  key: text('key').primaryKey(),
  failures: integer('failures').notNull().default(0),
  lockedUntil: ts('locked_until'),
  lastFailureAt: ts('last_failure_at'),
});

export const cabinetResetTokens = pgTable('cabinet_reset_tokens', {
  tokenHash: text('token_hash').primaryKey(),
  accountNumber: text('account_number').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
  expiresAt: ts('expires_at').notNull(),
  usedAt: ts('used_at'),
}, (t) => [index('cabinet_reset_tokens_account_idx').on(t.accountNumber)]);

/**
 * Money coming in from outside: card payments through a gateway and bank
 * registry lines. (source, external_id) is unique, so a payment is credited
 * once however often it is notified or imported.
 */
export const cabinetPayments = pgTable('cabinet_payments', {
  id: text('id').primaryKey(),                           // ours (UUIDv7), the gateway's order id
  source: text('source').notNull(),                      // 'gateway:test', 'registry:sber' …
  externalId: text('external_id'),                       // gateway's payment id / registry payment id
  accountNumber: text('account_number').notNull(),
  amount: kopecks('amount').notNull(),
  status: text('status', { enum: ['pending', 'paid', 'failed'] }).notNull().default('pending'),
  payer: text('payer'),
  paidAt: ts('paid_at'),
  entryUuid: text('entry_uuid'),                         // the topUp entry once credited
  details: jsonb('details').notNull().default({}),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
  /** The payment poller (src/server/payments/poller.ts): when to ask the gateway next about a pending payment. */
  nextCheckAt: ts('next_check_at'),
  checks: integer('checks').notNull().default(0),
  lastError: text('last_error'),
}, (t) => [
  index('cabinet_payments_next_check_idx').on(t.nextCheckAt),
  uniqueIndex('cabinet_payments_source_external_idx').on(t.source, t.externalId),
  index('cabinet_payments_account_idx').on(t.accountNumber, t.createdAt),
]);

/** What happened in the cabinet, for the account's owner and for support: logins, password changes, lost cards, limits. */
export const cabinetEvents = pgTable('cabinet_events', {
  id: text('id').primaryKey(),
  accountNumber: text('account_number'),
  kind: text('kind').notNull(),
  ip: text('ip'),
  details: jsonb('details').notNull().default({}),
  ok: boolean('ok').notNull().default(true),
  createdAt: ts('created_at').notNull().defaultNow(),
}, (t) => [index('cabinet_events_account_idx').on(t.accountNumber, t.createdAt)]);

/**
 * Families: a parent logged in with one child's account (owner) sees the
 * accounts linked here, each linked by proving that child's password. Links
 * are one-way: logging in with the linked child's password shows only that
 * child (plus its own links), never the owner's.
 */
export const cabinetFamilyLinks = pgTable('cabinet_family_links', {
  ownerAccount: text('owner_account').notNull(),
  linkedAccount: text('linked_account').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
}, (t) => [
  primaryKey({ columns: [t.ownerAccount, t.linkedAccount] }),
  index('cabinet_family_links_linked_idx').on(t.linkedAccount),
]);
