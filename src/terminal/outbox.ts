import type Database from 'better-sqlite3';
import type { SyncEntry } from '../api/sync.js';
import type { PricedLine } from '../core/sale.js';
import type { Joined, SqlPick, SqlRow } from './db/rows.js';
import { ledgerCursor, type entries, type ledgerCursors, type receipts } from './db/schema.js';
import { receiptLinesReader } from './receipt-lines.js';

/** An entries row as stored (snake_case from SQL), with its receipt's columns (`r_…`) when it has one. */
export type EntryRow = SqlPick<typeof entries, 'uuid' | 'seq' | 'kind' | 'account_number' | 'amount' | 'created_at' | 'shift_id'
  | 'cashier_id' | 'card_id' | 'payload'> & Partial<SqlPick<typeof entries, 'receipt_seq'>>
  & Joined<'r_', SqlPick<typeof receipts, 'id' | 'number' | 'issued_at' | 'total' | 'subsidy' | 'account_number' | 'refund_of'>>;

/**
 * A receipt line on the wire (receiptLineSchema): the stored line without what only the till prints.
 * The benefit rule travels: the server records the category the meal was subsidised under.
 */
type WireLine = Omit<PricedLine, 'note'>;
const wireLine = ({ note: _note, ...line }: PricedLine): WireLine => line;

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
    receiptId: r.r_id, receiptNumber: r.r_number, pupilAccountNumber: r.r_account_number,
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
    pending: sqlite.prepare<[number, number], EntryRow>(
      `SELECT e.uuid, e.seq, e.kind, e.account_number, e.amount, e.created_at, e.shift_id, e.cashier_id, e.card_id, e.payload, e.receipt_seq,
              r.id AS r_id, r.number AS r_number, r.issued_at AS r_issued_at, r.total AS r_total,
              r.subsidy AS r_subsidy, r.account_number AS r_account_number, r.refund_of AS r_refund_of
         FROM entries e LEFT JOIN receipts r ON r.seq = e.receipt_seq
        WHERE e.seq > max(?, ${acked}) ORDER BY e.seq LIMIT ?`),
    lines: receiptLinesReader(sqlite),
    ackedSeq: sqlite.prepare<[], SqlRow<typeof ledgerCursors>['outbox_acked_seq']>(`SELECT ${acked}`).pluck(),
    // Capped at our newest entry: an ack beyond it (a terminal restored from an old copy, whose
    // server already has higher seqs) must not swallow entries this terminal writes later.
    ackThrough: sqlite.prepare(`UPDATE ledger_cursors SET outbox_acked_seq = max(outbox_acked_seq, min(?, coalesce((SELECT max(seq) FROM entries), 0))) WHERE id = 1`),
    resumeFrom: sqlite.prepare(`UPDATE ledger_cursors SET outbox_acked_seq = min(outbox_acked_seq, ? - 1) WHERE id = 1`),
    count: sqlite.prepare<[], number>(`SELECT count(*) FROM entries WHERE seq > ${acked}`).pluck(),
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
  const rows = s.pending.all(afterSeq, limit);
  // A sale and its subsidy entry share a receipt: read its lines once.
  const cache = new Map<number, WireLine[]>();
  const linesOf = (seq: number): WireLine[] => {
    let lines = cache.get(seq);
    if (!lines) {
      lines = s.lines(seq).map(wireLine);
      cache.set(seq, lines);
    }
    return lines;
  };
  return rows.map((r) => entryRowToSync(r, linesOf));
}

/** The server has every entry 1..ackSeq: they leave the outbox. Returns how many left it. */
export function markAcked(sqlite: Database.Database, ackSeq: number): number {
  const s = st(sqlite);
  const before = s.ackedSeq.get() ?? 0;
  s.ackThrough.run(ackSeq);
  return (s.ackedSeq.get() ?? 0) - before;
}

/** The server says it lacks entries from `seq` on (a server restored from a backup): they go back into the outbox. */
export function resendFrom(sqlite: Database.Database, seq: number): void {
  st(sqlite).resumeFrom.run(seq);
}

export function pendingCount(sqlite: Database.Database): number {
  return st(sqlite).count.get() ?? 0;
}
