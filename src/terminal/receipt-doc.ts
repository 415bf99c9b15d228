import type Database from 'better-sqlite3';
import type { ReceiptDoc } from '../core/receipt.js';
import { receiptLine } from '../core/receipt.js';
import type { SqlPick } from './db/rows.js';
import type { receipts, schools } from './db/schema.js';
import { receiptLinesReader } from './receipt-lines.js';
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
export type ReceiptDocRow = SqlPick<typeof receipts,
  'seq' | 'kind' | 'number' | 'issued_at' | 'total' | 'subsidy' | 'account_number' | 'pupil_name' | 'class_name' | 'cashier_name'
  | 'balance_after' | 'refund_of_number' | 'doc'>;

/**
 * ReceiptDocs of stored receipts. Since terminal migration 0008 a receipt is not stored as JSON:
 * its doc is built from its row and lines with the school's and terminal's current names; a row
 * from before keeps its `doc`, which is returned as it was.
 */
export class ReceiptDocs {
  private readonly st;
  private readonly linesOf;

  constructor(sqlite: Database.Database) {
    this.st = {
      row: sqlite.prepare<[number], ReceiptDocRow>(`SELECT * FROM receipts WHERE seq = ?`),
      school: sqlite.prepare<[], SqlPick<typeof schools, 'name' | 'time_zone'>>(`SELECT s.name, s.time_zone FROM schools s LEFT JOIN settings st ON st.key = '${SETTING.schoolId}'
                               WHERE st.value IS NULL OR s.id = st.value LIMIT 1`),
      terminalName: sqlite.prepare<[], string>(`SELECT value FROM settings WHERE key = '${SETTING.terminalName}'`).pluck(),
    };
    this.linesOf = receiptLinesReader(sqlite);
  }

  /** The header as the database has it now (the service passes its own, already loaded). */
  header(): ReceiptHeader {
    const school = this.st.school.get();
    return {
      schoolName: school?.name ?? '', timeZone: school?.time_zone ?? 'Europe/Moscow',
      terminalName: this.st.terminalName.get() ?? 'Касса',
    };
  }

  at(seq: number, header?: ReceiptHeader): ReceiptDoc | undefined {
    const row = this.st.row.get(seq);
    return row && this.of(row, header);
  }

  of(row: ReceiptDocRow, header: ReceiptHeader = this.header()): ReceiptDoc {
    if (row.doc !== null) return JSON.parse(row.doc) as ReceiptDoc;
    const lines = this.linesOf(row.seq).map(receiptLine);
    return buildReceiptDoc(header, {
      kind: row.kind, number: row.number, issuedAt: row.issued_at, lines, total: row.total, subsidy: row.subsidy,
      pupilName: row.pupil_name ?? '', className: row.class_name ?? '', accountNumber: row.account_number,
      balanceAfter: row.balance_after ?? 0, cashierName: row.cashier_name ?? '', refundOfNumber: row.refund_of_number,
    });
  }
}
