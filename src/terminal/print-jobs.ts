import type Database from 'better-sqlite3';
import { uuidv7 } from './ids.js';
import type { PrinterState } from '../api/pos-api.js';
import type { Clock, PrintJobInput, ReceiptPrinter } from './ports.js';
import { storedPayload, systemClock } from './ports.js';
import { pendingPrintCount } from './print-queue-store.js';

/** What a printed temporary password becomes in print_jobs (the layout still has something to show on a reprint). */
export const REDACTED_PASSWORD = '********';

/**
 * Default ReceiptPrinter: persists jobs in print_jobs and prints nothing.
 * A sale's own receipt job is implied (storedPayload): the PrintQueue that later
 * prints from this database writes it (SqlitePrintJobStore).
 */
export class TablePrintQueue implements ReceiptPrinter {
  private readonly insert: Database.Statement;
  private readonly pending: () => number;

  constructor(sqlite: Database.Database, private readonly clock: Clock = systemClock) {
    this.insert = sqlite.prepare(
      `INSERT INTO print_jobs (id, receipt_id, receipt_seq, kind, payload, status, attempts, copy, created_at)
       VALUES (?, ?, ?, ?, ?, 'queued', 0, ?, ?)`,
    );
    this.pending = pendingPrintCount(sqlite);
  }

  enqueue(job: PrintJobInput): string {
    const row = storedPayload(job, true, uuidv7);
    if (!row.implied) this.insert.run(row.id, job.receiptId ?? null, row.receiptSeq, job.kind, row.payload, job.copy ? 1 : 0, this.clock.now().toISOString());
    return row.id;
  }

  kick(): void {}

  state(): PrinterState {
    return { state: 'unknown', simulated: true, queued: this.pending(), message: 'Принтер не подключён: чеки сохраняются в очереди' };
  }
}
