import type Database from 'better-sqlite3';
import type { SqlPick, SqlRow } from './db/rows.js';
import { ledgerCursor, type PrintJobKind, type printJobs } from './db/schema.js';
import { ReceiptDocs } from './receipt-doc.js';

/** One print_jobs row, as the queue sees it. */
export interface PrintJobRow {
  id: string;
  receiptId: string | null;
  kind: PrintJobKind;
  /** JSON: ReceiptDoc or ShiftReport. Built from the stored receipt when the job references it. */
  payload: string;
  /** receipts.seq whose doc is the payload (set by a store that stores no copy); null otherwise. */
  receiptSeq?: number | null;
  status: SqlRow<typeof printJobs>['status'];
  attempts: number;
  lastError: string | null;
  copy: boolean;
  createdAt: string;
  printedAt: string | null;
}

/** A row to insert (payload null only in rows written before migration 0008 by reference). */
export type NewPrintJobRow = Omit<PrintJobRow, 'payload'> & { payload: string | null };

/**
 * Where print jobs live. Synchronous on purpose: the terminal enqueues inside the
 * sale's SQLite transaction (better-sqlite3 is synchronous), so the job commits
 * or rolls back with the sale.
 */
export interface PrintJobStore {
  /**
   * True for the store on the terminal database: a receipt's original job that prints its
   * stored receipt is implied by the receipt until the store writes it (storedPayload in
   * ports.ts, migration 0008); `get`, `nextQueued`, `pendingCount` and `list` see implied jobs.
   */
  readonly referencesReceipts?: boolean;
  insert(row: NewPrintJobRow): void;
  get(id: string): PrintJobRow | undefined;
  /** Oldest job still to print, in enqueue order. */
  nextQueued(): PrintJobRow | undefined;
  /** Jobs not yet printed (queued or printing). */
  pendingCount(): number;
  /** queued → printing; false when the job is not queued (already taken or printed). */
  markPrinting(id: string): boolean;
  markPrinted(id: string, at: string): void;
  /** printing → queued again, with the error and one more attempt. */
  markRetry(id: string, error: string): void;
  /** A job that can never print (its payload is broken): kept for the record, skipped. */
  markFailed(id: string, error: string): void;
  /**
   * After a crash: jobs caught in `printing` may or may not be on paper. They go back
   * to the queue marked as copies, so the worst case is a receipt printed twice with
   * "КОПИЯ" on the second, never a receipt lost.
   */
  recoverInterrupted(): number;
  list(limit: number): PrintJobRow[];
}

export class MemoryPrintJobStore implements PrintJobStore {
  private readonly rows = new Map<string, PrintJobRow>();
  insert(row: NewPrintJobRow): void {
    if (this.rows.has(row.id)) throw new Error(`duplicate print job ${row.id}`);
    if (row.payload === null) throw new Error(`print job ${row.id} has no payload`);
    this.rows.set(row.id, { ...row, payload: row.payload });
  }
  get(id: string): PrintJobRow | undefined { const r = this.rows.get(id); return r && { ...r }; }
  private ordered(): PrintJobRow[] {
    return [...this.rows.values()].sort((a, b) => (a.createdAt === b.createdAt ? (a.id < b.id ? -1 : 1) : a.createdAt < b.createdAt ? -1 : 1));
  }
  nextQueued(): PrintJobRow | undefined { const r = this.ordered().find((x) => x.status === 'queued'); return r && { ...r }; }
  pendingCount(): number { return [...this.rows.values()].filter((r) => r.status === 'queued' || r.status === 'printing').length; }
  markPrinting(id: string): boolean {
    const r = this.rows.get(id);
    if (!r || r.status !== 'queued') return false;
    r.status = 'printing';
    return true;
  }
  markPrinted(id: string, at: string): void { const r = this.rows.get(id); if (r) { r.status = 'printed'; r.printedAt = at; r.attempts++; } }
  markRetry(id: string, error: string): void { const r = this.rows.get(id); if (r && r.status === 'printing') { r.status = 'queued'; r.attempts++; r.lastError = error; } }
  markFailed(id: string, error: string): void { const r = this.rows.get(id); if (r) { r.status = 'failed'; r.lastError = error; } }
  recoverInterrupted(): number {
    let n = 0;
    for (const r of this.rows.values()) if (r.status === 'printing') { r.status = 'queued'; r.copy = true; n++; }
    return n;
  }
  list(limit: number): PrintJobRow[] { return this.ordered().reverse().slice(0, limit); }
}

/** A print_jobs row as the store's SELECTs return it (payload: the job's own, else its receipt's stored doc). */
type JobSqlRow = SqlPick<typeof printJobs, 'id' | 'receipt_id' | 'receipt_seq' | 'kind' | 'payload' | 'status' | 'attempts' | 'last_error'
  | 'copy' | 'created_at' | 'printed_at'>;
/** insert()'s named parameters. */
type JobParams = Omit<NewPrintJobRow, 'receiptSeq' | 'copy'> & { receiptSeq: number | null; copy: JobSqlRow['copy'] };
const fromSql = (r: JobSqlRow): PrintJobRow => ({
  // A job whose receipt is gone has nothing to print: the queue marks it failed ("not a ReceiptDoc").
  id: r.id, receiptId: r.receipt_id, receiptSeq: r.receipt_seq, kind: r.kind, payload: r.payload ?? 'null', status: r.status, attempts: r.attempts,
  lastError: r.last_error, copy: r.copy === 1, createdAt: r.created_at, printedAt: r.printed_at,
});

const CURSOR = ledgerCursor('print_jobs_through_seq');

/**
 * Jobs still to print on the terminal database: the rows queued or printing, plus one implied job
 * per receipt beyond the cursor (receipts are gapless; a row already written for such a receipt,
 * one with a cabinet password on paper, is counted with its receipt, not twice).
 */
export function pendingPrintCount(sqlite: Database.Database): () => number {
  const st = sqlite.prepare<[], number>(`SELECT
      (SELECT count(*) FROM print_jobs WHERE status IN ('queued','printing') AND (receipt_seq IS NULL OR receipt_seq <= ${CURSOR}))
    + coalesce((SELECT max(seq) FROM receipts), 0) - ${CURSOR}`).pluck();
  return () => st.get() ?? 0;
}

/** The terminal database's print_jobs table (src/terminal/db/schema.ts), on the service's own connection. */
export class SqlitePrintJobStore implements PrintJobStore {
  readonly referencesReceipts = true;
  private readonly s;
  private readonly sqlite: Database.Database;
  private readonly docs: ReceiptDocs;
  readonly pendingCount: () => number;
  constructor(sqlite: Database.Database) {
    this.sqlite = sqlite;
    // A job without its own payload prints its receipt (migration 0007): the stored doc of an old
    // receipt, or the doc built from the receipt's row and lines (migration 0008, in rowOf).
    const cols = `p.id, p.receipt_id, p.receipt_seq, p.kind, coalesce(p.payload, r.doc) AS payload, p.status, p.attempts,
      p.last_error, p.copy, p.created_at, p.printed_at FROM print_jobs p LEFT JOIN receipts r ON r.seq = p.receipt_seq AND p.payload IS NULL`;
    this.docs = new ReceiptDocs(sqlite);
    this.s = {
      insert: sqlite.prepare<[JobParams]>(`INSERT INTO print_jobs (id, receipt_id, receipt_seq, kind, payload, status, attempts, last_error, copy, created_at, printed_at)
        VALUES (@id, @receiptId, @receiptSeq, @kind, @payload, @status, @attempts, @lastError, @copy, @createdAt, @printedAt)`),
      get: sqlite.prepare<[string], JobSqlRow>(`SELECT ${cols} WHERE p.id = ?`),
      // The status IN (…) term lets SQLite use the partial index print_jobs_pending_idx.
      next: sqlite.prepare<[], JobSqlRow>(`SELECT ${cols} WHERE p.status IN ('queued','printing') AND p.status = 'queued' ORDER BY p.created_at, p.id LIMIT 1`),
      printing: sqlite.prepare(`UPDATE print_jobs SET status = 'printing' WHERE id = ? AND status = 'queued'`),
      printed: sqlite.prepare(`UPDATE print_jobs SET status = 'printed', printed_at = ?, attempts = attempts + 1 WHERE id = ?`),
      retry: sqlite.prepare(`UPDATE print_jobs SET status = 'queued', attempts = attempts + 1, last_error = ? WHERE id = ? AND status = 'printing'`),
      failed: sqlite.prepare(`UPDATE print_jobs SET status = 'failed', last_error = ? WHERE id = ?`),
      recover: sqlite.prepare(`UPDATE print_jobs SET status = 'queued', copy = 1 WHERE status = 'printing'`),
      list: sqlite.prepare<[number], JobSqlRow>(`SELECT ${cols} ORDER BY p.created_at DESC, p.id DESC LIMIT ?`),
      implied: sqlite.prepare<[], 0 | 1>(`SELECT coalesce(max(seq), 0) > ${CURSOR} FROM receipts`).pluck(),
      // Implied jobs of receipts beyond the cursor become rows, queued at the receipt's time; the
      // id is the receipt's, so a row the sale already wrote (cabinet password) stays as it is.
      writeImplied: sqlite.prepare(`INSERT OR IGNORE INTO print_jobs (id, receipt_id, receipt_seq, kind, payload, status, attempts, copy, created_at)
        SELECT r.id, r.id, r.seq, 'receipt', NULL, 'queued', 0, 0, r.issued_at FROM receipts r WHERE r.seq > ${CURSOR} ORDER BY r.seq`),
      advance: sqlite.prepare(`UPDATE ledger_cursors SET print_jobs_through_seq = (SELECT coalesce(max(seq), 0) FROM receipts) WHERE id = 1`),
    };
    this.pendingCount = pendingPrintCount(sqlite);
  }
  private rowOf(r: JobSqlRow): PrintJobRow {
    if (r.payload === null && r.receipt_seq !== null) {
      const doc = this.docs.at(r.receipt_seq);
      if (doc) return fromSql({ ...r, payload: JSON.stringify(doc) });
    }
    return fromSql(r);
  }
  /** Writes the implied jobs of new receipts (one small transaction, only when there are any). */
  private materialize(): boolean {
    if (!this.s.implied.get()) return false;
    this.sqlite.transaction(() => { this.s.writeImplied.run(); this.s.advance.run(); })();
    return true;
  }
  insert(row: NewPrintJobRow): void { this.s.insert.run({ ...row, receiptSeq: row.receiptSeq ?? null, copy: row.copy ? 1 : 0 }); }
  get(id: string): PrintJobRow | undefined {
    let r = this.s.get.get(id);
    if (!r && this.materialize()) r = this.s.get.get(id);
    return r && this.rowOf(r);
  }
  nextQueued(): PrintJobRow | undefined { this.materialize(); const r = this.s.next.get(); return r && this.rowOf(r); }
  markPrinting(id: string): boolean { return this.s.printing.run(id).changes === 1; }
  markPrinted(id: string, at: string): void { this.s.printed.run(at, id); }
  markRetry(id: string, error: string): void { this.s.retry.run(error, id); }
  markFailed(id: string, error: string): void { this.s.failed.run(error, id); }
  recoverInterrupted(): number { return this.s.recover.run().changes; }
  list(limit: number): PrintJobRow[] { this.materialize(); return this.s.list.all(limit).map((r) => this.rowOf(r)); }
}
