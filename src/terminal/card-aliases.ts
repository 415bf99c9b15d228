import type Database from 'better-sqlite3';
import { cardIdAliases } from '../core/card-id.js';
import type { SqlRow } from './db/rows.js';
import type { cards } from './db/schema.js';

/** Settings key migration 0006 sets: the cards already in the file still need their aliases. */
export const CARD_ALIASES_BACKFILL = 'card_aliases_backfill';

/**
 * What card_aliases holds for a stored card: every id another kind of reader gives for it,
 * except the card's own id (EM:/MF: reads go straight to cards by primary key).
 */
export function storedAliases(cardId: string): string[] {
  return cardIdAliases(cardId).filter((a) => a !== cardId);
}

/**
 * Statements for the writers of cards (loadSchool, applyPull), to run inside their own
 * transaction so a card and its aliases commit together.
 */
export function cardAliasWriter(sqlite: Database.Database): { add(cardId: string): void; remove(cardId: string): void } {
  // A file older than migration 0006 (the upgrade tests build one with loadSchool) has no table
  // yet: nothing to write, since 0006 marks its cards and the next open indexes them.
  const exists = sqlite.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'card_aliases'`).get();
  if (!exists) return { add() {}, remove() {} };
  const insert = sqlite.prepare('INSERT OR IGNORE INTO card_aliases (alias, card_id) VALUES (?, ?)');
  const remove = sqlite.prepare('DELETE FROM card_aliases WHERE alias = ? AND card_id = ?');
  return {
    /** Idempotent: an upserted card that is already indexed changes nothing. */
    add(cardId: string): void {
      for (const a of storedAliases(cardId)) insert.run(a, cardId);
    },
    remove(cardId: string): void {
      for (const a of storedAliases(cardId)) remove.run(a, cardId);
    },
  };
}

/**
 * After migration 0006 on a file that already had cards: index them once. Runs at open,
 * in one transaction with clearing the marker, so a crash leaves the marker and it runs again.
 * Returns the number of cards indexed (0 when there was nothing to do).
 */
export function backfillCardAliases(sqlite: Database.Database): number {
  const pending = sqlite.prepare('SELECT value FROM settings WHERE key = ?').pluck().get(CARD_ALIASES_BACKFILL);
  if (pending === undefined) return 0;
  let n = 0;
  sqlite.transaction(() => {
    const w = cardAliasWriter(sqlite);
    sqlite.prepare('DELETE FROM card_aliases').run();
    // all(), not iterate(): better-sqlite3 refuses writes while a read is open on the connection.
    for (const id of sqlite.prepare<[], SqlRow<typeof cards>['id']>('SELECT id FROM cards').pluck().all()) { w.add(id); n++; }
    sqlite.prepare('DELETE FROM settings WHERE key = ?').run(CARD_ALIASES_BACKFILL);
  })();
  return n;
}
