import type { PosEvent, PrinterState, ReaderState, SyncState } from '../api/pos-api.js';
import type { PrintJobKind } from './db/schema.js';

/**
 * What PosService needs from the outside world, as small ports with simple
 * defaults so the service runs stand-alone (tests, console demo). The device
 * and sync helpers plug real implementations in through openTerminal().
 */

export interface PrintJobInput {
  kind: PrintJobKind;
  /** ReceiptDoc for 'receipt' and 'cabinetLogin', ShiftReport for 'report'. */
  payload: unknown;
  receiptId?: string | null;
  /**
   * Set on a receipt's ORIGINAL print job (made by the sale or refund that wrote receipts row
   * `seq`; never on reprints). `storedDoc`: the payload IS that stored receipt's doc (no temporary
   * cabinet password on it).
   */
  receipt?: { seq: number; storedDoc: boolean };
  copy?: boolean;
}

/**
 * How a queue on the terminal database stores a job (migrations 0007, 0008): a receipt's original
 * job that prints its stored doc is IMPLIED (no row: the receipt is beyond
 * ledger_cursors.print_jobs_through_seq until the queue writes the job); other original receipt
 * jobs (a temporary cabinet password on paper) get a row now; both have the receipt's id as their
 * id, so the queue's later write of the implied job finds the row and leaves it. Other jobs get a
 * new id and their own JSON. `byReference` false (a store without receipts): always a full copy.
 */
export function storedPayload(job: PrintJobInput, byReference: boolean, newId: () => string):
  { implied: true; id: string } | { implied: false; id: string; payload: string; receiptSeq: number | null } {
  const original = job.receipt !== undefined && !job.copy && job.receiptId ? { id: job.receiptId, ...job.receipt } : undefined;
  if (byReference && original?.storedDoc) return { implied: true, id: original.id };
  return {
    implied: false, id: original?.id ?? newId(),
    payload: JSON.stringify(job.payload), receiptSeq: byReference ? original?.seq ?? null : null,
  };
}

/**
 * The persisted print queue. `enqueue` is called INSIDE the sale's SQLite
 * transaction, synchronously, on the service's own connection (the `sqlite`
 * handle given to the factory), so the print_jobs row (if the job needs one:
 * storedPayload) commits or rolls back with the sale. It returns the job's id.
 * Nothing may be printed before `kick()`, which the service calls after the commit.
 */
export interface ReceiptPrinter {
  enqueue(job: PrintJobInput): string;
  kick(): void;
  state(): PrinterState;
}

export interface ReaderSource {
  state(): ReaderState;
}

/** Network side of the sync client; the service itself counts pending outbox rows. */
export interface SyncSource {
  state(): Omit<SyncState, 'pending'> & { pending?: number };
}

export type EventSink = (event: PosEvent) => void;

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
export const simulatedReader: ReaderSource = { state: () => ({ connected: true, simulated: true }) };
export const standAloneSync: SyncSource = { state: () => ({ online: false, configured: false }) };
export const noEvents: EventSink = () => {};
