import { and, asc, eq, isNotNull, lte } from 'drizzle-orm';
import { cabinetPayments } from '../db/cabinet-schema.js';
import type { Db } from '../db/open.js';
import type { PaymentGateway } from '../cabinet/gateway.js';
import { settlePayment, sourceOf, type SettledHook, type SettleOutcome } from './settle.js';

/**
 * Callbacks get lost; the poller does not rely on them. Every pending card
 * payment carries `next_check_at` in the database, so the schedule survives
 * restarts and is shared by several server processes (rows are claimed with
 * FOR UPDATE SKIP LOCKED and moved forward before the bank is asked).
 * Every 30 s for the first 10 minutes, then back-off growing with the
 * payment's age (a quarter of it, 2 min … 1 h); after 24 h a payment the bank
 * still calls unpaid is closed as failed.
 */
export const FIRST_CHECK_MS = 30_000;
const FAST_WINDOW_MS = 10 * 60_000;
export const GIVE_UP_MS = 24 * 3600_000;

export function nextCheckDelay(ageMs: number): number {
  if (ageMs < FAST_WINDOW_MS) return FIRST_CHECK_MS;
  return Math.min(3600_000, Math.max(2 * 60_000, Math.floor(ageMs / 4)));
}

export interface PollResult { checked: number; outcomes: SettleOutcome[] }

export async function pollPayments(db: Db, gateway: PaymentGateway, now: Date, opts: { limit?: number; onSettled?: SettledHook } = {}): Promise<PollResult> {
  const due = await db.transaction(async (tx) => {
    const rows = await tx.select({ id: cabinetPayments.id, createdAt: cabinetPayments.createdAt }).from(cabinetPayments)
      .where(and(eq(cabinetPayments.source, sourceOf(gateway)), eq(cabinetPayments.status, 'pending'),
        isNotNull(cabinetPayments.nextCheckAt), lte(cabinetPayments.nextCheckAt, now.toISOString())))
      .orderBy(asc(cabinetPayments.nextCheckAt)).limit(opts.limit ?? 50).for('update', { skipLocked: true });
    for (const r of rows) {
      const age = now.getTime() - Date.parse(r.createdAt);
      await tx.update(cabinetPayments).set({ nextCheckAt: new Date(now.getTime() + nextCheckDelay(age)).toISOString() })
        .where(eq(cabinetPayments.id, r.id));
    }
    return rows;
  });
  const outcomes: SettleOutcome[] = [];
  for (const r of due) {
    const out = await settlePayment(db, gateway, r.id, now, opts.onSettled);
    outcomes.push(out);
    if (out.kind === 'pending' && now.getTime() - Date.parse(r.createdAt) >= GIVE_UP_MS) {
      // The bank answered and still has no payment after a day: the order has long expired there.
      await db.update(cabinetPayments).set({ status: 'failed', nextCheckAt: null, lastError: 'банк не подтвердил оплату за сутки', updatedAt: now.toISOString() })
        .where(and(eq(cabinetPayments.id, r.id), eq(cabinetPayments.status, 'pending')));
    }
  }
  return { checked: due.length, outcomes };
}
