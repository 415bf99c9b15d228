import { bigint, boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Reports (issue 16): the Z reports the tills push (a `zReport` entry each), with the server's
 * own count of the same shift beside them. The entry stays in the ledger as sent; this row is
 * what the reconciliation and the district's control read (src/server/reports/).
 */
const kopecks = (name: string) => bigint(name, { mode: 'number' });
const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'string' });

export const shiftReports = pgTable('shift_reports', {
  schoolId: text('school_id').notNull(),
  shiftId: text('shift_id').notNull(),
  terminalId: text('terminal_id').notNull(),
  entryUuid: text('entry_uuid').notNull(),
  shiftNumber: integer('shift_number').notNull(),
  openedAt: ts('opened_at').notNull(),
  closedAt: ts('closed_at').notNull(),
  /** The school day the shift closed on (school's time zone), for the district's "Z missing" check. */
  day: text('day').notNull(),
  salesCount: integer('sales_count').notNull(),
  salesTotal: kopecks('sales_total').notNull(),
  subsidyTotal: kopecks('subsidy_total').notNull(),
  refundsCount: integer('refunds_count').notNull(),
  refundsTotal: kopecks('refunds_total').notNull(),
  firstReceipt: text('first_receipt'),
  lastReceipt: text('last_receipt'),
  /** The server's figures for the shift when the Z arrived (core/z-reconcile.ts ZFigures). */
  server: jsonb('server').notNull(),
  /** compareZ(till, server): empty when they agree. */
  differences: jsonb('differences').notNull().default([]),
  matches: boolean('matches').notNull(),
  receivedAt: ts('received_at').notNull().defaultNow(),
}, (t) => [
  primaryKey({ columns: [t.schoolId, t.shiftId] }),
  index('shift_reports_day_idx').on(t.day, t.schoolId),
]);
