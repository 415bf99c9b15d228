import { and, desc, eq, inArray, lt } from 'drizzle-orm';
import { accounts, cards, entries, receiptLines, receipts, students } from '../db/schema.js';
import type { Tx } from '../db/open.js';
import { HttpError } from '../errors.js';

/** Read-only views of a pupil's account for staff with the right (no fake till, no database shell). */

export async function accountAt(db: Tx, schoolId: string, accountNumber: string) {
  const [row] = await db.select({ a: accounts, s: students }).from(accounts)
    .leftJoin(students, eq(students.id, accounts.studentId))
    .where(and(eq(accounts.accountNumber, accountNumber), eq(accounts.schoolId, schoolId)));
  if (!row) throw new HttpError(404, 'NOT_FOUND', `Лицевой счёт ${accountNumber} не найден в этой школе`);
  const cardRows = await db.select({ id: cards.id, state: cards.state }).from(cards).where(eq(cards.accountNumber, accountNumber));
  return {
    accountNumber, schoolId, balance: row.a.balance, dailyLimit: row.a.dailyLimit, active: row.a.active,
    student: row.s ? { id: row.s.id, fullName: row.s.fullName, className: row.s.className } : null,
    cards: cardRows,
  };
}

export async function accountEntries(db: Tx, schoolId: string, accountNumber: string, opts: { before?: string; limit: number }) {
  const rows = await db.select().from(entries)
    .where(and(eq(entries.schoolId, schoolId), eq(entries.accountNumber, accountNumber), opts.before ? lt(entries.createdAt, opts.before) : undefined))
    .orderBy(desc(entries.createdAt), desc(entries.uuid)).limit(opts.limit);
  return rows.map((e) => ({
    uuid: e.uuid, createdAt: e.createdAt, kind: e.kind, amount: e.amount, applied: e.applied,
    terminalId: e.terminalId, receiptId: e.receiptId, payload: e.payload,
  }));
}

/** A receipt of this account (found through its entry, as the statement does). */
export async function accountReceipt(db: Tx, schoolId: string, accountNumber: string, receiptId: string) {
  const [r] = await db.select().from(receipts).where(and(eq(receipts.schoolId, schoolId), eq(receipts.id, receiptId)));
  if (!r || r.accountNumber !== accountNumber) throw new HttpError(404, 'NOT_FOUND', 'Чек не найден');
  const lines = await db.select().from(receiptLines)
    .where(and(eq(receiptLines.schoolId, schoolId), inArray(receiptLines.receiptId, [receiptId]))).orderBy(receiptLines.lineNo);
  return {
    id: r.id, number: r.number, kind: r.kind, terminalId: r.terminalId, total: r.total, subsidy: r.subsidy, issuedAt: r.issuedAt,
    lines: lines.map((l) => ({ name: l.name, quantity: l.quantity, unitPrice: l.unitPrice, amount: l.amount, subsidy: l.subsidy })),
  };
}
