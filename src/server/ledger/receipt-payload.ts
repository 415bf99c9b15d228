import type { SyncEntry } from '../../api/sync.js';

// A push stores a readable receipt once, in receipts + receipt_lines (push.ts); the entry keeps the rest.

/** Payload keys a readable receipt stores in receipts/receipt_lines; the entry keeps only the rest. */
const RECEIPT_KEYS = new Set(['receiptId', 'receiptNumber', 'lines', 'total', 'subsidy', 'issuedAt', 'doc', 'refundOf']);

/** What a receipt row does not hold (usually nothing): kept in the entry's payload so nothing the terminal sent is lost. */
export function restOfPayload(e: SyncEntry, storedRefundOf: boolean): Record<string, unknown> | null {
  let rest: Record<string, unknown> | null = null;
  for (const k in e.payload) {
    const inReceipt = k === 'receiptId' ? e.payload.receiptId === e.receiptId   // and entries.receipt_id
      : k === 'refundOf' ? storedRefundOf
      : RECEIPT_KEYS.has(k);
    if (inReceipt) continue;
    (rest ??= {})[k] = e.payload[k];
  }
  return rest;
}
