import { and, eq, like, or, sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { cabinetPayments } from '../db/cabinet-schema.js';
import type { Db, Tx } from '../db/open.js';
import { addServerEntry } from '../ledger/server-entries.js';

export interface RegistryPayment {
  source: string;             // "registry" or "registry:<bank>"
  paymentId: string;
  accountNumber: string;
  amount: number;
  paidAt: string;             // ISO instant of the bank's payment
  paidLabel: string;          // the bank's date as written in the file, "14.03.2018"
  payer: string;
}

/** A card payment of ours as the registry line may name it. */
export interface AcquiringPayment { id: string; status: 'pending' | 'paid' | 'failed'; accountNumber: string; amount: number; source: string }

export type RegistryOutcome =
  | { kind: 'credited'; balance: number }
  | { kind: 'duplicate' }
  | { kind: 'unknownAccount' }
  | { kind: 'acquiring'; payment: AcquiringPayment };   // a card payment: credited (or to be) by the gateway, never by the registry

/**
 * Our order id in the form a registry may write it: Sberbank's registries
 * carry the bank's order id (mdOrder, kept as the payment's external_id) or
 * our order number (the payment's UUID without hyphens, see the adapter).
 */
function orderIdOf(paymentId: string): string | null {
  const hex = paymentId.toLowerCase().replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/.test(hex)) return null;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The card (acquiring) payment a registry line stands for, if any, locked
 * for the caller's transaction: a callback or the poller settling it at the
 * same moment waits, and the registry never credits it itself.
 */
export async function findAcquiring(tx: Tx, paymentId: string, lock: boolean): Promise<AcquiringPayment | null> {
  const orderId = orderIdOf(paymentId);
  const q = tx.select({
    id: cabinetPayments.id, status: cabinetPayments.status, accountNumber: cabinetPayments.accountNumber,
    amount: cabinetPayments.amount, source: cabinetPayments.source,
  }).from(cabinetPayments)
    .where(and(like(cabinetPayments.source, 'gateway:%'),
      orderId ? or(eq(cabinetPayments.externalId, paymentId), eq(cabinetPayments.id, orderId)) : eq(cabinetPayments.externalId, paymentId)))
    .limit(1);
  const [row] = lock ? await q.for('update') : await q;
  return row ?? null;
}

/**
 * One registry line, its own transaction: the payment row's unique
 * (source, external_id) makes a second import of the same id a no-op, and a
 * line that is one of our card payments is left to the gateway (credited once,
 * by the bank's confirmation), so a payment in both is never counted twice.
 * The entry is dated when it is credited (history already shown to parents
 * does not change); the bank's date is kept in the payload and the title.
 */
export async function creditRegistryPayment(db: Db, rp: RegistryPayment, now: Date): Promise<RegistryOutcome> {
  return db.transaction(async (tx) => {
    const card = await findAcquiring(tx, rp.paymentId, true);
    if (card) return { kind: 'acquiring', payment: card } as const;
    const exists = await tx.execute(sql`SELECT 1 FROM accounts WHERE account_number = ${rp.accountNumber}`);
    if ((exists as unknown as { rows: unknown[] }).rows.length === 0) return { kind: 'unknownAccount' } as const;
    const id = uuidv7();
    const inserted = await tx.insert(cabinetPayments).values({
      id, source: rp.source, externalId: rp.paymentId, accountNumber: rp.accountNumber, amount: rp.amount,
      status: 'paid', payer: rp.payer || null, paidAt: rp.paidAt, createdAt: now.toISOString(), updatedAt: now.toISOString(),
    }).onConflictDoNothing().returning({ id: cabinetPayments.id });
    if (inserted.length === 0) return { kind: 'duplicate' } as const;
    const entry = await addServerEntry(tx, {
      accountNumber: rp.accountNumber, amount: rp.amount, kind: 'topUp', createdAt: now.toISOString(),
      payload: {
        title: `Пополнение через банк, платёж №${rp.paymentId} от ${rp.paidLabel}`,
        source: rp.source, paymentId: rp.paymentId, paidAt: rp.paidAt, payer: rp.payer,
      },
    });
    await tx.update(cabinetPayments).set({ entryUuid: entry.uuid }).where(eq(cabinetPayments.id, id));
    return { kind: 'credited', balance: entry.balance } as const;
  });
}
