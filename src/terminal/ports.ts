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
  /**
   * `payload` already serialised, when the caller has it (the sale path serialises the
   * receipt once for receipts.doc and the print job). Queues that store JSON should use it
   * instead of stringifying again; it is always JSON.stringify(payload).
   */
  payloadJson?: string;
  receiptId?: string | null;
  /**
   * receipts.seq of the receipt, set only when `payload` IS that receipt's stored receipts.doc
   * (a sale without a cabinet password). A queue on the terminal database then stores no copy
   * (payload NULL) and prints receipts.doc; other queues ignore it.
   */
  receiptSeq?: number;
  copy?: boolean;
}

/**
 * The payload and receipt_seq a queue stores for a job: no copy (payload null) when the job
 * references its receipt and the store can print receipts.doc (migration 0007); else the JSON.
 */
export function storedPayload(job: PrintJobInput, byReference: boolean): { payload: string | null; receiptSeq: number | null } {
  return byReference && job.receiptSeq !== undefined
    ? { payload: null, receiptSeq: job.receiptSeq }
    : { payload: job.payloadJson ?? JSON.stringify(job.payload), receiptSeq: null };
}

/**
 * The persisted print queue. `enqueue` is called INSIDE the sale's SQLite
 * transaction, synchronously, on the service's own connection (the `sqlite`
 * handle given to the factory), so the print_jobs row commits or rolls back
 * with the sale. Nothing may be printed before `kick()`, which the service
 * calls after the commit.
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
