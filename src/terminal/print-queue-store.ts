import type Database from 'better-sqlite3';
import type { PrintJobKind } from './db/schema.js';

/** One print_jobs row, as the queue sees it. */
export interface PrintJobRow {
  id: string;
  receiptId: string | null;
  kind: PrintJobKind;
  payload: string;           // JSON: ReceiptDoc or ShiftReport
  status: 'queued' | 'printing' | 'printed' | 'failed';
  attempts: number;
  lastError: string | null;
  copy: boolean;
  createdAt: string;
  printedAt: string | null;
}

/**
 * Where print jobs live. Synchronous on purpose: the terminal enqueues inside the
 * sale's SQLite transaction (better-sqlite3 is synchronous), so the job commits
 * or rolls back with the sale.
 */
export interface PrintJobStore {
  insert(row: PrintJobRow): void;
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
  insert(row: PrintJobRow): void {
    if (this.rows.has(row.id)) throw new Error(`duplicate print job ${row.id}`);
    this.rows.set(row.id, { ...row });
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

type SqlRow = {
  id: string; receipt_id: string | null; kind: PrintJobKind; payload: string; status: PrintJobRow['status'];
  attempts: number; last_error: string | null; copy: number; created_at: string; printed_at: string | null;
};
const fromSql = (r: SqlRow): PrintJobRow => ({
  id: r.id, receiptId: r.receipt_id, kind: r.kind, payload: r.payload, status: r.status, attempts: r.attempts,
  lastError: r.last_error, copy: r.copy === 1, createdAt: r.created_at, printedAt: r.printed_at,
});

/** The terminal database's print_jobs table (src/terminal/db/schema.ts), on the service's own connection. */
export class SqlitePrintJobStore implements PrintJobStore {
  private readonly s;
  constructor(sqlite: Database.Database) {
    this.s = {
      insert: sqlite.prepare(`INSERT INTO print_jobs (id, receipt_id, kind, payload, status, attempts, last_error, copy, created_at, printed_at)
        VALUES (@id, @receiptId, @kind, @payload, @status, @attempts, @lastError, @copy, @createdAt, @printedAt)`),
      get: sqlite.prepare(`SELECT * FROM print_jobs WHERE id = ?`),
      next: sqlite.prepare(`SELECT * FROM print_jobs WHERE status = 'queued' ORDER BY created_at, id LIMIT 1`),
      pending: sqlite.prepare(`SELECT count(*) FROM print_jobs WHERE status IN ('queued','printing')`).pluck(),
      printing: sqlite.prepare(`UPDATE print_jobs SET status = 'printing' WHERE id = ? AND status = 'queued'`),
      printed: sqlite.prepare(`UPDATE print_jobs SET status = 'printed', printed_at = ?, attempts = attempts + 1 WHERE id = ?`),
      retry: sqlite.prepare(`UPDATE print_jobs SET status = 'queued', attempts = attempts + 1, last_error = ? WHERE id = ? AND status = 'printing'`),
      failed: sqlite.prepare(`UPDATE print_jobs SET status = 'failed', last_error = ? WHERE id = ?`),
      recover: sqlite.prepare(`UPDATE print_jobs SET status = 'queued', copy = 1 WHERE status = 'printing'`),
      list: sqlite.prepare(`SELECT * FROM print_jobs ORDER BY created_at DESC, id DESC LIMIT ?`),
    };
  }
  insert(row: PrintJobRow): void { this.s.insert.run({ ...row, copy: row.copy ? 1 : 0 }); }
  get(id: string): PrintJobRow | undefined { const r = this.s.get.get(id) as SqlRow | undefined; return r && fromSql(r); }
  nextQueued(): PrintJobRow | undefined { const r = this.s.next.get() as SqlRow | undefined; return r && fromSql(r); }
  pendingCount(): number { return this.s.pending.get() as number; }
  markPrinting(id: string): boolean { return this.s.printing.run(id).changes === 1; }
  markPrinted(id: string, at: string): void { this.s.printed.run(at, id); }
  markRetry(id: string, error: string): void { this.s.retry.run(error, id); }
  markFailed(id: string, error: string): void { this.s.failed.run(error, id); }
  recoverInterrupted(): number { return this.s.recover.run().changes; }
  list(limit: number): PrintJobRow[] { return (this.s.list.all(limit) as SqlRow[]).map(fromSql); }
}
