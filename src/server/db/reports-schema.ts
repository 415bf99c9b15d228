import { bigint, boolean, customType, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

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
