// Over 400 lines on purpose: the core ledger's tables (schools, pupils, accounts, cards, entries, receipts, flags) reference each other; newer areas have their own files (cabinet-, staff-, payments-, orders-, reports-schema.ts), and so should the next one.
import { sql } from 'drizzle-orm';
import {
  bigint, bigserial, boolean, customType, date, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex,
} from 'drizzle-orm/pg-core';
import { DEFAULT_MAX_ENTRY_AMOUNT } from '../../core/ledger-rules.js';

/**
 * Central ledger (PostgreSQL; PGlite embedded for laptops and tests).
 * Every table carries school_id so it can be distributed by school (Citus) and
 * every hot query is school-scoped. Money: bigint kopecks read as JS numbers
 * (exact up to 2^53). Ids are text: the demo and imports bring stable ids.
 *
 * `entries` is redefined as a partitioned table by the custom migration
 * 0001_partition_entries.sql (LIST by school, then RANGE by month);
 * `entry_ids` keeps the global UUID uniqueness a partitioned table cannot.
 */

const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => 'bytea',
  fromDriver: (v) => (Buffer.isBuffer(v) ? v : Buffer.from(v)),
});
const kopecks = (name: string) => bigint(name, { mode: 'number' });
const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'string' });

export const schools = pgTable('schools', {
  id: text('id').primaryKey(),
  code: text('code').notNull().unique(),               // "24" (receipt numbers, account numbers)
  name: text('name').notNull(),
  timeZone: text('time_zone').notNull().default('Europe/Moscow'),
  cabinetUrl: text('cabinet_url').notNull().default(''),
  overdraftLimit: kopecks('overdraft_limit').notNull().default(0),
  staleAfterMinutes: integer('stale_after_minutes').notNull().default(1440),
  /** Largest |amount| of one entry a till may push (ledger-rules.ts `amountCap`); above it the entry is stored unapplied. */
  maxEntryAmount: kopecks('max_entry_amount').notNull().default(DEFAULT_MAX_ENTRY_AMOUNT),
  /** Corrections by hand above this many kopecks (either sign) need a second person's approval. */
  correctionApprovalLimit: kopecks('correction_approval_limit').notNull().default(100_000),
  /** Optimistic concurrency for the admin API (bumped by every settings save). */
  version: integer('version').notNull().default(1),
  /** A dish with one of the pupil's allergens: 'confirm' = the cashier confirms it explicitly; 'refuse' = never sold to that pupil. */
  allergenPolicy: text('allergen_policy', { enum: ['confirm', 'refuse'] }).notNull().default('confirm'),
  createdAt: ts('created_at').notNull().defaultNow(),
});

export const terminals = pgTable('terminals', {
  id: text('id').primaryKey(),
  schoolId: text('school_id').notNull().references(() => schools.id),
  name: text('name').notNull(),
  /** Highest seq such that entries 1..lastSeq of this terminal are stored (row-locked by push). */
  lastSeq: bigint('last_seq', { mode: 'number' }).notNull().default(0),
  /** sha256 hex of the bearer token; null until enrolled. */
  tokenHash: text('token_hash').unique(),
  enrolledAt: ts('enrolled_at'),
  revokedAt: ts('revoked_at'),
  lastSeenAt: ts('last_seen_at'),
  /**
   * Printed in its receipt numbers ("24-2001983"), unique in its school, given
   * at enrolment. Null on tills enrolled before series existed (they print "").
   */
  receiptSeries: text('receipt_series'),
  /** What the till reported with its last pull (header x-canteen-till-status), for the console's status table. */
  status: jsonb('status'),
  /** A diagnostic bundle the console asked for and the till has not sent yet (till_diagnostics.id); told to the till with its next pull. */
  diagnosticsRequest: text('diagnostics_request'),
  createdAt: ts('created_at').notNull().defaultNow(),
}, (t) => [index('terminals_school_idx').on(t.schoolId), uniqueIndex('terminals_school_series_idx').on(t.schoolId, t.receiptSeries)]);

/** One-time codes an admin hands to whoever sets up a terminal. */
export const enrollmentCodes = pgTable('enrollment_codes', {
  codeHash: text('code_hash').primaryKey(),            // sha256 hex of the normalised code
  schoolId: text('school_id').notNull().references(() => schools.id),
  terminalId: text('terminal_id').notNull(),           // created on use when it does not exist yet
  terminalName: text('terminal_name').notNull(),
  expiresAt: ts('expires_at').notNull(),
  usedAt: ts('used_at'),
  createdAt: ts('created_at').notNull().defaultNow(),
});

export const students = pgTable('students', {
  id: text('id').primaryKey(),
  schoolId: text('school_id').notNull().references(() => schools.id),
  fullName: text('full_name').notNull(),
  className: text('class_name').notNull(),
  benefitCategoryIds: text('benefit_category_ids').array().notNull().default(sql`'{}'::text[]`),
  /** Allergen ids (src/core/allergens.ts), set by the parent in the cabinet or by the school. */
  allergies: text('allergies').array().notNull().default(sql`'{}'::text[]`),
  active: boolean('active').notNull().default(true),
  updatedAt: ts('updated_at').notNull().defaultNow(),
  /** Optimistic concurrency: a console save names the version it read (src/server/admin/concurrency.ts). */
  version: integer('version').notNull().default(1),
  /** Set when the pupil left (graduated, moved away): kept for the ledger, hidden from lists. */
  archivedAt: ts('archived_at'),
}, (t) => [
  index('students_school_idx').on(t.schoolId),
  // The console's pupil search (src/server/admin/pupils.ts): name prefix and order, by school or across the district.
  // C collation: LIKE 'ива%' can use the index; Cyrillic sorts by code point (ё after я).
  // The id tie-breaker is in the index so a page of namesakes needs no extra sort.
  index('students_school_name_id_idx').on(t.schoolId, sql`lower(${t.fullName}) COLLATE "C"`, t.id),
  index('students_name_id_idx').on(sql`lower(${t.fullName}) COLLATE "C"`, t.id),
  index('students_school_class_idx').on(t.schoolId, t.className),
]);

/**
 * A pupil's photo, resized on upload (src/server/admin/photos.ts) to a small image the till shows
 * on a tap. Sent only to the tills of the pupil's school, with the student row in the pull.
 */
export const studentPhotos = pgTable('student_photos', {
  studentId: text('student_id').primaryKey().references(() => students.id),
  schoolId: text('school_id').notNull().references(() => schools.id),
  mime: text('mime', { enum: ['image/jpeg', 'image/webp'] }).notNull(),
  data: bytea('data').notNull(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
}, (t) => [index('student_photos_school_idx').on(t.schoolId)]);

export const accounts = pgTable('accounts', {
  accountNumber: text('account_number').primaryKey(),  // 10 digits, the cabinet login
  schoolId: text('school_id').notNull().references(() => schools.id),
  studentId: text('student_id').references(() => students.id),
  /** Running balance = Σ applied entries (checked by `canteen server reconcile`). */
  balance: kopecks('balance').notNull().default(0),
  dailyLimit: kopecks('daily_limit'),
  permanentPasswordHash: text('permanent_password_hash'),
  /** Set by a terminal's cabinetPassword entry while there is no permanent password. */
  tempPasswordHash: text('temp_password_hash'),
  barredItemIds: text('barred_item_ids').array().notNull().default(sql`'{}'::text[]`),
  barredCategoryIds: text('barred_category_ids').array().notNull().default(sql`'{}'::text[]`),
  active: boolean('active').notNull().default(true),
  updatedAt: ts('updated_at').notNull().defaultNow(),
}, (t) => [index('accounts_school_idx').on(t.schoolId), index('accounts_student_idx').on(t.studentId)]);

export const cards = pgTable('cards', {
  id: text('id').primaryKey(),                         // canonical: EM:55007EE424, MF:BCD14264
  schoolId: text('school_id').notNull().references(() => schools.id),
  accountNumber: text('account_number').notNull().references(() => accounts.accountNumber),
  state: text('state', { enum: ['active', 'blocked', 'lost'] }).notNull().default('active'),
  reason: text('reason'),
  issuedAt: ts('issued_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
}, (t) => [index('cards_school_idx').on(t.schoolId), index('cards_account_idx').on(t.accountNumber)]);

export const menuCategories = pgTable('menu_categories', {
  schoolId: text('school_id').notNull().references(() => schools.id),
  id: text('id').notNull(),
  name: text('name').notNull(),
  sort: integer('sort').notNull().default(0),
  active: boolean('active').notNull().default(true),
}, (t) => [primaryKey({ columns: [t.schoolId, t.id] })]);

export const dishes = pgTable('dishes', {
  schoolId: text('school_id').notNull().references(() => schools.id),
  id: text('id').notNull(),
  name: text('name').notNull(),
  price: kopecks('price').notNull(),
  categoryId: text('category_id').notNull(),
  hotkey: text('hotkey'),
  sort: integer('sort').notNull().default(0),
  /** Portion as the approved menu states it ("150 г", "200 мл"); part of the name on receipts already. */
  portion: text('portion').notNull().default(''),
  version: integer('version').notNull().default(1),
  /** Allergen ids (src/core/allergens.ts) the dish contains. */
  allergens: text('allergens').array().notNull().default(sql`'{}'::text[]`),
  active: boolean('active').notNull().default(true),
}, (t) => [primaryKey({ columns: [t.schoolId, t.id] })]);

export const mealSets = pgTable('meal_sets', {
  schoolId: text('school_id').notNull().references(() => schools.id),
  id: text('id').notNull(),
  name: text('name').notNull(),
  price: kopecks('price').notNull(),
  categoryId: text('category_id').notNull(),
  hotkey: text('hotkey'),
  sort: integer('sort').notNull().default(0),
  dishIds: text('dish_ids').array().notNull().default(sql`'{}'::text[]`),
  version: integer('version').notNull().default(1),
  /** Allergens of the set beyond those of its dishes (the pull sends the union). */
  allergens: text('allergens').array().notNull().default(sql`'{}'::text[]`),
  active: boolean('active').notNull().default(true),
}, (t) => [primaryKey({ columns: [t.schoolId, t.id] })]);

export const FUNDING_SOURCES = ['federal', 'regional', 'municipal', 'sponsor'] as const;

export const benefitCategories = pgTable('benefit_categories', {
  schoolId: text('school_id').notNull().references(() => schools.id),
  id: text('id').notNull(),
  name: text('name').notNull(),
  /** Who pays the budget share of the category's meals. */
  fundingSource: text('funding_source', { enum: FUNDING_SOURCES }).notNull().default('municipal'),
  version: integer('version').notNull().default(1),
  active: boolean('active').notNull().default(true),
}, (t) => [primaryKey({ columns: [t.schoolId, t.id] })]);

export const benefitRules = pgTable('benefit_rules', {
  schoolId: text('school_id').notNull().references(() => schools.id),
  id: text('id').notNull(),
  benefitCategoryId: text('benefit_category_id').notNull(),
  mealSetId: text('meal_set_id').notNull(),
  parentPays: kopecks('parent_pays').notNull(),
  version: integer('version').notNull().default(1),
  active: boolean('active').notNull().default(true),
}, (t) => [primaryKey({ columns: [t.schoolId, t.id] })]);

/**
 * Why a pupil has a benefit: the basis document (справка, приказ) and how long
 * it holds. The till still reads students.benefit_category_ids; the console
 * keeps that list in step with these rows (src/server/admin/benefits.ts).
 */
export const studentBenefits = pgTable('student_benefits', {
  schoolId: text('school_id').notNull().references(() => schools.id),
  studentId: text('student_id').notNull().references(() => students.id),
  benefitCategoryId: text('benefit_category_id').notNull(),
  document: text('document').notNull(),
  validFrom: date('valid_from', { mode: 'string' }).notNull(),
  validUntil: date('valid_until', { mode: 'string' }),
  version: integer('version').notNull().default(1),
  updatedAt: ts('updated_at').notNull().defaultNow(),
}, (t) => [
  primaryKey({ columns: [t.studentId, t.benefitCategoryId] }),
  index('student_benefits_expiry_idx').on(t.schoolId, t.validUntil),
]);

/**
 * A school's cycle menu (10 or 14 school days, as the school's approved menu
 * runs) starting on a date; the menu of a date is its cycle day unless an
 * override names that date (src/server/admin/menu-plan.ts).
 */
export const menuCycles = pgTable('menu_cycles', {
  schoolId: text('school_id').notNull().references(() => schools.id).primaryKey(),
  lengthDays: integer('length_days').notNull(),
  startsOn: date('starts_on', { mode: 'string' }).notNull(),
  /** Days of the week the cycle advances on (1 = Monday … 7 = Sunday). */
  weekdays: integer('weekdays').array().notNull().default(sql`'{1,2,3,4,5}'::int[]`),
  version: integer('version').notNull().default(1),
});

export const menuCycleDays = pgTable('menu_cycle_days', {
  schoolId: text('school_id').notNull().references(() => schools.id),
  dayNo: integer('day_no').notNull(),                  // 1..length_days
  dishIds: text('dish_ids').array().notNull().default(sql`'{}'::text[]`),
  mealSetIds: text('meal_set_ids').array().notNull().default(sql`'{}'::text[]`),
}, (t) => [primaryKey({ columns: [t.schoolId, t.dayNo] })]);

export const menuOverrides = pgTable('menu_overrides', {
  schoolId: text('school_id').notNull().references(() => schools.id),
  day: date('day', { mode: 'string' }).notNull(),
  dishIds: text('dish_ids').array().notNull().default(sql`'{}'::text[]`),
  mealSetIds: text('meal_set_ids').array().notNull().default(sql`'{}'::text[]`),
  note: text('note').notNull().default(''),
  version: integer('version').notNull().default(1),
}, (t) => [primaryKey({ columns: [t.schoolId, t.day] })]);

/** The new school year of a school, once per year (promote classes, graduate the 11th). */
export const schoolYearTransitions = pgTable('school_year_transitions', {
  schoolId: text('school_id').notNull().references(() => schools.id),
  year: integer('year').notNull(),                     // 2026 = the year 2026/27 that starts
  doneAt: ts('done_at').notNull().defaultNow(),
  doneBy: text('done_by').notNull(),
  promoted: integer('promoted').notNull(),
  graduated: integer('graduated').notNull(),
}, (t) => [primaryKey({ columns: [t.schoolId, t.year] })]);

/**
 * Money left on the account of a pupil who left: someone must return it to the
 * family (or move it) and say so. Made when a pupil is archived with a balance.
 */
export const balanceReturnTasks = pgTable('balance_return_tasks', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  schoolId: text('school_id').notNull().references(() => schools.id),
  accountNumber: text('account_number').notNull(),
  studentId: text('student_id'),
  /** The balance when the pupil left (kopecks); the ledger stays the truth. */
  amount: kopecks('amount').notNull(),
  reason: text('reason').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
  doneAt: ts('done_at'),
  doneBy: text('done_by'),
  note: text('note'),
}, (t) => [index('balance_return_tasks_school_idx').on(t.schoolId, t.doneAt)]);

export const cashiers = pgTable('cashiers', {
  id: text('id').primaryKey(),
  schoolId: text('school_id').notNull().references(() => schools.id),
  name: text('name').notNull(),
  role: text('role', { enum: ['cashier', 'manager'] }).notNull(),
  pinHash: text('pin_hash').notNull(),                 // argon2id
  active: boolean('active').notNull().default(true),
}, (t) => [index('cashiers_school_idx').on(t.schoolId)]);

/** Server-wide key/value settings (e.g. the change-log horizon). Per-school settings live on `schools`. */
export const serverSettings = pgTable('server_settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

/**
 * Secrets every server process must share (one CSRF key behind a load balancer)
 * or that belong to a school (the PIN pepper its tills get at enrolment).
 * Made once by whichever process needs one first (src/server/secrets.ts); a
 * table of its own so no settings listing or export can ever show them.
 */
export const serverSecrets = pgTable('server_secrets', {
  name: text('name').primaryKey(),
  value: text('value').notNull(),                      // base64url
  createdAt: ts('created_at').notNull().defaultNow(),
});

/** orderCharge / orderReversal: server-made, a fixed meal order's charge and its reversal (src/server/orders, docs/orders.md). */
export const ENTRY_KINDS = ['sale', 'refund', 'subsidy', 'cabinetPassword', 'cardBlock', 'zReport', 'topUp', 'correction', 'orderCharge', 'orderReversal', 'orderServed'] as const;
export type ServerEntryKind = (typeof ENTRY_KINDS)[number];

/**
 * The ledger, append-only. Partitioned in SQL (see 0001); this definition is
 * what queries are typed against. No unique key on uuid here: `entry_ids` has it.
 */
export const entries = pgTable('entries', {
  uuid: text('uuid').notNull(),
  schoolId: text('school_id').notNull(),
  createdAt: ts('created_at').notNull(),               // when it happened (terminal clock for terminal entries)
  recordedAt: ts('recorded_at').notNull().defaultNow(),
  terminalId: text('terminal_id'),                     // null for server-made entries (top-ups, corrections)
  seq: bigint('seq', { mode: 'number' }),
  kind: text('kind', { enum: ENTRY_KINDS }).notNull(),
  accountNumber: text('account_number'),               // null: the school's subsidy account
  amount: kopecks('amount').notNull(),
  /** False when the entry could not touch a balance (unknown account); it is flagged. Reconcile sums applied ones. */
  applied: boolean('applied').notNull().default(true),
  shiftId: text('shift_id'),
  cashierId: text('cashier_id'),
  cardId: text('card_id'),
  receiptId: text('receipt_id'),
  payload: jsonb('payload').notNull().default({}),
}, (t) => [
  primaryKey({ columns: [t.schoolId, t.createdAt, t.uuid] }),
  index('entries_account_idx').on(t.accountNumber, t.createdAt),
]);

/** Global UUID uniqueness for the partitioned ledger, and per-terminal seq uniqueness. */
export const entryIds = pgTable('entry_ids', {
  uuid: text('uuid').primaryKey(),
  schoolId: text('school_id').notNull(),
  createdAt: ts('created_at').notNull(),               // with school_id: locates the partition
  terminalId: text('terminal_id'),
  seq: bigint('seq', { mode: 'number' }),
}, (t) => [uniqueIndex('entry_ids_terminal_seq_idx').on(t.terminalId, t.seq)]);

export const receipts = pgTable('receipts', {
  schoolId: text('school_id').notNull(),
  id: text('id').notNull(),                            // the terminal's receipt id
  number: text('number').notNull(),                    // "24-015183"
  kind: text('kind', { enum: ['sale', 'refund'] }).notNull(),
  terminalId: text('terminal_id'),
  entryUuid: text('entry_uuid').notNull(),
  accountNumber: text('account_number'),
  total: kopecks('total').notNull(),
  subsidy: kopecks('subsidy').notNull().default(0),
  issuedAt: ts('issued_at').notNull(),
  refundOf: text('refund_of'),
  doc: jsonb('doc'),
}, (t) => [
  // No account index: statements go through entries (account_number, created_at) → receipt_id.
  primaryKey({ columns: [t.schoolId, t.id] }),
  // Push and reconcile ask whether a sale was already refunded; refunds are few, so the index is small.
  index('receipts_refund_of_idx').on(t.schoolId, t.refundOf).where(sql`refund_of IS NOT NULL`),
]);

export const receiptLines = pgTable('receipt_lines', {
  schoolId: text('school_id').notNull(),
  receiptId: text('receipt_id').notNull(),
  lineNo: integer('line_no').notNull(),
  itemId: text('item_id').notNull(),
  itemKind: text('item_kind', { enum: ['dish', 'mealSet'] }).notNull(),
  name: text('name').notNull(),
  quantity: integer('quantity').notNull(),
  unitPrice: kopecks('unit_price').notNull(),
  amount: kopecks('amount').notNull(),
  subsidy: kopecks('subsidy').notNull().default(0),
  /**
   * For a line with a subsidy: the benefit category and its funding source when the meal was sold
   * (the till's rule, resolved at push; a refund keeps its sale's), so the reimbursement claims it
   * under the category of that day even if the pupil's categories change later (migration 0021).
   */
  benefitCategoryId: text('benefit_category_id'),
  fundingSource: text('funding_source', { enum: FUNDING_SOURCES }),
}, (t) => [primaryKey({ columns: [t.schoolId, t.receiptId, t.lineNo] })]);

/**
 * Change log for pull cursors. `txid` is the writing transaction's id: a pull
 * returns the changes its snapshot sees that the previous pull's snapshot (the
 * cursor) did not, so a transaction that commits late is never skipped and
 * none is sent twice (no counter row to lock; see docs/server.md).
 */
export const changes = pgTable('changes', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  schoolId: text('school_id').notNull(),
  kind: text('kind').notNull(),                        // account | card | student | category | dish | mealSet | benefitCategory | benefitRule | cashier | settings
  key: text('key').notNull(),
  txid: bigint('txid', { mode: 'number' }).notNull().default(sql`(pg_current_xact_id()::text::bigint)`),
  createdAt: ts('created_at').notNull().defaultNow(),
}, (t) => [index('changes_school_txid_idx').on(t.schoolId, t.txid)]);

/** Sales (and other entries) the server would not have allowed: applied, and listed here for a person to review. */
export const reviewFlags = pgTable('review_flags', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  schoolId: text('school_id').notNull(),
  entryUuid: text('entry_uuid').notNull(),
  terminalId: text('terminal_id'),
  accountNumber: text('account_number'),
  reason: text('reason').notNull(),                    // cardBlocked | cardLost | cardMismatch | overdraft | dailyLimit | repeatBenefit | unknownAccount | unknownCard | badAmount | badPayload | seqReused | duplicateUuid | duplicateReceipt | zMismatch (a Z report that differs from the server, src/server/reports/z-reconcile.ts) | subsidyNotEntitled | clockAhead (src/server/ledger/entitlement.ts), and the rules of src/core/ledger-rules.ts (entry stored unapplied)
  message: text('message').notNull(),                  // Russian, for the report
  details: jsonb('details').notNull().default({}),
  createdAt: ts('created_at').notNull().defaultNow(),
  /** Set once by `canteen server flags resolve` (who, when, why); the row itself is never deleted or re-resolved. */
  resolvedAt: ts('resolved_at'),
  resolvedBy: text('resolved_by'),
  resolutionNote: text('resolution_note'),
}, (t) => [
  uniqueIndex('review_flags_entry_reason_idx').on(t.entryUuid, t.reason),
  index('review_flags_school_idx').on(t.schoolId, t.createdAt),
]);

export const schema = {
  schools, terminals, enrollmentCodes, students, studentPhotos, accounts, cards, menuCategories, dishes, mealSets,
  benefitCategories, benefitRules, cashiers, serverSettings, serverSecrets, entries, entryIds, receipts, receiptLines,
  changes, reviewFlags, studentBenefits, menuCycles, menuCycleDays, menuOverrides, schoolYearTransitions, balanceReturnTasks,
};
export type Schema = typeof schema;
