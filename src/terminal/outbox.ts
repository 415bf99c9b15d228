import type Database from 'better-sqlite3';
import type { SyncEntry } from '../api/sync.js';

/** An entries row as stored (snake_case from SQL). */
export interface EntryRow {
  uuid: string; seq: number; kind: SyncEntry['kind']; account_number: string | null; amount: number;
  created_at: string; shift_id: string | null; cashier_id: string | null; card_id: string | null; payload: string;
}

export function entryRowToSync(r: EntryRow): SyncEntry {
  return {
    uuid: r.uuid, seq: r.seq, kind: r.kind, accountNumber: r.account_number, amount: r.amount,
    createdAt: r.created_at, shiftId: r.shift_id, cashierId: r.cashier_id, cardId: r.card_id,
    payload: JSON.parse(r.payload) as Record<string, unknown>,
  };
}

/** Outbox entries not yet acknowledged, in seq order, as the push wire format. */
export function pendingEntries(sqlite: Database.Database, limit = 500, afterSeq = 0): SyncEntry[] {
  const rows = sqlite.prepare(
    `SELECT e.uuid, e.seq, e.kind, e.account_number, e.amount, e.created_at, e.shift_id, e.cashier_id, e.card_id, e.payload
       FROM outbox o JOIN entries e ON e.seq = o.seq
      WHERE o.status != 'acked' AND o.seq > ? ORDER BY o.seq LIMIT ?`,
  ).all(afterSeq, limit) as EntryRow[];
  return rows.map(entryRowToSync);
}

/** Marks rows up to ackSeq acknowledged (the server has every entry 1..ackSeq). */
export function markAcked(sqlite: Database.Database, ackSeq: number, at = new Date().toISOString()): number {
  return sqlite.prepare(`UPDATE outbox SET status = 'acked', acked_at = ? WHERE seq <= ? AND status != 'acked'`).run(at, ackSeq).changes;
}

export function markSent(sqlite: Database.Database, seqs: readonly number[], at = new Date().toISOString()): void {
  const st = sqlite.prepare(`UPDATE outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1 WHERE seq = ? AND status = 'pending'`);
  sqlite.transaction(() => { for (const s of seqs) st.run(at, s); })();
}

export function pendingCount(sqlite: Database.Database): number {
  return sqlite.prepare(`SELECT count(*) FROM outbox WHERE status != 'acked'`).pluck().get() as number;
}
