import { and, eq, sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { formatAmount } from '../../core/money.js';
import { cabinetPayments } from '../db/cabinet-schema.js';
import type { Db } from '../db/open.js';
import { addServerEntry } from '../ledger/server-entries.js';
import type { PaymentGateway, PaymentNotice } from './gateway.js';

/** Limits of one card top-up (kopecks): the gateway's own limits are wider; ours guard typos (5000000 instead of 500). */
export const TOP_UP_MIN = 100;
export const TOP_UP_MAX = 1_500_000;

export async function startTopUp(db: Db, gateway: PaymentGateway, opts: {
  accountNumber: string; amount: number; baseUrl: string; now: Date;
}): Promise<{ paymentId: string; redirectUrl: string }> {
  const id = uuidv7();
  await db.insert(cabinetPayments).values({
    id, source: `gateway:${gateway.id}`, externalId: null, accountNumber: opts.accountNumber, amount: opts.amount,
    status: 'pending', createdAt: opts.now.toISOString(), updatedAt: opts.now.toISOString(),
  });
  const { redirectUrl } = await gateway.createPayment({
    orderId: id, amount: opts.amount,
    description: `Пополнение лицевого счёта ${opts.accountNumber} на ${formatAmount(opts.amount)} ₽`,
    returnUrl: `${opts.baseUrl}/cabinet/topup/return?payment=${id}`,
    callbackUrl: `${opts.baseUrl}/cabinet/payments/callback/${gateway.id}`,
  });
  return { paymentId: id, redirectUrl };
}

export type NoticeOutcome =
  | { kind: 'credited'; accountNumber: string; balance: number }
  | { kind: 'duplicate' }                           // already credited: answered OK, nothing changes
  | { kind: 'failed' }                              // the gateway says the payment failed
  | { kind: 'refused'; reason: string };            // unknown order, wrong amount, another gateway

/**
 * Applies a verified gateway notice in one transaction, with the payment row
 * locked: pending → paid credits a topUp entry (running balance and change log
 * updated by addServerEntry, so terminals see it on their next pull); a paid
 * payment notified again changes nothing.
 */
export async function applyNotice(db: Db, gatewayId: string, notice: PaymentNotice, now: Date): Promise<NoticeOutcome> {
  return db.transaction(async (tx) => {
    const [p] = await tx.select().from(cabinetPayments).where(eq(cabinetPayments.id, notice.orderId)).for('update');
    if (!p || p.source !== `gateway:${gatewayId}`) return { kind: 'refused', reason: 'неизвестный заказ' };
    if (p.externalId && p.externalId !== notice.externalId) return { kind: 'refused', reason: 'заказ оплачен другим платежом' };
    if (p.status === 'paid') return { kind: 'duplicate' };
    if (p.amount !== notice.amount) return { kind: 'refused', reason: `сумма ${formatAmount(notice.amount)} не равна сумме заказа ${formatAmount(p.amount)}` };
    if (notice.status === 'failed') {
      await tx.update(cabinetPayments).set({ status: 'failed', externalId: notice.externalId, updatedAt: now.toISOString() })
        .where(eq(cabinetPayments.id, p.id));
      return { kind: 'failed' };
    }
    const entry = await addServerEntry(tx, {
      accountNumber: p.accountNumber, amount: p.amount, kind: 'topUp', createdAt: now.toISOString(),
      payload: { title: 'Пополнение банковской картой', source: p.source, paymentId: p.id, externalId: notice.externalId },
    });
    await tx.update(cabinetPayments).set({
      status: 'paid', externalId: notice.externalId, paidAt: now.toISOString(), entryUuid: entry.uuid, updatedAt: now.toISOString(),
    }).where(eq(cabinetPayments.id, p.id));
    return { kind: 'credited', accountNumber: p.accountNumber, balance: entry.balance };
  });
}

export async function paymentOf(db: Db, id: string, accountNumber: string) {
  if (!/^[0-9a-f-]{36}$/.test(id)) return null;
  const [p] = await db.select().from(cabinetPayments)
    .where(and(eq(cabinetPayments.id, id), eq(cabinetPayments.accountNumber, accountNumber)));
  return p ?? null;
}

export async function recentPayments(db: Db, accountNumber: string, limit = 10) {
  return db.select().from(cabinetPayments).where(eq(cabinetPayments.accountNumber, accountNumber))
    .orderBy(sql`${cabinetPayments.createdAt} DESC`).limit(limit);
}

export interface RegistryPayment {
  source: string;             // "registry" or "registry:<bank>"
  paymentId: string;
  accountNumber: string;
  amount: number;
  paidAt: string;             // ISO instant of the bank's payment
  paidLabel: string;          // the bank's date as written in the file, "14.03.2018"
  payer: string;
}

export type RegistryOutcome = { kind: 'credited'; balance: number } | { kind: 'duplicate' } | { kind: 'unknownAccount' };

/**
 * One registry line, its own transaction: the payment row's unique
 * (source, external_id) makes a second import of the same id a no-op.
 * The entry is dated when it is credited (history already shown to parents
 * does not change); the bank's date is kept in the payload and the title.
 */
export async function creditRegistryPayment(db: Db, rp: RegistryPayment, now: Date): Promise<RegistryOutcome> {
  return db.transaction(async (tx) => {
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
