import { bigint, boolean, customType, date, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

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

const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => 'bytea',
  fromDriver: (v) => (Buffer.isBuffer(v) ? v : Buffer.from(v)),
});

/**
 * Bank registries as imported (`canteen server registry import`): the file itself, so the
 * reconciliation report can check each registry of a period against the payments again
 * (registry-reconcile.ts) long after the import. One row per bank and file content.
 */
export const bankRegistries = pgTable('bank_registries', {
  id: text('id').primaryKey(),
  /** The payments' source: "registry" or "registry:<bank>" (registry-import.ts registrySource). */
  source: text('source').notNull(),
  sha256: text('sha256').notNull(),
  /** The registry's first and last day (the district's zone); null when no line was readable. */
  fromDay: text('from_day'),
  toDay: text('to_day'),
  lines: integer('lines').notNull(),
  total: kopecks('total').notNull(),
  bytes: bytea('bytes').notNull(),
  importedAt: ts('imported_at').notNull().defaultNow(),
}, (t) => [
  uniqueIndex('bank_registries_source_sha_idx').on(t.source, t.sha256),
  index('bank_registries_days_idx').on(t.fromDay, t.toDay),
]);

/**
 * Long report exports (export-jobs.ts): made by a POST (one per person and idempotency key, so a
 * double click makes one job), computed by the server's worker, downloaded when done. The file
 * lives in the server's exports directory (mode 0600) until `expires_at`, then it is removed.
 */
export const exportJobs = pgTable('export_jobs', {
  id: text('id').primaryKey(),
  staffId: text('staff_id').notNull(),
  idempotencyKey: text('idempotency_key').notNull(),
  /** 'reimbursement' | 'districtDay' | 'schoolDay' | 'reconciliation' (src/api/admin/export-jobs.ts). */
  kind: text('kind').notNull(),
  /** The school the report is of; null for a district-wide one. */
  schoolId: text('school_id'),
  params: jsonb('params').notNull(),
  format: text('format').notNull(),
  /** queued → running → done | failed; done → expired when its file is removed. */
  status: text('status').notNull().default('queued'),
  /** What the worker is doing now: 'query' (the database computes) or 'write' (rows go to the file). */
  phase: text('phase'),
  rowsDone: integer('rows_done').notNull().default(0),
  rowsTotal: integer('rows_total'),
  error: text('error'),
  fileName: text('file_name'),
  size: bigint('size', { mode: 'number' }),
  createdAt: ts('created_at').notNull().defaultNow(),
  startedAt: ts('started_at'),
  /** Refreshed by the running worker: a running job not touched for long belongs to a process that is gone. */
  heartbeatAt: ts('heartbeat_at'),
  finishedAt: ts('finished_at'),
  expiresAt: ts('expires_at'),
}, (t) => [
  uniqueIndex('export_jobs_staff_key_idx').on(t.staffId, t.idempotencyKey),
  index('export_jobs_status_idx').on(t.status, t.createdAt),
]);
/**
 * The district's roll-up (src/server/reports/rollup.ts): one row per school and closed school day,
 * derived from the ledger and recomputed when a late entry for that day arrives (report_dirty_days).
 * `time_zone` is the school's zone the day was cut in: a row of another zone counts as missing.
 */
export const reportSchoolDays = pgTable('report_school_days', {
  schoolId: text('school_id').notNull(),
  day: date('day', { mode: 'string' }).notNull(),
  timeZone: text('time_zone').notNull(),
  pupilsFed: integer('pupils_fed').notNull(),
  beneficiariesFed: integer('beneficiaries_fed').notNull(),
  grade14Fed: integer('grade14_fed').notNull(),
  salesTotal: kopecks('sales_total').notNull(),
  subsidyTotal: kopecks('subsidy_total').notNull(),
  /** Shifts of the day's sales (terminal entries), for "Z missing" on a closed day. */
  shifts: text('shifts').array().notNull(),
  computedAt: ts('computed_at').notNull().defaultNow(),
}, (t) => [
  primaryKey({ columns: [t.schoolId, t.day] }),
  index('report_school_days_day_idx').on(t.day),
]);

/** The reimbursement's subsidised meals of a closed day (the `x` rows of reimbursement.ts), recomputed with report_school_days. */
export const reportSubsidyMeals = pgTable('report_subsidy_meals', {
  schoolId: text('school_id').notNull(),
  day: date('day', { mode: 'string' }).notNull(),
  accountNumber: text('account_number'),
  item: text('item').notNull(),
  meals: integer('meals').notNull(),
  sum: kopecks('sum').notNull(),
  share: kopecks('share'),
  categoryId: text('category_id'),
  fundingSource: text('funding_source'),
}, (t) => [index('report_subsidy_meals_day_idx').on(t.day, t.schoolId)]);

/**
 * A push that stored entries of a school day that may already be rolled up marks it here (one row
 * per push and day, insert only: no lock shared between pushes). The report recomputes those days
 * and deletes exactly the marks it read.
 */
export const reportDirtyDays = pgTable('report_dirty_days', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  schoolId: text('school_id').notNull(),
  day: date('day', { mode: 'string' }).notNull(),
  markedAt: ts('marked_at').notNull().defaultNow(),
});
