import type Database from 'better-sqlite3';
import type { SyncEntry } from '../api/sync.js';
import { ledgerCursor, lineKeys } from './db/schema.js';

/** An entries row as stored (snake_case from SQL), with its receipt's columns when it has one. */
export interface EntryRow {
  uuid: string; seq: number; kind: SyncEntry['kind']; account_number: string | null; amount: number;
  created_at: string; shift_id: string | null; cashier_id: string | null; card_id: string | null; payload: string;
  receipt_seq?: number | null;
  r_id?: string | null; r_number?: string | null; r_issued_at?: string | null;
  r_total?: number | null; r_subsidy?: number | null; r_account?: string | null; r_refund_of?: string | null;
}

interface LineRow { item_id: string; item_kind: 'dish' | 'mealSet'; name: string; quantity: number; unit_price: number; amount: number; subsidy: number }
type WireLine = { itemId: string; kind: 'dish' | 'mealSet'; name: string; quantity: number; unitPrice: number; amount: number; subsidy: number };

/**
 * Sale and refund entries go on the wire in exactly the shape the server reads
 * (salePayloadSchema / refundPayloadSchema in src/api/sync.ts: receiptId, receiptNumber,
 * lines, total, subsidy, issuedAt, + refundOf, reason), with the entry's own receiptId set,
 * so the server stores the receipt once and links it without guessing. The receipt is read
 * from receipts/receipt_lines, which are as immutable as the entry: since migration 0004 the
 * entry does not copy it.
 *
 * Rows written before 0004 still carry their own copy under `payload.receipt` (the same receipt,
 * written in the same transaction as its receipts row): it is replaced by the fields above, so
 * those rows need no other conversion. Only if such a row had lost its receipts row would the
 * copy itself be lifted to the top level (what the sync client's wire.ts used to do for every row).
 */
function salePayload(r: EntryRow, own: Record<string, unknown>, linesOf: (seq: number) => WireLine[]): { payload: Record<string, unknown>; receiptId: string | null } {
  const { receipt: copy, ...rest } = own as { receipt?: Record<string, unknown> } & Record<string, unknown>;
  if (r.receipt_seq != null && r.r_id != null) {
    const refundOf = r.r_refund_of ?? rest.refundOf;
    return {
      receiptId: r.r_id,
      payload: {
        ...rest,
        receiptId: r.r_id, receiptNumber: r.r_number, lines: linesOf(r.receipt_seq), total: r.r_total, subsidy: r.r_subsidy ?? 0,
        ...(r.r_issued_at ? { issuedAt: r.r_issued_at } : {}),
        ...(r.kind === 'refund' && refundOf != null ? { refundOf } : {}),
      },
    };
  }
  if (copy && typeof copy === 'object' && typeof copy.id === 'string') {
    return {
      receiptId: copy.id,
      payload: {
        receiptId: copy.id, receiptNumber: copy.number, lines: copy.lines, total: copy.total, subsidy: copy.subsidy ?? 0,
        ...(typeof copy.issuedAt === 'string' ? { issuedAt: copy.issuedAt } : {}),
        ...rest,
      },
    };
  }
  return { payload: own, receiptId: null };
}

/** The subsidy entry's payload: the pupil's receipt it belongs to, and its benefit lines. */
function subsidyPayload(r: EntryRow, own: Record<string, unknown>, linesOf: (seq: number) => WireLine[]): Record<string, unknown> {
  if (r.receipt_seq == null || r.r_id == null || 'receiptId' in own) return own;
  return {
    receiptId: r.r_id, receiptNumber: r.r_number, pupilAccountNumber: r.r_account,
    lines: linesOf(r.receipt_seq).filter((l) => l.subsidy !== 0),
    ...(r.r_refund_of ? { refundOf: r.r_refund_of } : {}),
    ...own,
  };
}

export function entryRowToSync(r: EntryRow, linesOf: (seq: number) => WireLine[] = () => []): SyncEntry {
  const own = JSON.parse(r.payload) as Record<string, unknown>;
  const base = {
    uuid: r.uuid, seq: r.seq, kind: r.kind, accountNumber: r.account_number, amount: r.amount,
    createdAt: r.created_at, shiftId: r.shift_id, cashierId: r.cashier_id, cardId: r.card_id,
  };
  if (r.kind === 'sale' || r.kind === 'refund') {
    const { payload, receiptId } = salePayload(r, own, linesOf);
    return { ...base, ...(receiptId ? { receiptId } : {}), payload };
  }
  return { ...base, payload: r.kind === 'subsidy' ? subsidyPayload(r, own, linesOf) : own };
}

const statements = new WeakMap<Database.Database, ReturnType<typeof prepare>>();
function prepare(sqlite: Database.Database) {
  // The outbox is the ledger's tail past ledger_cursors.outbox_acked_seq (migration 0008):
  // a rowid range of entries, so reading it never scans what was acknowledged long ago.
  const acked = ledgerCursor('outbox_acked_seq');
  return {
    pending: sqlite.prepare(
      `SELECT e.uuid, e.seq, e.kind, e.account_number, e.amount, e.created_at, e.shift_id, e.cashier_id, e.card_id, e.payload, e.receipt_seq,
              r.id AS r_id, r.number AS r_number, r.issued_at AS r_issued_at, r.total AS r_total,
              r.subsidy AS r_subsidy, r.account_number AS r_account, r.refund_of AS r_refund_of
         FROM entries e LEFT JOIN receipts r ON r.seq = e.receipt_seq
        WHERE e.seq > max(?, ${acked}) ORDER BY e.seq LIMIT ?`),
    // A receipt's lines are one rowid range (lineKeys).
    lines: sqlite.prepare(`SELECT item_id, item_kind, name, quantity, unit_price, amount, subsidy FROM receipt_lines
                            WHERE id BETWEEN ? AND ? ORDER BY id`),
    ackedSeq: sqlite.prepare(`SELECT ${acked}`).pluck(),
    // Capped at our newest entry: an ack beyond it (a terminal restored from an old copy, whose
    // server already has higher seqs) must not swallow entries this terminal writes later.
    ackThrough: sqlite.prepare(`UPDATE ledger_cursors SET outbox_acked_seq = max(outbox_acked_seq, min(?, coalesce((SELECT max(seq) FROM entries), 0))) WHERE id = 1`),
    resumeFrom: sqlite.prepare(`UPDATE ledger_cursors SET outbox_acked_seq = min(outbox_acked_seq, ? - 1) WHERE id = 1`),
    count: sqlite.prepare(`SELECT count(*) FROM entries WHERE seq > ${acked}`).pluck(),
  };
}
function st(sqlite: Database.Database) {
  let s = statements.get(sqlite);
  if (!s) { s = prepare(sqlite); statements.set(sqlite, s); }
  return s;
}

/** Outbox entries (not yet acknowledged), in seq order, as the push wire format. */
export function pendingEntries(sqlite: Database.Database, limit = 500, afterSeq = 0): SyncEntry[] {
  const s = st(sqlite);
  const rows = s.pending.all(afterSeq, limit) as EntryRow[];
  // A sale and its subsidy entry share a receipt: read its lines once.
  const cache = new Map<number, WireLine[]>();
  const linesOf = (seq: number): WireLine[] => {
    let lines = cache.get(seq);
    if (!lines) {
      lines = (s.lines.all(...lineKeys(seq)) as LineRow[]).map((l) => ({
        itemId: l.item_id, kind: l.item_kind, name: l.name, quantity: l.quantity, unitPrice: l.unit_price, amount: l.amount, subsidy: l.subsidy,
      }));
      cache.set(seq, lines);
    }
    return lines;
  };
  return rows.map((r) => entryRowToSync(r, linesOf));
}

/** The server has every entry 1..ackSeq: they leave the outbox. Returns how many left it. */
export function markAcked(sqlite: Database.Database, ackSeq: number): number {
  const s = st(sqlite);
  const before = s.ackedSeq.get() as number;
  s.ackThrough.run(ackSeq);
  return (s.ackedSeq.get() as number) - before;
}

/** The server says it lacks entries from `seq` on (a server restored from a backup): they go back into the outbox. */
export function resendFrom(sqlite: Database.Database, seq: number): void {
  st(sqlite).resumeFrom.run(seq);
}

export function pendingCount(sqlite: Database.Database): number {
  return st(sqlite).count.get() as number;
}
