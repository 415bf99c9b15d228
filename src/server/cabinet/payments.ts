import { and, eq, sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { formatAmount } from '../../core/money.js';
import { cabinetPayments } from '../db/cabinet-schema.js';
import type { Db } from '../db/open.js';
import type { PaymentGateway } from './gateway.js';
import { sourceOf } from '../payments/settle.js';
import { FIRST_CHECK_MS } from '../payments/poller.js';

/** Limits of one card top-up (kopecks): the gateway's own limits are wider; ours guard typos (5000000 instead of 500). */
export const TOP_UP_MIN = 100;
export const TOP_UP_MAX = 1_500_000;

export async function startTopUp(db: Db, gateway: PaymentGateway, opts: {
  accountNumber: string; amount: number; baseUrl: string; now: Date; email?: string | null; clientId?: string | null;
}): Promise<{ paymentId: string; redirectUrl: string }> {
  const id = uuidv7();
  const at = opts.now.toISOString();
  // Pending with a first check due: even if the parent never comes back and no callback arrives, the poller asks the bank.
  await db.insert(cabinetPayments).values({
    id, source: sourceOf(gateway), externalId: null, accountNumber: opts.accountNumber, amount: opts.amount,
    status: 'pending', createdAt: at, updatedAt: at, nextCheckAt: new Date(opts.now.getTime() + FIRST_CHECK_MS).toISOString(),
  });
  try {
    const created = await gateway.createPayment({
      orderId: id, amount: opts.amount, accountNumber: opts.accountNumber, email: opts.email ?? null, clientId: opts.clientId ?? null,
      description: `Пополнение лицевого счёта ${opts.accountNumber} на ${formatAmount(opts.amount)} ₽`,
      returnUrl: `${opts.baseUrl}/cabinet/topup/return?payment=${id}`,
      callbackUrl: `${opts.baseUrl}/cabinet/payments/callback/${gateway.id}`,
    });
    if (created.externalId) {
      await db.update(cabinetPayments).set({ externalId: created.externalId, updatedAt: at }).where(eq(cabinetPayments.id, id));
    }
    return { paymentId: id, redirectUrl: created.redirectUrl };
  } catch (err) {
    // No payment page was ever shown, so nobody can pay this order: close it with the bank's reason.
    await db.update(cabinetPayments).set({ status: 'failed', nextCheckAt: null, lastError: (err as Error).message.slice(0, 500), updatedAt: at })
      .where(eq(cabinetPayments.id, id));
    throw err;
  }
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
