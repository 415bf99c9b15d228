import type Database from 'better-sqlite3';
import type { PricedLine } from '../core/sale.js';
import type { SqlPick } from './db/rows.js';
import { lineKeys, type receiptLines } from './db/schema.js';

/** The receipt_lines columns a stored line is made of. */
export type LineRow = SqlPick<typeof receiptLines, 'item_id' | 'item_kind' | 'name' | 'quantity' | 'unit_price' | 'amount' | 'subsidy' | 'rule_id' | 'note'>;

/** The one mapping of a stored receipt line back to the line the sale priced (docs, refunds, reports). */
export function storedLine(l: LineRow): PricedLine {
  return {
    itemId: l.item_id, kind: l.item_kind, name: l.name, quantity: l.quantity, unitPrice: l.unit_price, amount: l.amount, subsidy: l.subsidy,
    ...(l.rule_id ? { ruleId: l.rule_id } : {}), ...(l.note ? { note: l.note } : {}),
  };
}

/** A receipt's lines in order: one rowid range (lineKeys), read with one prepared statement. */
export function receiptLinesReader(sqlite: Database.Database): (receiptSeq: number) => PricedLine[] {
  const stmt = sqlite.prepare<[number, number], LineRow>(
    `SELECT item_id, item_kind, name, quantity, unit_price, amount, subsidy, rule_id, note FROM receipt_lines WHERE id BETWEEN ? AND ? ORDER BY id`);
  return (receiptSeq) => stmt.all(...lineKeys(receiptSeq)).map(storedLine);
}
