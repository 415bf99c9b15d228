import { bigint, bigserial, boolean, date, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import type { Grant } from '../../api/admin/staff.js';

/**
 * Staff, their sessions and the audit log (issue 14). Cashiers and managers of
 * the tills are staff too: their PIN lives here and the staff service keeps
 * the tills' projection (`cashiers`, pulled by the terminals) in step.
 */

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'string' });

export const staff = pgTable('staff', {
  id: text('id').primaryKey(),
  /** Console login (lower case); null for a till-only person (PIN, no password). */
  login: text('login'),
  fullName: text('full_name').notNull(),
  /** Roles per school (jsonb array of Grant); the person's whole scope. */
  grants: jsonb('grants').$type<Grant[]>().notNull(),
  passwordHash: text('password_hash'),
  /** Base32 TOTP secret; confirmed once `totpEnabledAt` is set. */
  totpSecret: text('totp_secret'),
  totpEnabledAt: ts('totp_enabled_at'),
  /** Last accepted TOTP time step: a code is accepted once. */
  totpLastStep: integer('totp_last_step'),
  /** Till PIN hash (peppered argon2id); copied into `cashiers` for the school's tills. */
  pinHash: text('pin_hash'),
  active: boolean('active').notNull().default(true),
  /** Optimistic concurrency: bumped by every save. */
  version: integer('version').notNull().default(1),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
}, (t) => [uniqueIndex('staff_login_idx').on(t.login)]);

export const staffSessions = pgTable('staff_sessions', {
  idHash: text('id_hash').primaryKey(),
  staffId: text('staff_id').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
  lastSeenAt: ts('last_seen_at').notNull().defaultNow(),
  expiresAt: ts('expires_at').notNull(),
  /** Null while a TOTP role still has to enrol its authenticator (only the enrolment routes answer). */
  verifiedAt: ts('verified_at'),
  ip: text('ip'),
  userAgent: text('user_agent'),
}, (t) => [index('staff_sessions_staff_idx').on(t.staffId)]);

/**
 * Every staff write: who, when, what, before and after. Append-only: a
 * trigger (migration 0009) refuses UPDATE and DELETE, and no route writes
 * anything but INSERT.
 */
export const auditLog = pgTable('audit_log', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  at: ts('at').notNull().defaultNow(),
  /** The staff member, or null for the command line (then `actor` says who ran it). */
  staffId: text('staff_id'),
  actor: text('actor').notNull(),
  schoolId: text('school_id'),
  action: text('action').notNull(),                  // "staff.create", "school.update", "flag.resolve" …
  entity: text('entity').notNull(),                  // "staff", "school", "flag" …
  entityId: text('entity_id'),
  before: jsonb('before'),
  after: jsonb('after'),
  ip: text('ip'),
}, (t) => [
  index('audit_log_school_at_idx').on(t.schoolId, t.at),
  index('audit_log_entity_idx').on(t.entity, t.entityId),
  index('audit_log_staff_idx').on(t.staffId, t.at),
]);

/** A school's calendar: dates that differ from the usual week (holidays, working Saturdays). */
export const schoolCalendar = pgTable('school_calendar', {
  schoolId: text('school_id').notNull(),
  date: date('date', { mode: 'string' }).notNull(),
  kind: text('kind', { enum: ['schoolDay', 'holiday'] }).notNull(),
  note: text('note').notNull().default(''),
}, (t) => [primaryKey({ columns: [t.schoolId, t.date] })]);

/**
 * Money by hand: top-ups and corrections with a reason and a document number.
 * A correction above the school's limit waits for a second person's approval
 * (four eyes); the entry is made when it is approved, keyed by this row's id.
 */
export const moneyRequests = pgTable('money_requests', {
  id: text('id').primaryKey(),                         // UUIDv7, also the entry's uuid
  schoolId: text('school_id').notNull(),
  accountNumber: text('account_number').notNull(),
  kind: text('kind', { enum: ['topUp', 'correction'] }).notNull(),
  amount: bigint('amount', { mode: 'number' }).notNull(),
  reason: text('reason').notNull(),
  documentNumber: text('document_number').notNull(),
  state: text('state', { enum: ['pending', 'applied', 'rejected'] }).notNull(),
  requestedBy: text('requested_by').notNull(),         // staff id, or "cli:<user>"
  requestedByName: text('requested_by_name').notNull(),
  requestedAt: ts('requested_at').notNull().defaultNow(),
  decidedBy: text('decided_by'),
  decidedByName: text('decided_by_name'),
  decidedAt: ts('decided_at'),
  decisionNote: text('decision_note'),
  entryUuid: text('entry_uuid'),
}, (t) => [index('money_requests_school_idx').on(t.schoolId, t.state, t.requestedAt)]);
