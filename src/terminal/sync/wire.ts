import type { SyncEntry } from '../../api/sync.js';

/**
 * The terminal core stores a sale's receipt under `payload.receipt`
 * ({ id, number, issuedAt, total, subsidy, lines }); the server reads
 * salePayloadSchema (receiptId, receiptNumber, lines, total … at the top
 * level). The push adds the top-level fields, keeping everything the core
 * wrote, so the server stores the receipt and its lines instead of flagging
 * the sale as unreadable. Payloads already in the server's shape pass as is.
 */
export function toWireEntry(e: SyncEntry): SyncEntry {
  if (e.kind !== 'sale' && e.kind !== 'refund') return e;
  const p = e.payload;
  if (typeof p.receiptId === 'string') return e;
  const r = p.receipt as Record<string, unknown> | undefined;
  if (!r || typeof r !== 'object') return e;
  return {
    ...e,
    payload: {
      receiptId: r.id ?? e.receiptId,
      receiptNumber: r.number,
      lines: r.lines,
      total: r.total,
      subsidy: r.subsidy ?? 0,
      ...(typeof r.issuedAt === 'string' ? { issuedAt: r.issuedAt } : {}),
      ...p,
    },
  };
}
