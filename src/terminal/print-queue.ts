import { v7 as uuidv7 } from 'uuid';
import type { PrinterState, ShiftReport } from '../api/pos-api.js';
import type { ReceiptDoc } from '../core/receipt.js';
import type { Clock, PrintJobInput, ReceiptPrinter } from './ports.js';
import { storedPayload, systemClock } from './ports.js';
import type { PrintJobRow, PrintJobStore } from './print-queue-store.js';
import type { PrinterDevice } from '../../hardware/printer/device.js';
import { render, type Printable } from '../../hardware/printer/index.js';
import { MESSAGES, type PrinterStatus } from '../../hardware/printer/status.js';

export { MemoryPrintJobStore, SqlitePrintJobStore, type PrintJobStore, type PrintJobRow } from './print-queue-store.js';

export interface PrintQueueOptions {
  store: PrintJobStore;
  printer: PrinterDevice;
  clock?: Clock;
  /** Called whenever the state the UI shows changes (PosEvent 'printer'). */
  onState?: (state: PrinterState) => void;
  /** Retry delays: first, then doubled up to max. */
  retryInitialMs?: number;
  retryMaxMs?: number;
  /** How often an idle queue asks the printer how it is (for the status bar). 0 = never. */
  statusPollMs?: number;
  /** Report header (a ShiftReport does not carry the school). */
  reportHeader?: { schoolName?: string; terminalName?: string; timeZone?: string };
  openDrawer?: boolean;
}

const PRINTABLE_STATES = new Set<PrinterState['state']>(['ready', 'paperNearEnd', 'unknown']);

/**
 * The persisted print queue behind the terminal's ReceiptPrinter port.
 * A sale never waits on it: `enqueue` writes one row (inside the sale's
 * transaction) and returns; a single worker prints jobs in order once kicked,
 * waits with backoff while the printer is out of paper, open or offline, and
 * marks a job printed only after the printer took it. A job caught mid-print
 * by a crash comes back as a copy (see PrintJobStore.recoverInterrupted).
 */
export class PrintQueue implements ReceiptPrinter {
  private readonly store: PrintJobStore;
  private readonly printer: PrinterDevice;
  private readonly clock: Clock;
  private readonly opts: PrintQueueOptions;
  private last: PrinterStatus | undefined;
  private lastError: string | undefined;
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private kicked = false;
  private idleWaiters: (() => void)[] = [];
  private lastEmitted = '';

  constructor(opts: PrintQueueOptions) {
    this.opts = opts;
    this.store = opts.store;
    this.printer = opts.printer;
    this.clock = opts.clock ?? systemClock;
  }

  /** Starts the worker; jobs left from before a restart are printed (interrupted ones as copies). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.store.recoverInterrupted();
    this.kicked = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  enqueue(job: PrintJobInput): string {
    // On the terminal database a sale's own receipt job is implied by the receipt (no row yet).
    const row = storedPayload(job, this.store.referencesReceipts === true, uuidv7);
    if (row.implied) return row.id;
    this.store.insert({
      id: row.id, receiptId: job.receiptId ?? null, kind: job.kind, status: 'queued', payload: row.payload, receiptSeq: row.receiptSeq,
      attempts: 0, lastError: null, copy: job.copy ?? false, createdAt: this.clock.now().toISOString(), printedAt: null,
    });
    return row.id;
  }

  /** A reprint of an earlier job: a new job, always marked as a copy. */
  reprint(jobId: string): string | undefined {
    const old = this.store.get(jobId);
    if (!old) return undefined;
    const id = this.enqueue({ kind: old.kind, payload: JSON.parse(old.payload), receiptId: old.receiptId, copy: true });
    this.kick();
    return id;
  }

  kick(): void {
    this.kicked = true;
    // On the next turn of the event loop: the sale that kicked answers first, and the worker's own
    // commits (writing the implied job, marking it printing) do not delay that answer.
    setImmediate(() => this.wake?.());
    this.emit();
  }

  state(): PrinterState {
    const queued = this.store.pendingCount();
    const st = this.last?.state ?? 'unknown';
    let message: string | undefined = this.last ? MESSAGES[st] : undefined;
    if (st === 'unknown' && this.lastError) message = this.lastError;
    if (queued > 0 && st !== 'ready' && st !== 'unknown') message = `${message}. В очереди чеков: ${queued}`;
    return { state: st, simulated: this.printer.simulated, queued, ...(message ? { message } : {}) };
  }

  /** Resolves when nothing is left to print (tests, shutdown). */
  idle(): Promise<void> {
    if (this.store.pendingCount() === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  jobs(limit = 50): PrintJobRow[] { return this.store.list(limit); }

  private emit(): void {
    const s = this.state();
    const key = JSON.stringify(s);
    if (key !== this.lastEmitted) { this.lastEmitted = key; this.opts.onState?.(s); }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => { this.wake = undefined; resolve(); }, ms);
      this.wake = () => { clearTimeout(t); this.wake = undefined; resolve(); };
    });
  }

  private printable(row: PrintJobRow): Printable {
    const payload = JSON.parse(row.payload) as unknown;
    if (row.kind === 'report') {
      return { kind: 'report', report: payload as ShiftReport, ...this.opts.reportHeader, copy: row.copy };
    }
    const doc = payload as ReceiptDoc;
    if (!doc || typeof doc !== 'object' || !Array.isArray(doc.lines)) throw new SyntaxError('payload is not a ReceiptDoc');
    return { kind: 'receipt', doc: { ...doc, copy: doc.copy || row.copy } };
  }

  private async refreshStatus(): Promise<PrinterStatus> {
    try {
      this.last = await this.printer.status();
    } catch (err) {
      this.last = { state: 'offline', offline: true, paperOut: false, paperNearEnd: false, coverOpen: false, error: false };
      this.lastError = (err as Error).message;
    }
    this.emit();
    return this.last;
  }

  private async run(): Promise<void> {
    const initial = this.opts.retryInitialMs ?? 500;
    const max = this.opts.retryMaxMs ?? 30_000;
    let delay = initial;
    while (this.running) {
      const row = this.kicked ? this.store.nextQueued() : undefined;
      if (!row) {
        this.kicked = false;
        for (const w of this.idleWaiters.splice(0)) w();
        const poll = this.opts.statusPollMs ?? 0;
        if (poll > 0) { await this.sleep(poll); if (this.running) await this.refreshStatus(); this.kicked = true; }
        else await new Promise<void>((r) => { this.wake = () => { this.wake = undefined; r(); }; if (!this.running || this.kicked) r(); });
        continue;
      }
      let printable: Printable;
      let bytes: Uint8Array, lines: string[];
      try {
        printable = this.printable(row);
        ({ bytes, lines } = render(printable, {
          profile: this.printer.profile, columns: this.printer.columns, rasterDialect: this.printer.rasterDialect,
          drawer: this.opts.openDrawer && row.kind === 'receipt',
        }));
      } catch (err) {
        // A payload we cannot lay out will never print; keep the row and move on.
        this.store.markFailed(row.id, `Чек не удалось сформировать: ${(err as Error).message}`);
        this.emit();
        continue;
      }
      const status = await this.refreshStatus();
      if (!PRINTABLE_STATES.has(status.state)) {
        await this.sleep(delay);
        delay = Math.min(max, delay * 2);
        continue;
      }
      if (!this.store.markPrinting(row.id)) continue;
      try {
        await this.printer.print(bytes, { jobId: row.id, lines });
        this.store.markPrinted(row.id, this.clock.now().toISOString());
        this.lastError = undefined;
        delay = initial;
        this.emit();
      } catch (err) {
        this.lastError = (err as Error).message;
        this.store.markRetry(row.id, this.lastError);
        await this.refreshStatus();
        await this.sleep(delay);
        delay = Math.min(max, delay * 2);
      }
    }
    for (const w of this.idleWaiters.splice(0)) w();
  }
}
