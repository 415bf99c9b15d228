import { and, desc, eq, inArray, lt, or } from 'drizzle-orm';
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
  const receiptsOf = await entryReceipts(db, schoolId, accountNumber, rows);
  return rows.map((e) => {
    const r = receiptsOf.get(e.uuid);
    return {
      uuid: e.uuid, createdAt: e.createdAt, kind: e.kind, amount: e.amount, applied: e.applied,
      terminalId: e.terminalId, receiptId: r?.id ?? e.receiptId, receiptNumber: r?.number ?? null, items: r?.items ?? [], payload: e.payload,
    };
  });
}

interface EntryReceipt { id: string; number: string; items: { name: string; quantity: number; amount: number }[] }

/**
 * The receipts of a page of entries with their dish lines (the statement's detail): by the entry's
 * receipt id where the till sent it (primary key), else by the receipt's entry uuid within the account.
 */
async function entryReceipts(db: Tx, schoolId: string, accountNumber: string, rows: { uuid: string; kind: string; receiptId: string | null }[]): Promise<Map<string, EntryReceipt>> {
  const out = new Map<string, EntryReceipt>();
  const sales = rows.filter((e) => e.kind === 'sale' || e.kind === 'refund');
  if (!sales.length) return out;
  const ids = sales.map((e) => e.receiptId).filter((id): id is string => !!id);
  const bare = sales.filter((e) => !e.receiptId).map((e) => e.uuid);
  const found = await db.select({ id: receipts.id, number: receipts.number, entryUuid: receipts.entryUuid }).from(receipts).where(and(
    eq(receipts.schoolId, schoolId),
    or(ids.length ? inArray(receipts.id, ids) : undefined, bare.length ? and(eq(receipts.accountNumber, accountNumber), inArray(receipts.entryUuid, bare)) : undefined),
  ));
  if (!found.length) return out;
  const lines = await db.select({ receiptId: receiptLines.receiptId, name: receiptLines.name, quantity: receiptLines.quantity, amount: receiptLines.amount })
    .from(receiptLines).where(and(eq(receiptLines.schoolId, schoolId), inArray(receiptLines.receiptId, found.map((r) => r.id))))
    .orderBy(receiptLines.receiptId, receiptLines.lineNo);
  const byEntry = new Map(sales.map((e) => [e.receiptId ?? '', e.uuid]));
  for (const r of found) {
    const items = lines.filter((l) => l.receiptId === r.id).map((l) => ({ name: l.name, quantity: l.quantity, amount: l.amount }));
    out.set(byEntry.get(r.id) ?? r.entryUuid, { id: r.id, number: r.number, items });
  }
  return out;
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
