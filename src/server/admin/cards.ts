import { and, count, desc, eq, inArray, sql } from 'drizzle-orm';
import { accounts, cards, students } from '../db/schema.js';
import type { Tx } from '../db/open.js';
import { recordChanges } from '../changes.js';
import { HttpError } from '../errors.js';
import { parseCardId } from '../../core/card-id.js';

/** A card id to store: "EM:55007EE424", "MF:BCD14264" (the grammar is the core's, the same the till and the readers use). */
export function normaliseCardId(raw: string): string {
  const id = parseCardId(raw);
  if (!id.ok || !id.stored) throw new HttpError(400, 'BAD_INPUT', `Неверный номер карты «${raw}»: ожидается EM:XXXXXXXXXX или MF:XXXXXXXX`);
  return id.cardId;
}

/** Binds a card to an account (the account keeps its balance whatever card is used). */
export async function issueCard(tx: Tx, accountNumber: string, rawCardId: string): Promise<string> {
  const cardId = normaliseCardId(rawCardId);
  const [acc] = await tx.select({ schoolId: accounts.schoolId }).from(accounts).where(eq(accounts.accountNumber, accountNumber));
  if (!acc) throw new HttpError(404, 'NOT_FOUND', `Лицевой счёт ${accountNumber} не найден`);
  const [existing] = await tx.select().from(cards).where(eq(cards.id, cardId));
  if (existing && existing.accountNumber !== accountNumber) {
    throw new HttpError(409, 'CONFLICT', `Карта ${cardId} уже выдана на Л/С ${existing.accountNumber}`);
  }
  await tx.insert(cards).values({ id: cardId, schoolId: acc.schoolId, accountNumber, state: 'active' })
    .onConflictDoUpdate({ target: cards.id, set: { state: 'active', reason: null, updatedAt: sql`now()` } });
  await recordChanges(tx, acc.schoolId, 'card', [cardId]);
  return cardId;
}

export async function setCardState(tx: Tx, rawCardId: string, state: 'blocked' | 'lost' | 'active', reason?: string): Promise<{ accountNumber: string }> {
  const cardId = normaliseCardId(rawCardId);
  const [row] = await tx.update(cards).set({ state, reason: reason ?? null, updatedAt: sql`now()` })
    .where(eq(cards.id, cardId)).returning({ schoolId: cards.schoolId, accountNumber: cards.accountNumber });
  if (!row) throw new HttpError(404, 'NOT_FOUND', `Карта ${cardId} не найдена`);
  await recordChanges(tx, row.schoolId, 'card', [cardId]);
  return { accountNumber: row.accountNumber };
}

/** Lost or broken card: the old one is marked lost, the new one goes to the same account (balance unchanged). */
export async function reissueCard(db: Tx, oldCardId: string, newCardId: string): Promise<{ accountNumber: string; cardId: string }> {
  return db.transaction(async (tx) => {
    const { accountNumber } = await setCardState(tx, oldCardId, 'lost', 'перевыпуск');
    const cardId = await issueCard(tx, accountNumber, newCardId);
    return { accountNumber, cardId };
  });
}

export interface CardRow { id: string; schoolId: string; accountNumber: string; state: 'active' | 'blocked' | 'lost'; reason: string | null; issuedAt: string; updatedAt: string; fullName: string | null; className: string | null }

/**
 * The console's card list: one page, newest first, searched by card id,
 * account number or the start of the pupil's name, within the caller's schools.
 */
export async function listCards(db: Tx, opts: { q?: string; state?: 'active' | 'blocked' | 'lost'; schoolIds: readonly string[] | 'all'; offset: number; limit: number }): Promise<{ rows: CardRow[]; total: number }> {
  const q = opts.q?.trim();
  let search: ReturnType<typeof sql> | undefined;
  if (q) {
    let cardId: string | undefined;
    try { cardId = normaliseCardId(q); } catch { /* not a card id */ }
    search = cardId ? sql`${cards.id} = ${cardId}`
      : /^\d{1,10}$/.test(q) ? sql`${cards.accountNumber} LIKE ${`${q}%`}`
      : sql`lower(${students.fullName}) COLLATE "C" LIKE ${`${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`}`;
  }
  const where = and(
    opts.schoolIds === 'all' ? undefined : opts.schoolIds.length ? inArray(cards.schoolId, [...opts.schoolIds]) : sql`false`,
    opts.state ? eq(cards.state, opts.state) : undefined,
    search,
  );
  const from = () => db.select({
    id: cards.id, schoolId: cards.schoolId, accountNumber: cards.accountNumber, state: cards.state, reason: cards.reason,
    issuedAt: cards.issuedAt, updatedAt: cards.updatedAt, fullName: students.fullName, className: students.className,
  }).from(cards).leftJoin(accounts, eq(accounts.accountNumber, cards.accountNumber)).leftJoin(students, eq(students.id, accounts.studentId));
  const [rows, [total]] = await Promise.all([
    from().where(where).orderBy(desc(cards.updatedAt), cards.id).limit(opts.limit).offset(opts.offset),
    db.select({ n: count() }).from(cards).leftJoin(accounts, eq(accounts.accountNumber, cards.accountNumber)).leftJoin(students, eq(students.id, accounts.studentId)).where(where),
  ]);
  return { rows, total: total?.n ?? 0 };
}

/** The school of a card or an account, to check the caller's scope before acting on it. */
export async function schoolOfCard(db: Tx, rawCardId: string): Promise<string | null> {
  const [row] = await db.select({ schoolId: cards.schoolId }).from(cards).where(eq(cards.id, normaliseCardId(rawCardId)));
  return row?.schoolId ?? null;
}

export async function schoolOfAccount(db: Tx, accountNumber: string): Promise<string | null> {
  const [row] = await db.select({ schoolId: accounts.schoolId }).from(accounts).where(eq(accounts.accountNumber, accountNumber));
  return row?.schoolId ?? null;
}
