import { and, eq, sql } from 'drizzle-orm';
import { accounts, cards } from '../db/schema.js';
import { cabinetProfiles } from '../db/cabinet-schema.js';
import type { Db, Tx } from '../db/open.js';
import { recordChanges } from '../changes.js';

/** Parent controls. Each write goes with its change-log row in one transaction, so terminals get it on their next pull. */

export async function cardsOf(db: Tx, accountNumber: string) {
  return db.select({ id: cards.id, state: cards.state, reason: cards.reason, updatedAt: cards.updatedAt })
    .from(cards).where(eq(cards.accountNumber, accountNumber)).orderBy(cards.issuedAt);
}

/** Marks the account's own card lost; another account's card or an unknown id changes nothing. */
export async function reportLostCard(db: Db, accountNumber: string, cardId: string): Promise<'lost' | 'already' | 'notFound'> {
  return db.transaction(async (tx) => {
    const [card] = await tx.select({ schoolId: cards.schoolId, state: cards.state }).from(cards)
      .where(and(eq(cards.id, cardId), eq(cards.accountNumber, accountNumber))).for('update');
    if (!card) return 'notFound';
    if (card.state === 'lost') return 'already';
    await tx.update(cards).set({ state: 'lost', reason: 'утеряна (сообщили родители в личном кабинете)', updatedAt: sql`now()` })
      .where(eq(cards.id, cardId));
    await recordChanges(tx, card.schoolId, 'card', [cardId]);
    return 'lost';
  });
}

export async function setDailyLimit(db: Db, accountNumber: string, limit: number | null): Promise<void> {
  await db.transaction(async (tx) => {
    const [acc] = await tx.update(accounts).set({ dailyLimit: limit, updatedAt: sql`now()` })
      .where(eq(accounts.accountNumber, accountNumber)).returning({ schoolId: accounts.schoolId });
    if (acc) await recordChanges(tx, acc.schoolId, 'account', [accountNumber]);
  });
}

export async function upsertProfile(db: Tx, accountNumber: string, set: Partial<typeof cabinetProfiles.$inferInsert>): Promise<void> {
  await db.insert(cabinetProfiles).values({ accountNumber, ...set })
    .onConflictDoUpdate({ target: cabinetProfiles.accountNumber, set: { ...set, updatedAt: sql`now()` } });
}

export async function setLowBalanceThreshold(db: Db, accountNumber: string, threshold: number | null): Promise<void> {
  // A new threshold deserves a fresh letter if the balance is already below it.
  await upsertProfile(db, accountNumber, { lowBalanceThreshold: threshold, lowBalanceNotifiedAt: null });
}
