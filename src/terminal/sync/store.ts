import type Database from 'better-sqlite3';
import type { SqlRow } from '../db/rows.js';
import type { syncState } from '../db/schema.js';

/**
 * The sync client's persistent state, in the terminal's `sync_state` table
 * (key/value). Kept in SQLite so a restart resumes from the same cursor and
 * still knows when the last successful sync was (the staleness warning).
 */
export const SYNC_KEY = {
  /** Opaque pull cursor as the server sent it. */
  cursor: 'pull_cursor',
  /** Highest seq the server acknowledged (everything 1..ackSeq is stored there). */
  ackSeq: 'ack_seq',
  /** The terminal's lastSeq on the server at the last applied pull. */
  pulledSeq: 'pulled_seq',
  lastSyncAt: 'last_sync_at',
  lastPushAt: 'last_push_at',
  lastPullAt: 'last_pull_at',
  lastError: 'last_error',
  /** The ledger-behind-the-server warning (SyncState.ledgerWarning), '' when none. */
  ledgerWarning: 'ledger_warning',
} as const;
export type SyncKey = (typeof SYNC_KEY)[keyof typeof SYNC_KEY];

export function getSyncValue(sqlite: Database.Database, key: SyncKey): string | undefined {
  return sqlite.prepare<[SyncKey], SqlRow<typeof syncState>['value']>('SELECT value FROM sync_state WHERE key = ?').pluck().get(key);
}

/** Call inside a transaction when the value must commit with other writes. */
export function setSyncValue(sqlite: Database.Database, key: SyncKey, value: string, at: string): void {
  sqlite.prepare(
    `INSERT INTO sync_state (key, value, updated_at) VALUES (?, ?, ?)
     ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
  ).run(key, value, at);
}
