import { and, desc, eq, sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { accounts, schools } from '../db/schema.js';
import { moneyRequests } from '../db/staff-schema.js';
import type { Tx } from '../db/open.js';
import { HttpError } from '../errors.js';
import { writeAudit, type Actor } from '../audit.js';
import { addServerEntry } from '../ledger/server-entries.js';
import { formatAmount } from '../../core/money.js';
import { claimManualDocument, linkManualEntry } from './manual-topup.js';

/**
 * Money by hand (top-ups and corrections) with a reason and a document
 * number. A correction larger than the school's limit waits for a second
 * person (four eyes); the entry is made on approval, its uuid the request's
 * id, so approving twice cannot count it twice. A top-up is positive and
 * applied at once; it is the person's record of money really received.
 */

export type MoneyRequestRow = typeof moneyRequests.$inferSelect;

export interface MoneyInput { amount: number; reason: string; documentNumber: string }

export async function requestMoney(db: Tx, actor: Actor, schoolId: string, accountNumber: string, kind: 'topUp' | 'correction', input: MoneyInput): Promise<MoneyRequestRow> {
  if (kind === 'topUp' && input.amount <= 0) throw new HttpError(400, 'BAD_INPUT', 'Сумма пополнения должна быть больше нуля');
  const [acc] = await db.select({ schoolId: accounts.schoolId }).from(accounts).where(eq(accounts.accountNumber, accountNumber));
  if (!acc || acc.schoolId !== schoolId) throw new HttpError(404, 'NOT_FOUND', `Лицевой счёт ${accountNumber} не найден в этой школе`);
  const [school] = await db.select({ limit: schools.correctionApprovalLimit }).from(schools).where(eq(schools.id, schoolId));
  const needsSecond = kind === 'correction' && Math.abs(input.amount) > school!.limit;
  const id = uuidv7();
  if (kind === 'topUp') {
    // One store of top-up document numbers for the console and `canteen server topup`: a second
    // entry of the same cash order (a double click, a retry, the CLI after the console) credits nothing.
    const claimed = await claimManualDocument(db, {
      id, document: input.documentNumber.trim(), accountNumber, amount: input.amount, reason: input.reason, by: actor.name, at: new Date().toISOString(),
    });
    if (claimed.kind !== 'claimed') {
      const e = claimed.existing;
      throw new HttpError(409, 'CONFLICT', `Документ №${input.documentNumber.trim()} уже проведён: ${formatAmount(e.amount)} ₽ на Л/С ${e.accountNumber} (${e.by}, ${e.at.slice(0, 10)}). Повторно не зачисляется`);
    }
  } else {
    const [same] = await db.select({ id: moneyRequests.id }).from(moneyRequests).where(and(
      eq(moneyRequests.schoolId, schoolId), eq(moneyRequests.accountNumber, accountNumber), eq(moneyRequests.kind, 'correction'),
      eq(moneyRequests.documentNumber, input.documentNumber), sql`${moneyRequests.state} <> 'rejected'`));
    if (same) throw new HttpError(409, 'CONFLICT', `Исправление по документу №${input.documentNumber} для Л/С ${accountNumber} уже внесено`);
  }
  const [row] = await db.insert(moneyRequests).values({
    id, schoolId, accountNumber, kind, amount: input.amount, reason: input.reason, documentNumber: input.documentNumber,
    state: 'pending', requestedBy: actor.staffId ?? actor.name, requestedByName: actor.name,
  }).returning();
  await writeAudit(db, actor, { action: `money.${kind}.request`, entity: 'moneyRequest', entityId: row!.id, schoolId, after: row });
  return needsSecond ? row! : apply(db, actor, row!, '');
}

/** The second person approves: the entry is made now. The requester cannot approve their own. */
export async function approveMoney(db: Tx, actor: Actor, schoolId: string, id: string, note: string): Promise<MoneyRequestRow> {
  const row = await lockPending(db, schoolId, id);
  if (row.requestedBy === (actor.staffId ?? actor.name)) {
    throw new HttpError(403, 'FORBIDDEN', 'Исправление подтверждает другой сотрудник (правило двух подписей)');
  }
  return apply(db, actor, row, note);
}

export async function rejectMoney(db: Tx, actor: Actor, schoolId: string, id: string, note: string): Promise<MoneyRequestRow> {
  const row = await lockPending(db, schoolId, id);
  const [after] = await db.update(moneyRequests).set({
    state: 'rejected', decidedBy: actor.staffId ?? actor.name, decidedByName: actor.name, decidedAt: sql`now()` as unknown as string, decisionNote: note,
  }).where(eq(moneyRequests.id, id)).returning();
  await writeAudit(db, actor, { action: `money.${row.kind}.reject`, entity: 'moneyRequest', entityId: id, schoolId, before: row, after });
  return after!;
}

export async function listMoneyRequests(db: Tx, schoolId: string, state?: 'pending' | 'applied' | 'rejected', limit = 200): Promise<MoneyRequestRow[]> {
  return db.select().from(moneyRequests)
    .where(and(eq(moneyRequests.schoolId, schoolId), state ? eq(moneyRequests.state, state) : undefined))
    .orderBy(desc(moneyRequests.requestedAt)).limit(limit);
}

async function lockPending(db: Tx, schoolId: string, id: string): Promise<MoneyRequestRow> {
  const [row] = await db.select().from(moneyRequests).where(and(eq(moneyRequests.id, id), eq(moneyRequests.schoolId, schoolId))).for('update');
  if (!row) throw new HttpError(404, 'NOT_FOUND', 'Заявка не найдена');
  if (row.state !== 'pending') throw new HttpError(409, 'CONFLICT', `Заявка уже ${row.state === 'applied' ? 'проведена' : 'отклонена'} (${row.decidedByName ?? ''})`);
  return row;
}

async function apply(db: Tx, actor: Actor, row: MoneyRequestRow, note: string): Promise<MoneyRequestRow> {
  const entry = await addServerEntry(db, {
    accountNumber: row.accountNumber, amount: row.amount, kind: row.kind, uuid: row.id,
    payload: { reason: row.reason, documentNumber: row.documentNumber, by: row.requestedByName, ...(row.requestedByName !== actor.name ? { approvedBy: actor.name } : {}) },
  });
  const [after] = await db.update(moneyRequests).set({
    state: 'applied', decidedBy: actor.staffId ?? actor.name, decidedByName: actor.name, decidedAt: sql`now()` as unknown as string,
    decisionNote: note, entryUuid: entry.uuid,
  }).where(eq(moneyRequests.id, row.id)).returning();
  if (row.kind === 'topUp') await linkManualEntry(db, row.id, entry.uuid);
  await writeAudit(db, actor, {
    action: `money.${row.kind}.apply`, entity: 'moneyRequest', entityId: row.id, schoolId: row.schoolId, before: row,
    after: { ...after, balanceAfter: entry.balance, amountText: formatAmount(row.amount) },
  });
  return after!;
}
