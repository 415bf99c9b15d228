import type Database from 'better-sqlite3';
import { v7 as uuidv7 } from 'uuid';
import type { PrinterState } from '../api/pos-api.js';
import type { Clock, PrintJobInput, ReceiptPrinter } from './ports.js';
import { systemClock } from './ports.js';

/**
 * Default ReceiptPrinter: persists jobs in print_jobs and prints nothing.
 * The printer helper's queue reads the same table (status queued → printing →
 * printed | failed); it may subclass this or implement ReceiptPrinter itself.
 */
export class TablePrintQueue implements ReceiptPrinter {
  private readonly insert: Database.Statement;
  private readonly countQueued: Database.Statement;

  constructor(sqlite: Database.Database, private readonly clock: Clock = systemClock) {
    this.insert = sqlite.prepare(
      `INSERT INTO print_jobs (id, receipt_id, kind, payload, status, attempts, copy, created_at)
       VALUES (?, ?, ?, ?, 'queued', 0, ?, ?)`,
    );
    this.countQueued = sqlite.prepare(`SELECT count(*) AS n FROM print_jobs WHERE status IN ('queued','printing')`).pluck();
  }

  enqueue(job: PrintJobInput): string {
    const id = uuidv7();
    this.insert.run(id, job.receiptId ?? null, job.kind, JSON.stringify(job.payload), job.copy ? 1 : 0, this.clock.now().toISOString());
    return id;
  }

  kick(): void {}

  state(): PrinterState {
    return { state: 'unknown', simulated: true, queued: this.countQueued.get() as number, message: 'Принтер не подключён: чеки сохраняются в очереди' };
  }
}
