import { and, eq, sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { formatAmount } from '../../core/money.js';
import { cabinetPayments } from '../db/cabinet-schema.js';
import type { Db, Tx } from '../db/open.js';
import { addServerEntry } from '../ledger/server-entries.js';
import { isAccountNumber } from '../account-number.js';

/**
 * Money put on an account by hand (cash brought to the accountant, a bank
 * transfer that came outside the registry): audited. Every such top-up names
 * its reason, the document it rests on (a receipt order, a payment order) and
 * the person who entered it. The document number is the idempotency key: the
 * same document entered again credits nothing. The stored row is a
 * `cabinet_payments` row with source `manual` (the unique (source,
 * external_id) index makes a repeat a no-op even when two run at once); the
 * entry's payload carries the same facts.
 */
export const MANUAL_SOURCE = 'manual';
export const MANUAL_MAX = 10_000_000;   // 100 000,00 ₽: anything larger is a typo

export interface ManualTopUp { accountNumber: string; amount: number; reason: string; document: string; by: string; now?: Date }

export interface ManualRecord { accountNumber: string; amount: number; reason: string; by: string; at: string }

export type ManualOutcome =
  | { kind: 'credited'; balance: number; entryUuid: string }
  | { kind: 'repeated'; existing: ManualRecord }               // same document, same account and amount: already done
  | { kind: 'conflict'; existing: ManualRecord }               // same document, another account or amount: refused
  | { kind: 'invalid'; problems: string[] };

const DOC_RE = /^[\p{L}\p{N}][\p{L}\p{N} _\-/.:№]{0,63}$/u;

/** Russian problems with the input, empty when it may be credited. */
export function manualProblems(t: Omit<ManualTopUp, 'now'>): string[] {
  const out: string[] = [];
  if (!isAccountNumber(t.accountNumber)) out.push(`Неверный номер лицевого счёта «${t.accountNumber}»: нужно 10 цифр`);
  if (!Number.isSafeInteger(t.amount) || t.amount <= 0) out.push('Сумма пополнения должна быть больше нуля');
  else if (t.amount > MANUAL_MAX) out.push(`Сумма больше ${formatAmount(MANUAL_MAX, { group: true })} ₽: проверьте, нет ли опечатки`);
  if (!t.reason.trim()) out.push('Укажите основание пополнения: --reason "…" (например, «наличные в кассу бухгалтерии»)');
  else if (t.reason.length > 300) out.push('Основание длиннее 300 символов');
  if (!t.document.trim()) out.push('Укажите номер документа: --doc НОМЕР (приходный кассовый ордер, платёжное поручение)');
  else if (!DOC_RE.test(t.document.trim())) out.push(`Неверный номер документа «${t.document}»: буквы, цифры, пробел и - / . : №, не длиннее 64`);
  if (!t.by.trim()) out.push('Укажите, кто вносит пополнение: --by ИМЯ');
  return out;
}

/**
 * Claims a document number for money put on an account by hand: the one store of such numbers,
 * whether the money came by `canteen server topup` or through the console. A second claim of
 * the same number changes nothing and says what the first one was.
 */
export async function claimManualDocument(tx: Tx, c: { id: string; document: string; accountNumber: string; amount: number; reason: string; by: string; at: string }):
  Promise<{ kind: 'claimed' } | { kind: 'repeated' | 'conflict'; existing: ManualRecord }> {
  const inserted = await tx.insert(cabinetPayments).values({
    id: c.id, source: MANUAL_SOURCE, externalId: c.document, accountNumber: c.accountNumber, amount: c.amount,
    status: 'paid', paidAt: c.at, createdAt: c.at, updatedAt: c.at, details: { reason: c.reason, document: c.document, by: c.by },
  }).onConflictDoNothing().returning({ id: cabinetPayments.id });
  if (inserted.length > 0) return { kind: 'claimed' };
  const [p] = await tx.select().from(cabinetPayments)
    .where(and(eq(cabinetPayments.source, MANUAL_SOURCE), eq(cabinetPayments.externalId, c.document)));
  const d = (p!.details ?? {}) as { reason?: string; by?: string };
  const existing: ManualRecord = { accountNumber: p!.accountNumber, amount: p!.amount, reason: d.reason ?? '', by: d.by ?? '', at: p!.createdAt };
  const same = existing.accountNumber === c.accountNumber && existing.amount === c.amount;
  return { kind: same ? 'repeated' : 'conflict', existing };
}

/** Marks the claimed document with the entry it made. */
export async function linkManualEntry(tx: Tx, id: string, entryUuid: string): Promise<void> {
  await tx.update(cabinetPayments).set({ entryUuid }).where(eq(cabinetPayments.id, id));
}

export async function manualTopUp(db: Db, input: ManualTopUp): Promise<ManualOutcome> {
  const problems = manualProblems(input);
  if (problems.length) return { kind: 'invalid', problems };
  const document = input.document.trim();
  const reason = input.reason.trim();
  const by = input.by.trim().slice(0, 100);
  const at = (input.now ?? new Date()).toISOString();
  return db.transaction(async (tx) => {
    const exists = await tx.execute(sql`SELECT 1 FROM accounts WHERE account_number = ${input.accountNumber}`);
    if ((exists as unknown as { rows: unknown[] }).rows.length === 0) {
      return { kind: 'invalid', problems: [`Лицевой счёт ${input.accountNumber} не найден`] } as const;
    }
    const id = uuidv7();
    const claimed = await claimManualDocument(tx, { id, document, accountNumber: input.accountNumber, amount: input.amount, reason, by, at });
    if (claimed.kind !== 'claimed') return claimed;
    const entry = await addServerEntry(tx, {
      accountNumber: input.accountNumber, amount: input.amount, kind: 'topUp', createdAt: at,
      payload: { title: `Пополнение по документу №${document}`, source: MANUAL_SOURCE, document, reason, by, paymentId: id },
    });
    await linkManualEntry(tx, id, entry.uuid);
    return { kind: 'credited', balance: entry.balance, entryUuid: entry.uuid } as const;
  });
}
