import { bigint, boolean, date, index, integer, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';

/**
 * Meals by order (issue 15): sittings, the school's order settings, quarantines,
 * parents' pre-orders (reservations), the class's daily order with attendance,
 * and the fixed order lines whose ids are the ledger entries' ids. docs/orders.md
 * describes them; other modules (the till's «Выдача по заявке», reports) read
 * `order_lines`, so its names stay stable.
 */
const kopecks = (name: string) => bigint(name, { mode: 'number' });
const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'string' });

export const SITTING_KINDS = ['breakfast', 'lunch', 'snack'] as const;
export type SittingKind = (typeof SITTING_KINDS)[number];

/** A meal sitting (завтрак, обед, полдник): when, and which classes eat at it. */
export const mealSittings = pgTable('meal_sittings', {
  schoolId: text('school_id').notNull(),
  id: text('id').notNull(),
  kind: text('kind', { enum: SITTING_KINDS }).notNull(),
  name: text('name').notNull(),                        // "Завтрак", "Обед (2 смена)"
  startsAt: text('starts_at').notNull(),               // "09:40", school's local time
  endsAt: text('ends_at').notNull(),
  /** Classes that eat at this sitting ("1А", "2Б"); a class may eat at several sittings (breakfast and lunch). */
  classNames: text('class_names').array().notNull().default(sql`'{}'::text[]`),
  /** The menu category whose meal sets this sitting serves ("Завтраки"); null: every set of the day's menu. */
  menuCategoryId: text('menu_category_id'),
  sort: integer('sort').notNull().default(0),
  active: boolean('active').notNull().default(true),
  version: integer('version').notNull().default(1),
}, (t) => [primaryKey({ columns: [t.schoolId, t.id] })]);

/**
 * A school's order settings. Cutoff: `sameDay` at `cutoffTime` of the day itself (08:00), or
 * `dayBefore` at `cutoffTime` of the previous school day (14:00). `notEatenPolicy`: what an order
 * that was fixed but not served costs ('charge': as ordered; 'release': reversed after the day).
 */
export const orderSettings = pgTable('order_settings', {
  schoolId: text('school_id').primaryKey(),
  cutoffKind: text('cutoff_kind', { enum: ['sameDay', 'dayBefore'] }).notNull().default('sameDay'),
  cutoffTime: text('cutoff_time').notNull().default('08:00'),
  notEatenPolicy: text('not_eaten_policy', { enum: ['charge', 'release'] }).notNull().default('charge'),
  /** How many days ahead a parent may order (two weeks). */
  horizonDays: integer('horizon_days').notNull().default(14),
  /** Grades 1–4 get a free breakfast or lunch (Federal Law 273-ФЗ art. 37): the set of the sitting, paid by this source. */
  primaryFree: boolean('primary_free').notNull().default(true),
  primaryFundingSource: text('primary_funding_source').notNull().default('federal'),
  version: integer('version').notNull().default(1),
});

/** Quarantine: no meals are ordered for the classes (empty list: the whole school) from..to inclusive. */
export const quarantines = pgTable('quarantines', {
  id: text('id').primaryKey(),
  schoolId: text('school_id').notNull(),
  classNames: text('class_names').array().notNull().default(sql`'{}'::text[]`),
  fromDay: date('from_day', { mode: 'string' }).notNull(),
  toDay: date('to_day', { mode: 'string' }).notNull(),
  note: text('note').notNull().default(''),
  createdAt: ts('created_at').notNull().defaultNow(),
}, (t) => [index('quarantines_school_idx').on(t.schoolId, t.fromDay)]);

/**
 * A parent's pre-order for a pupil, day and sitting: a meal set, or none (`mealSetId` null =
 * «не питается»). While `state` is 'open' its `amount` (what the parents will pay) is reserved on
 * the account: доступно = balance − Σ open amounts. The fix turns it 'fixed' in the transaction
 * that writes the charge. Changed or deleted (cancelled) only before the cutoff.
 */
export const preOrders = pgTable('pre_orders', {
  schoolId: text('school_id').notNull(),
  studentId: text('student_id').notNull(),
  day: date('day', { mode: 'string' }).notNull(),
  sittingId: text('sitting_id').notNull(),
  accountNumber: text('account_number').notNull(),
  mealSetId: text('meal_set_id'),
  /** Reserved kopecks: the set's price, or the parents' share for a beneficiary; 0 for «не питается». */
  amount: kopecks('amount').notNull(),
  state: text('state', { enum: ['open', 'fixed'] }).notNull().default('open'),
  updatedAt: ts('updated_at').notNull().defaultNow(),
  /** 'parent' or a staff id. */
  updatedBy: text('updated_by').notNull(),
}, (t) => [
  primaryKey({ columns: [t.studentId, t.day, t.sittingId] }),
  index('pre_orders_school_day_idx').on(t.schoolId, t.day),
  index('pre_orders_open_account_idx').on(t.accountNumber).where(sql`state = 'open'`),
]);

/** Who is in school on a day: the e-journal's first-lesson mark (import) or the teacher's. No row: not marked (counted present). */
export const attendance = pgTable('attendance', {
  schoolId: text('school_id').notNull(),
  studentId: text('student_id').notNull(),
  day: date('day', { mode: 'string' }).notNull(),
  present: boolean('present').notNull(),
  source: text('source', { enum: ['manual', 'journal'] }).notNull(),
  markedBy: text('marked_by').notNull(),
  markedAt: ts('marked_at').notNull().defaultNow(),
}, (t) => [primaryKey({ columns: [t.studentId, t.day] }), index('attendance_school_day_idx').on(t.schoolId, t.day)]);

/**
 * The class's daily order: confirmed by the class teacher by the cutoff, fixed at the cutoff
 * (by itself if nobody confirmed). One row per class and day, made when first touched.
 */
export const classOrders = pgTable('class_orders', {
  schoolId: text('school_id').notNull(),
  day: date('day', { mode: 'string' }).notNull(),
  className: text('class_name').notNull(),
  state: text('state', { enum: ['open', 'confirmed', 'fixed'] }).notNull().default('open'),
  confirmedBy: text('confirmed_by'),
  confirmedAt: ts('confirmed_at'),
  /** 'auto' (the scheduler at the cutoff) or a staff id. */
  fixedBy: text('fixed_by'),
  fixedAt: ts('fixed_at'),
}, (t) => [primaryKey({ columns: [t.schoolId, t.day, t.className] })]);

/**
 * A fixed order line: one per pupil per sitting of a day. `id` is the uuid of the parents' charge
 * entry (kind 'orderCharge', when `parentAmount` > 0) and `subsidyEntryId` that of the budget's
 * subsidy entry (kind 'subsidy' on the school's subsidy account, when `subsidyAmount` > 0): both
 * made with the line, so a fix run twice or replayed writes each entry once.
 * `basis`: 'preOrder' (the parent ordered), 'benefit' (a beneficiary's entitled set),
 * 'primary' (grades 1–4 free meal). Lines are never edited; a reversal is in `order_reversals`.
 */
export const orderLines = pgTable('order_lines', {
  id: text('id').primaryKey(),
  subsidyEntryId: text('subsidy_entry_id').notNull(),
  schoolId: text('school_id').notNull(),
  day: date('day', { mode: 'string' }).notNull(),
  className: text('class_name').notNull(),
  sittingId: text('sitting_id').notNull(),
  studentId: text('student_id').notNull(),
  accountNumber: text('account_number'),
  mealSetId: text('meal_set_id').notNull(),
  mealSetName: text('meal_set_name').notNull(),
  price: kopecks('price').notNull(),
  parentAmount: kopecks('parent_amount').notNull(),
  subsidyAmount: kopecks('subsidy_amount').notNull(),
  fundingSource: text('funding_source'),
  benefitCategoryId: text('benefit_category_id'),
  basis: text('basis', { enum: ['preOrder', 'benefit', 'primary'] }).notNull(),
  fixedAt: ts('fixed_at').notNull().defaultNow(),
}, (t) => [
  uniqueIndex('order_lines_pupil_day_sitting_idx').on(t.studentId, t.day, t.sittingId),
  index('order_lines_school_day_idx').on(t.schoolId, t.day, t.className),
]);

/**
 * A manager's decision to undo a fixed line (the child went home ill): the reversal entries'
 * ids are made here, once per line; the line and its entries stay as they were.
 */
export const orderReversals = pgTable('order_reversals', {
  lineId: text('line_id').primaryKey(),
  schoolId: text('school_id').notNull(),
  entryId: text('entry_id').notNull(),
  subsidyEntryId: text('subsidy_entry_id').notNull(),
  reason: text('reason').notNull(),
  decidedBy: text('decided_by').notNull(),
  decidedAt: ts('decided_at').notNull().defaultNow(),
}, (t) => [index('order_reversals_school_idx').on(t.schoolId, t.decidedAt)]);

/** One low-balance letter per account and order day (the notifier's memory). */
export const orderNotices = pgTable('order_notices', {
  accountNumber: text('account_number').notNull(),
  day: date('day', { mode: 'string' }).notNull(),
  shortBy: kopecks('short_by').notNull(),
  sentAt: ts('sent_at').notNull().defaultNow(),
}, (t) => [primaryKey({ columns: [t.accountNumber, t.day] })]);
