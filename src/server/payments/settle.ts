import { and, eq, sql } from 'drizzle-orm';
import { formatAmount } from '../../core/money.js';
import { cabinetPayments } from '../db/cabinet-schema.js';
import { paymentBindings } from '../db/payments-schema.js';
import { accounts, reviewFlags } from '../db/schema.js';
import type { Db, Tx } from '../db/open.js';
import { addServerEntry } from '../ledger/server-entries.js';
import { GatewayRefused, GatewayUnavailable, type CardBinding, type PaymentGateway } from '../cabinet/gateway.js';

export type PaymentRow = typeof cabinetPayments.$inferSelect;

export type SettleOutcome =
  | { kind: 'credited'; accountNumber: string; amount: number; balance: number }
  | { kind: 'duplicate' }                          // already paid or failed: nothing changes
  | { kind: 'failed'; reason: string }             // the gateway says the payment failed
  | { kind: 'pending' }                            // not paid yet
  | { kind: 'retry'; reason: string }              // the gateway could not be asked: the poller tries again
  | { kind: 'refused'; reason: string };           // unknown order, another order, a different amount

/** Called once a payment reaches its final state (auto top-up letters hang here). */
export type SettledHook = (p: PaymentRow, outcome: SettleOutcome) => Promise<void>;

export const sourceOf = (gateway: PaymentGateway) => `gateway:${gateway.id}`;

export async function loadPayment(db: Db, id: string): Promise<PaymentRow | null> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id)) return null;
  const [p] = await db.select().from(cabinetPayments).where(eq(cabinetPayments.id, id));
  return p ?? null;
}

/**
 * Asks the gateway what became of a pending payment and applies the answer:
 * the one way card money reaches the ledger. Callbacks, the poller and the
 * parent's return page all come here, in any order and as often as they like:
 * the crediting transaction locks the payment row and moves it pending → paid
 * once, and the topUp entry's id is the payment's id (entry_ids is unique), so
 * nothing is ever credited twice.
 */
export async function settlePayment(db: Db, gateway: PaymentGateway, id: string, now: Date, onSettled?: SettledHook): Promise<SettleOutcome> {
  const p = await loadPayment(db, id);
  if (!p || p.source !== sourceOf(gateway)) return { kind: 'refused', reason: 'неизвестный заказ' };
  if (p.status !== 'pending') return { kind: 'duplicate' };
  let state;
  try {
    state = await gateway.orderStatus({ orderId: p.id, externalId: p.externalId });
  } catch (err) {
    if (!(err instanceof GatewayUnavailable || err instanceof GatewayRefused)) throw err;
    await db.update(cabinetPayments).set({ lastError: err.message.slice(0, 500), updatedAt: now.toISOString() }).where(eq(cabinetPayments.id, p.id));
    return { kind: 'retry', reason: err.message };
  }
  if (state.externalId && p.externalId && state.externalId !== p.externalId) {
    return { kind: 'refused', reason: 'банк ответил о другом заказе' };
  }
  let outcome: SettleOutcome;
  if (state.state === 'pending') return { kind: 'pending' };
  if (state.state === 'paid' && state.amount !== p.amount) {
    await flagAmountMismatch(db, p, state.amount, 'банк подтвердил оплату');
    return { kind: 'refused', reason: amountMismatch(state.amount, p.amount) };
  }
  if (state.state === 'paid') {
    const binding = state.binding;
    outcome = await db.transaction(async (tx) => {
      const [row] = await tx.select().from(cabinetPayments).where(eq(cabinetPayments.id, p.id)).for('update');
      if (!row || row.status !== 'pending') return { kind: 'duplicate' } as const;
      const entry = await addServerEntry(tx, {
        uuid: row.id, accountNumber: row.accountNumber, amount: row.amount, kind: 'topUp', createdAt: now.toISOString(),
        payload: {
          title: row.details && (row.details as { auto?: boolean }).auto ? 'Автопополнение банковской картой' : 'Пополнение банковской картой',
          source: row.source, paymentId: row.id, externalId: state.externalId,
        },
      });
      await tx.update(cabinetPayments).set({
        status: 'paid', externalId: state.externalId || row.externalId, paidAt: now.toISOString(), entryUuid: entry.uuid,
        updatedAt: now.toISOString(), nextCheckAt: null, lastError: null,
      }).where(eq(cabinetPayments.id, row.id));
      if (binding) await saveBinding(tx, gateway.id, row.accountNumber, binding);
      return { kind: 'credited', accountNumber: row.accountNumber, amount: row.amount, balance: entry.balance } as const;
    });
  } else {
    const reason = state.reason;
    const [done] = await db.update(cabinetPayments).set({
      status: 'failed', externalId: state.externalId ?? p.externalId, updatedAt: now.toISOString(), nextCheckAt: null, lastError: reason.slice(0, 500),
    }).where(and(eq(cabinetPayments.id, p.id), eq(cabinetPayments.status, 'pending'))).returning({ id: cabinetPayments.id });
    outcome = done ? { kind: 'failed', reason } : { kind: 'duplicate' };
  }
  if (onSettled && (outcome.kind === 'credited' || outcome.kind === 'failed')) await onSettled(p, outcome);
  return outcome;
}

async function saveBinding(tx: Tx, gatewayId: string, accountNumber: string, b: CardBinding): Promise<void> {
  // The bank's clientId is our account number: a binding under another account's clientId is not this account's card.
  if (b.clientId !== accountNumber) return;
  await tx.insert(paymentBindings).values({ bindingId: b.bindingId, gatewayId, accountNumber, clientId: b.clientId, cardMask: b.cardMask })
    .onConflictDoNothing();
}

export function amountMismatch(got: number, want: number): string {
  return `сумма ${formatAmount(got)} не равна сумме заказа ${formatAmount(want)}`;
}

/** A person must look at this: the bank speaks of a different sum than the order's. Nothing is credited. One flag per payment. */
export async function flagAmountMismatch(db: Db, p: PaymentRow, amount: number, what: string): Promise<void> {
  const [acc] = await db.select({ schoolId: accounts.schoolId }).from(accounts).where(eq(accounts.accountNumber, p.accountNumber));
  if (!acc) return;
  await db.insert(reviewFlags).values({
    schoolId: acc.schoolId, entryUuid: p.id, accountNumber: p.accountNumber, reason: 'paymentAmountMismatch',
    message: `Платёж картой ${p.id}: ${what} на ${formatAmount(amount)} ₽, заказ был на ${formatAmount(p.amount)} ₽; не зачислено`,
    details: { paymentId: p.id, externalId: p.externalId, orderAmount: p.amount, reportedAmount: amount },
  }).onConflictDoNothing();
  // Stop asking: a person decides (the poller would only find the same difference again).
  await db.update(cabinetPayments).set({ nextCheckAt: null, lastError: amountMismatch(amount, p.amount) })
    .where(and(eq(cabinetPayments.id, p.id), eq(cabinetPayments.status, 'pending')));
}

/** Payments of one gateway still waiting, for tests and the CLI. */
export async function pendingCount(db: Db, gateway: PaymentGateway): Promise<number> {
  const [r] = await db.select({ n: sql<number>`count(*)::int` }).from(cabinetPayments)
    .where(and(eq(cabinetPayments.source, sourceOf(gateway)), eq(cabinetPayments.status, 'pending')));
  return Number(r?.n ?? 0);
}
