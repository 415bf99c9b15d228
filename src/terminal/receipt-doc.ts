import type Database from 'better-sqlite3';
import type { ReceiptDoc } from '../core/receipt.js';
import { lineKeys } from './db/schema.js';
import { SETTING } from './seed.js';

/** What every receipt of this terminal prints at its top: the school's and the terminal's. */
export interface ReceiptHeader {
  schoolName: string;
  terminalName: string;
  timeZone: string;
}

/** A receipt's own printed facts: its receipts row and its lines. */
export interface ReceiptFacts {
  kind: 'sale' | 'refund';
  number: string;
  issuedAt: string;
  lines: ReceiptDoc['lines'];
  total: number;
  subsidy: number;
  pupilName: string;
  className: string;
  accountNumber: string;
  balanceAfter: number;
  cashierName: string;
  refundOfNumber: string | null;
}

/**
 * The one shape of a ReceiptDoc, for the sale's answer and for every later print or look-up:
 * a reprint gives the same JSON, key for key, as the receipt the sale returned.
 */
export function buildReceiptDoc(h: ReceiptHeader, f: ReceiptFacts): ReceiptDoc {
  return {
    kind: f.kind,
    schoolName: h.schoolName,
    terminalName: h.terminalName,
    number: f.number,
    issuedAt: f.issuedAt,
    timeZone: h.timeZone,
    lines: f.lines,
    total: f.total,
    ...(f.subsidy ? { subsidy: f.subsidy } : {}),
    pupil: { shortName: f.pupilName, className: f.className, accountNumber: f.accountNumber },
    balanceAfter: f.balanceAfter,
    cashierName: f.cashierName,
    ...(f.refundOfNumber ? { refundOf: f.refundOfNumber } : {}),
  };
}

/** The receipts columns the doc needs (a `SELECT *` row has them all). */
export interface ReceiptDocRow {
  seq: number; kind: 'sale' | 'refund'; number: string; issued_at: string; total: number; subsidy: number; account_number: string;
  pupil_name: string | null; class_name: string | null; cashier_name: string | null; balance_after: number | null;
  refund_of_number: string | null; doc: string | null;
}

interface LineRow { name: string; quantity: number; unit_price: number; amount: number; note: string | null }

/**
 * ReceiptDocs of stored receipts. Since terminal migration 0008 a receipt is not stored as JSON:
 * its doc is built from its row and lines with the school's and terminal's current names; a row
 * from before keeps its `doc`, which is returned as it was.
 */
export class ReceiptDocs {
  private readonly st;

  constructor(sqlite: Database.Database) {
    this.st = {
      row: sqlite.prepare(`SELECT * FROM receipts WHERE seq = ?`),
      lines: sqlite.prepare(`SELECT name, quantity, unit_price, amount, note FROM receipt_lines WHERE id BETWEEN ? AND ? ORDER BY id`),
      school: sqlite.prepare(`SELECT s.name, s.time_zone FROM schools s LEFT JOIN settings st ON st.key = '${SETTING.schoolId}'
                               WHERE st.value IS NULL OR s.id = st.value LIMIT 1`),
      terminalName: sqlite.prepare(`SELECT value FROM settings WHERE key = '${SETTING.terminalName}'`).pluck(),
    };
  }

  /** The header as the database has it now (the service passes its own, already loaded). */
  header(): ReceiptHeader {
    const school = this.st.school.get() as { name: string; time_zone: string } | undefined;
    return {
      schoolName: school?.name ?? '', timeZone: school?.time_zone ?? 'Europe/Moscow',
      terminalName: (this.st.terminalName.get() as string | undefined) ?? 'Касса',
    };
  }

  at(seq: number, header?: ReceiptHeader): ReceiptDoc | undefined {
    const row = this.st.row.get(seq) as ReceiptDocRow | undefined;
    return row && this.of(row, header);
  }

  of(row: ReceiptDocRow, header: ReceiptHeader = this.header()): ReceiptDoc {
    if (row.doc !== null) return JSON.parse(row.doc) as ReceiptDoc;
    const lines = (this.st.lines.all(...lineKeys(row.seq)) as LineRow[]).map((l) => ({
      name: l.name, quantity: l.quantity, unitPrice: l.unit_price, amount: l.amount, ...(l.note ? { note: l.note } : {}),
    }));
    return buildReceiptDoc(header, {
      kind: row.kind, number: row.number, issuedAt: row.issued_at, lines, total: row.total, subsidy: row.subsidy,
      pupilName: row.pupil_name ?? '', className: row.class_name ?? '', accountNumber: row.account_number,
      balanceAfter: row.balance_after ?? 0, cashierName: row.cashier_name ?? '', refundOfNumber: row.refund_of_number,
    });
  }
}
