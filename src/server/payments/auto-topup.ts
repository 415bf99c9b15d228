import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { formatAmount } from '../../core/money.js';
import { cabinetPayments, cabinetProfiles } from '../db/cabinet-schema.js';
import { autoTopUps, paymentBindings } from '../db/payments-schema.js';
import type { Db } from '../db/open.js';
import { GatewayRefused, GatewayUnavailable, type PaymentGateway } from '../cabinet/gateway.js';
import type { Mailer } from '../cabinet/mailer.js';
import { FIRST_CHECK_MS } from './poller.js';
import { settlePayment, sourceOf, type SettledHook } from './settle.js';

/**
 * Auto top-up with a card the bank saved (a binding): when an account's
 * balance is below the parent's threshold, charge the parent's amount to the
 * card (register.do with AUTO_PAYMENT, paymentOrderBinding.do), at most once
 * per school day (claimed in the database, so two processes never both
 * charge). The money is credited like any card payment: only when the bank
 * confirms it. The parent gets a letter either way; a refusal stops auto
 * top-up until the parent saves the settings again.
 */
export interface AutoTopUpSettings { amount: number; threshold: number; bindingId: string }

export async function savedCards(db: Db, accountNumber: string) {
  return db.select().from(paymentBindings)
    .where(and(eq(paymentBindings.accountNumber, accountNumber), isNull(paymentBindings.revokedAt)))
    .orderBy(desc(paymentBindings.createdAt));
}

export async function autoTopUpOf(db: Db, accountNumber: string) {
  const [row] = await db.select().from(autoTopUps).where(eq(autoTopUps.accountNumber, accountNumber));
  return row ?? null;
}

/** The parent saves (or resumes after a refusal) auto top-up; the card must be one the bank saved for this account. */
export async function saveAutoTopUp(db: Db, accountNumber: string, s: AutoTopUpSettings, now: Date): Promise<boolean> {
  const [card] = await db.select().from(paymentBindings)
    .where(and(eq(paymentBindings.bindingId, s.bindingId), eq(paymentBindings.accountNumber, accountNumber), isNull(paymentBindings.revokedAt)));
  if (!card) return false;
  const values = { amount: s.amount, threshold: s.threshold, bindingId: s.bindingId, enabled: true, stoppedAt: null, stoppedReason: null, updatedAt: now.toISOString() };
  await db.insert(autoTopUps).values({ accountNumber, ...values })
    .onConflictDoUpdate({ target: autoTopUps.accountNumber, set: values });
  return true;
}

export async function disableAutoTopUp(db: Db, accountNumber: string, now: Date): Promise<void> {
  await db.update(autoTopUps).set({ enabled: false, updatedAt: now.toISOString() }).where(eq(autoTopUps.accountNumber, accountNumber));
}

async function emailOf(db: Db, accountNumber: string): Promise<string | null> {
  const [p] = await db.select({ email: cabinetProfiles.email }).from(cabinetProfiles).where(eq(cabinetProfiles.accountNumber, accountNumber));
  return p?.email ?? null;
}

/** After an auto top-up settles: a letter, and on a refusal auto top-up stops until the parent acts. */
export function autoTopUpHook(db: Db, mailer: Mailer, cabinetUrl: () => string, clock: () => Date = () => new Date()): SettledHook {
  return async (p, outcome) => {
    if (!(p.details as { auto?: boolean } | null)?.auto) return;
    const now = clock().toISOString();
    if (outcome.kind === 'failed') {
      await db.update(autoTopUps).set({ stoppedAt: now, stoppedReason: outcome.reason.slice(0, 300), updatedAt: now })
        .where(eq(autoTopUps.accountNumber, p.accountNumber));
    }
    const to = await emailOf(db, p.accountNumber);
    if (!to) return;
    const text = outcome.kind === 'credited'
      ? [`Лицевой счёт ${p.accountNumber} пополнен автоматически на ${formatAmount(p.amount)} руб. с сохранённой карты.`,
        `Остаток: ${formatAmount(outcome.balance)} руб.`]
      : [`Автопополнение лицевого счёта ${p.accountNumber} на ${formatAmount(p.amount)} руб. не прошло: ${outcome.kind === 'failed' ? outcome.reason : ''}.`,
        'Автопополнение остановлено. Чтобы возобновить его, проверьте карту и сохраните настройки ещё раз в личном кабинете.'];
    try {
      await mailer.send({
        to, subject: outcome.kind === 'credited' ? `Автопополнение счёта ${p.accountNumber}` : `Автопополнение счёта ${p.accountNumber} остановлено`,
        text: ['Здравствуйте!', '', ...text, '', `Личный кабинет: ${cabinetUrl()}/cabinet/autopay`, '', 'Письмо отправлено автоматически, отвечать на него не нужно.'].join('\n'),
      });
    } catch { /* the ledger and the stop are what matter; the cabinet shows both */ }
  };
}

export interface AutoTopUpRun { charged: string[] }

export async function runAutoTopUps(db: Db, gateway: PaymentGateway, now: Date, opts: { baseUrl: string; onSettled?: SettledHook }): Promise<AutoTopUpRun> {
  if (!gateway.chargeBinding) return { charged: [] };
  const at = now.toISOString();
  // Due: on, not stopped, balance below the threshold, not tried yet this school day; the UPDATE claims it.
  const due = (await db.execute(sql`
    UPDATE auto_topups t SET last_attempt_day = d.day, updated_at = ${at}
    FROM (SELECT a.account_number, to_char((${at}::timestamptz) AT TIME ZONE s.time_zone, 'YYYY-MM-DD') AS day
            FROM auto_topups a JOIN accounts ac ON ac.account_number = a.account_number JOIN schools s ON s.id = ac.school_id
           WHERE a.enabled AND a.stopped_at IS NULL AND ac.active AND ac.balance < a.threshold) d
    WHERE t.account_number = d.account_number AND t.last_attempt_day IS DISTINCT FROM d.day
    RETURNING t.account_number, t.amount, t.binding_id, d.day`)) as unknown as { rows: { account_number: string; amount: string | number; binding_id: string; day: string }[] };
  const charged: string[] = [];
  for (const d of due.rows) {
    const accountNumber = d.account_number;
    const amount = Number(d.amount);
    const id = uuidv7();
    await db.insert(cabinetPayments).values({
      id, source: sourceOf(gateway), accountNumber, amount, status: 'pending', createdAt: at, updatedAt: at,
      details: { auto: true, bindingId: d.binding_id }, nextCheckAt: new Date(now.getTime() + FIRST_CHECK_MS).toISOString(),
    });
    await db.update(autoTopUps).set({ lastPaymentId: id }).where(eq(autoTopUps.accountNumber, accountNumber));
    try {
      const { externalId } = await gateway.chargeBinding({
        orderId: id, amount, accountNumber, email: await emailOf(db, accountNumber), clientId: accountNumber, bindingId: d.binding_id,
        ip: '127.0.0.1', description: `Автопополнение лицевого счёта ${accountNumber} на ${formatAmount(amount)} ₽`,
        returnUrl: `${opts.baseUrl}/cabinet/topup/return?payment=${id}`, callbackUrl: `${opts.baseUrl}/cabinet/payments/callback/${gateway.id}`,
      });
      await db.update(cabinetPayments).set({ externalId }).where(eq(cabinetPayments.id, id));
    } catch (err) {
      if (!(err instanceof GatewayRefused || err instanceof GatewayUnavailable)) throw err;
      // Nothing was registered at the bank: close the order. A refusal stops auto top-up; no answer is tried again next round.
      await db.update(cabinetPayments).set({ status: 'failed', nextCheckAt: null, lastError: err.message.slice(0, 500) }).where(eq(cabinetPayments.id, id));
      if (err instanceof GatewayRefused) {
        const p = (await db.select().from(cabinetPayments).where(eq(cabinetPayments.id, id)))[0]!;
        await opts.onSettled?.(p, { kind: 'failed', reason: err.message });
      } else {
        await db.update(autoTopUps).set({ lastAttemptDay: null }).where(eq(autoTopUps.accountNumber, accountNumber));
      }
      continue;
    }
    charged.push(id);
    await settlePayment(db, gateway, id, now, opts.onSettled);
  }
  return { charged };
}
