import { bigint, index, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { schools, terminals } from './schema.js';

/**
 * Till app releases served to electron-updater (issue 18, src/server/releases/).
 * The files live on the server's disk (<releases dir>/<version>/<name>); here is
 * what is known about them and who may see them. A release is `pilot` (only the
 * pilot schools' tills are offered it) or `stable` (every till); a withdrawn one is
 * offered to nobody. Nothing is deleted: the history of what was offered stays.
 */
const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'string' });

export const releases = pgTable('releases', {
  version: text('version').primaryKey(),
  channel: text('channel', { enum: ['pilot', 'stable'] }).notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
  /** When it went to every till (`release promote`, or added as stable). */
  promotedAt: ts('promoted_at'),
  withdrawnAt: ts('withdrawn_at'),
  withdrawnReason: text('withdrawn_reason'),
});

export const releaseFiles = pgTable('release_files', {
  version: text('version').notNull().references(() => releases.version),
  /** File name as built (canteen-cashier-1.2.0-x64-setup.exe), [A-Za-z0-9._-] only. */
  name: text('name').notNull(),
  /** Which metadata lists it: 'win' (latest.yml), 'linux' (latest-linux.yml), 'linux-arm64'; null: served only (blockmaps). */
  platform: text('platform', { enum: ['win', 'linux', 'linux-arm64'] }),
  /** base64 SHA-512, as electron-updater checks it. */
  sha512: text('sha512').notNull(),
  size: bigint('size', { mode: 'number' }).notNull(),
}, (t) => [primaryKey({ columns: [t.version, t.name] }), index('release_files_name_idx').on(t.name)]);

/** Schools whose tills get pilot releases first. */
export const releasePilotSchools = pgTable('release_pilot_schools', {
  schoolId: text('school_id').primaryKey().references(() => schools.id),
  addedAt: ts('added_at').notNull().defaultNow(),
});

/**
 * Remote help (issue 18): a diagnostic bundle asked for from the console and
 * sent by the till (src/terminal/diagnostics.ts: versions, sync state, devices,
 * redacted log; never the ledger or the roster). Kept as sent; newest first.
 */
export const tillDiagnostics = pgTable('till_diagnostics', {
  id: text('id').primaryKey(),
  terminalId: text('terminal_id').notNull().references(() => terminals.id),
  schoolId: text('school_id').notNull().references(() => schools.id),
  requestedAt: ts('requested_at').notNull().defaultNow(),
  requestedBy: text('requested_by').notNull(),
  uploadedAt: ts('uploaded_at'),
  bundle: jsonb('bundle'),
}, (t) => [index('till_diagnostics_terminal_idx').on(t.terminalId, t.requestedAt)]);
