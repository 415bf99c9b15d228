import { date, index, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * «Выдача по заявке» (issue 15, point 7): one served mark per fixed order line (`order_lines.id`,
 * docs/orders.md), made from the first `orderServed` entry a till pushed for it. A second mark (another
 * till, the same pupil marked twice) is kept in the ledger as sent and changes nothing here. Serving
 * charges nothing: the fix charged the line.
 */
export const orderServed = pgTable('order_served', {
  lineId: text('line_id').primaryKey(),
  schoolId: text('school_id').notNull(),
  day: date('day', { mode: 'string' }).notNull(),
  /** The `orderServed` entry that made the mark (the till's uuid). */
  entryUuid: text('entry_uuid').notNull(),
  terminalId: text('terminal_id').notNull(),
  /** When the till marked it (the entry's created_at). */
  servedAt: timestamp('served_at', { withTimezone: true, mode: 'string' }).notNull(),
  recordedAt: timestamp('recorded_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
}, (t) => [index('order_served_school_day_idx').on(t.schoolId, t.day)]);

/**
 * The «заказано, не съедено» policy's other half (docs/orders.md "Not eaten"): a line the school's
 * `release` policy refunded (an `order_reversals` row `decided_by = 'notEaten'`) and whose served mark
 * arrived afterwards (a till offline all day) is charged again, once: the entries' ids are made from the
 * line id (uuid v5), and this row says the line counts as eaten (табель, reimbursement).
 */
export const orderRecharges = pgTable('order_recharges', {
  lineId: text('line_id').primaryKey(),
  schoolId: text('school_id').notNull(),
  /** The `orderCharge` entry taking the parents' share again (made only when it is > 0). */
  entryId: text('entry_id').notNull(),
  /** The `subsidy` entry taking the budget's share again (made only when it is > 0). */
  subsidyEntryId: text('subsidy_entry_id').notNull(),
  madeAt: timestamp('made_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
});
