import { and, desc, eq, sql } from 'drizzle-orm';
import { v5 as uuidv5 } from 'uuid';
import { formatAmount } from '../../core/money.js';
import { cabinetPayments } from '../db/cabinet-schema.js';
import { balanceReturns } from '../db/payments-schema.js';
import { accounts } from '../db/schema.js';
import type { Db } from '../db/open.js';
import { addServerEntry } from '../ledger/server-entries.js';
import { GatewayRefused, type PaymentGateway } from '../cabinet/gateway.js';
import { sourceOf } from './settle.js';

/**
 * Return of the remaining balance when a pupil leaves the school. The money
 * goes back by `refund.do` against the account's card payments (newest
 * first, each no further than what it brought in and was not returned
 * before), the rest as a bank transfer under the accountant's document
 * number. Every part is an entry of its own (kind `correction`, negative),
 * nothing is edited. Keyed by the document number: the same command again
 * changes nothing; entry ids are derived from (document, part), so a rerun
 * after an interruption cannot book a part twice.
 */
const NAMESPACE = '6f7d3c1e-2b8a-4c5d-9e0f-1a2b3c4d5e6f';
const partId = (document: string, part: string) => uuidv5(`balance-return:${document}:${part}`, NAMESPACE);

export type BalanceReturnResult =
  | { kind: 'done'; total: number; refunded: { paymentId: string; amount: number }[]; refusedRefunds: { paymentId: string; reason: string }[]; transferred: number }
  | { kind: 'duplicate'; document: string; accountNumber: string; total: number; createdAt: string; by: string }
  | { kind: 'error'; message: string };

export async function returnBalance(db: Db, gateway: PaymentGateway | null, input: {
  accountNumber: string; document: string; reason: string; by: string; now: Date;
}): Promise<BalanceReturnResult> {
  const document = input.document.trim();
  const reason = input.reason.trim();
  if (!/^[\p{L}\p{N}/\-_.№ ]{1,64}$/u.test(document)) return { kind: 'error', message: 'Номер документа: 1–64 знака (буквы, цифры, / - _ .)' };
  if (reason.length < 3 || reason.length > 500) return { kind: 'error', message: 'Укажите причину возврата (--reason), 3–500 знаков' };
  if (!/^\d{10}$/.test(input.accountNumber)) return { kind: 'error', message: `Неверный номер лицевого счёта: ${input.accountNumber}` };

  // Claim the document and fix the sum under the account's row lock.
  const claim = await db.transaction(async (tx) => {
    const [acc] = await tx.select({ balance: accounts.balance }).from(accounts).where(eq(accounts.accountNumber, input.accountNumber)).for('update');
    if (!acc) return { kind: 'error', message: `Лицевой счёт ${input.accountNumber} не найден` } as const;
    const [existing] = await tx.select().from(balanceReturns).where(eq(balanceReturns.document, document));
    if (existing) return { kind: 'existing', row: existing } as const;
    if (acc.balance <= 0) return { kind: 'error', message: `На счёте ${input.accountNumber} нечего возвращать: остаток ${formatAmount(acc.balance)} ₽` } as const;
    const [row] = await tx.insert(balanceReturns).values({
      document, accountNumber: input.accountNumber, reason, total: acc.balance, by: input.by, createdAt: input.now.toISOString(),
    }).returning();
    return { kind: 'claimed', row: row! } as const;
  });
  if (claim.kind === 'error') return claim;
  const row = claim.row;
  if (claim.kind === 'existing' && (row.accountNumber !== input.accountNumber || row.refunded + row.transferred === row.total)) {
    return { kind: 'duplicate', document, accountNumber: row.accountNumber, total: row.total, createdAt: row.createdAt, by: row.by };
  }

  // What each card payment can still take back: its amount minus earlier returns against it.
  let left = row.total - row.refunded - row.transferred;
  const refunded: { paymentId: string; amount: number }[] = [];
  const refusedRefunds: { paymentId: string; reason: string }[] = [];
  if (gateway?.refund) {
    const paid = await db.select().from(cabinetPayments)
      .where(and(eq(cabinetPayments.accountNumber, input.accountNumber), eq(cabinetPayments.source, sourceOf(gateway)), eq(cabinetPayments.status, 'paid')))
      .orderBy(desc(cabinetPayments.createdAt));
    for (const p of paid) {
      if (left <= 0) break;
      if (!p.externalId) continue;
      const uuid = partId(document, `refund:${p.id}`);
      if (await entryExists(db, uuid)) continue;
      const already = await returnedFrom(db, input.accountNumber, p.id);
      // A refund.do that the bank carried out but whose entry was never written (the process died
      // between the two) shows as the bank's refunded amount running ahead of our entries: book that
      // difference instead of asking the bank to return the money a second time.
      const atBank = gateway.refundedAmount ? await gateway.refundedAmount(p.externalId) : already;
      const unbooked = Math.max(0, atBank - already);
      const amount = unbooked > 0 ? Math.min(left, unbooked) : Math.min(left, p.amount - already);
      if (amount <= 0) continue;
      if (unbooked === 0) {
        try {
          await gateway.refund({ externalId: p.externalId, amount });
        } catch (err) {
          if (!(err instanceof GatewayRefused)) throw err;   // bank down: stop here; the same command later goes on
          refusedRefunds.push({ paymentId: p.id, reason: err.message });
          continue;
        }
      }
      await db.transaction(async (tx) => {
        await addServerEntry(tx, {
          uuid, accountNumber: input.accountNumber, amount: -amount, kind: 'correction', createdAt: input.now.toISOString(),
          payload: { title: `Возврат остатка на карту (платёж от ${p.createdAt.slice(0, 10)}), документ №${document}`, balanceReturn: document, refundOf: p.id, externalId: p.externalId, reason },
        });
        await tx.update(balanceReturns).set({ refunded: sql`${balanceReturns.refunded} + ${amount}`, parts: sql`${balanceReturns.parts} + 1` })
          .where(eq(balanceReturns.document, document));
      });
      refunded.push({ paymentId: p.id, amount });
      left -= amount;
    }
  }
  let transferred = 0;
  if (left > 0) {
    const uuid = partId(document, 'transfer');
    await db.transaction(async (tx) => {
      const r = await addServerEntry(tx, {
        uuid, accountNumber: input.accountNumber, amount: -left, kind: 'correction', createdAt: input.now.toISOString(),
        payload: { title: `Возврат остатка банковским переводом, документ №${document}`, balanceReturn: document, transfer: true, reason },
      });
      if (r.created) {
        await tx.update(balanceReturns).set({ transferred: sql`${balanceReturns.transferred} + ${left}`, parts: sql`${balanceReturns.parts} + 1` })
          .where(eq(balanceReturns.document, document));
      }
    });
    transferred = left;
  }
  return { kind: 'done', total: row.total, refunded, refusedRefunds, transferred };
}

async function entryExists(db: Db, uuid: string): Promise<boolean> {
  const r = (await db.execute(sql`SELECT 1 FROM entry_ids WHERE uuid = ${uuid}`)) as unknown as { rows: unknown[] };
  return r.rows.length > 0;
}

async function returnedFrom(db: Db, accountNumber: string, paymentId: string): Promise<number> {
  const r = (await db.execute(sql`SELECT COALESCE(-SUM(amount), 0)::bigint AS n FROM entries
    WHERE account_number = ${accountNumber} AND kind = 'correction' AND payload->>'refundOf' = ${paymentId}`)) as unknown as { rows: { n: string | number }[] };
  return Number(r.rows[0]?.n ?? 0);
}
