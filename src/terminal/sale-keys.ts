import type Database from 'better-sqlite3';
import type { SqlRow } from './db/rows.js';
import type { receipts } from './db/schema.js';

type Receipt = SqlRow<typeof receipts>;

/**
 * How many of the newest receipts' sale ids `sell()` recognises as retries. A key only
 * comes back as a retry of the cashier screen's current sale (the screen keeps its saleId
 * until the sale succeeds and makes a new one for the next cart), across a lost answer or a
 * restart of the core; 10,000 receipts are days of a till's sales. Like a payment API's
 * idempotency keys, which expire after a day, the window is bounded on purpose.
 */
export const IDEMPOTENCY_WINDOW = 10_000;

/**
 * sell()'s idempotency keys → receipts.seq, for the newest IDEMPOTENCY_WINDOW receipts,
 * in memory. Replaces a unique index on receipts.sale_id, which every sale paid for with
 * one more b-tree page in its commit (terminal migration 0008). Loaded from the ledger at
 * start, so a retry after a crash or restart still finds its receipt.
 */
export class RecentSaleKeys {
  private readonly seqByKey = new Map<string, number>();

  constructor(private readonly capacity = IDEMPOTENCY_WINDOW) {}

  /** Reads the keys of the newest `capacity` receipts (a rowid range of receipts). */
  load(sqlite: Database.Database): void {
    this.seqByKey.clear();
    const rows = sqlite.prepare<[number], [NonNullable<Receipt['sale_id']>, Receipt['seq']]>(
      `SELECT sale_id, seq FROM receipts WHERE seq > (SELECT coalesce(max(seq), 0) FROM receipts) - ? AND sale_id IS NOT NULL ORDER BY seq`,
    ).raw().all(this.capacity);
    for (const [key, seq] of rows) this.seqByKey.set(key, seq);
  }

  get(key: string): number | undefined {
    return this.seqByKey.get(key);
  }

  /** Call after the receipt's commit. The oldest key leaves once the window is full (a Map keeps insertion order). */
  add(key: string, seq: number): void {
    this.seqByKey.set(key, seq);
    if (this.seqByKey.size > this.capacity) this.seqByKey.delete(this.seqByKey.keys().next().value!);
  }

  get size(): number { return this.seqByKey.size; }
}
