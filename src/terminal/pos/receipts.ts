import type Database from 'better-sqlite3';
import type { ReceiptSummary, SaleResult } from '../../api/pos-api.js';
import type { ReceiptDoc } from '../../core/receipt.js';
import type { PricedLine } from '../../core/sale.js';
import type { SqlRow } from '../db/rows.js';
import { LINE_KEY_SPAN, type receipts } from '../db/schema.js';
import { MonotonicUuidV7 } from '../ids.js';
import { type ReceiptHeader, ReceiptDocs } from '../receipt-doc.js';
import { receiptLinesReader } from '../receipt-lines.js';
import { RecentSaleKeys } from '../sale-keys.js';

export type ReceiptRow = SqlRow<typeof receipts>;
type SummaryRow = Pick<ReceiptRow, 'id' | 'number' | 'issued_at' | 'account_number' | 'total' | 'kind' | 'refunded_by'> & { full_name: string | null };

/** A receipt as written: its row's columns in insert order (see insert). */
export interface NewReceipt {
  seq: number; id: string; number: string; kind: 'sale' | 'refund'; saleId: string | null; shiftId: string; cashierId: string;
  accountNumber: string; cardId: string | null; total: number; subsidy: number; issuedAt: string; schoolDay: string;
  refundOf: string | null; refundOfNumber: string | null; pupilName: string; className: string; cashierName: string; balanceAfter: number;
}

/**
 * The receipts book: gapless receipt seqs and ids, writing a receipt and its lines, finding one
 * by id or by its sale's idempotency key, and reading them back (docs, lines, the recent list).
 */
export class ReceiptBook {
  /** seq of the next receipt (receipts are gapless per terminal). */
  nextSeq = 1;
  private ids = new MonotonicUuidV7();
  /** sell()'s idempotency keys of the newest receipts (sale-keys.ts). */
  private readonly saleKeys = new RecentSaleKeys();
  /** Stored receipts as ReceiptDocs (receipt-doc.ts). */
  readonly docs: ReceiptDocs;
  /** A receipt's lines, as the sale priced them (receipt-lines.ts). */
  readonly lines: (seq: number) => PricedLine[];
  private readonly st;

  constructor(private readonly sqlite: Database.Database) {
    this.st = {
      bySeq: sqlite.prepare<[number], ReceiptRow>(`SELECT * FROM receipts WHERE seq = ?`),
      idAt: sqlite.prepare<[number], string>(`SELECT id FROM receipts WHERE seq = ?`).pluck(),
      // Full scan: only for an id the seq-ordered search does not find (see byId).
      byIdScan: sqlite.prepare<[string], ReceiptRow>(`SELECT * FROM receipts WHERE id = ?`),
      // Positional parameters: binding an object by name costs a lookup per column on every sale.
      insert: sqlite.prepare<[number, string, string, string, string | null, string, string, string, string | null, number, number,
        string, string, string | null, string | null, string, string, string, number]>(
        `INSERT INTO receipts (seq, id, number, kind, sale_id, shift_id, cashier_id, account_number, card_id, total, subsidy,
           issued_at, school_day, refund_of, refund_of_number, pupil_name, class_name, cashier_name, balance_after)
         VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`),
      insertLine: sqlite.prepare<[number, number, number, string, string, string, number, number, number, number, string | null, string | null]>(
        `INSERT INTO receipt_lines (id, receipt_seq, line_no, item_id, item_kind, name, quantity, unit_price, amount, subsidy, rule_id, note)
         VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`),
      markRefunded: sqlite.prepare<[string, string]>(`UPDATE receipts SET refunded_by = ? WHERE id = ? AND refunded_by IS NULL`),
      last: sqlite.prepare<[number], SummaryRow>(
        `SELECT r.id, r.number, r.issued_at, r.account_number, r.total, r.kind, r.refunded_by, st.full_name
           FROM receipts r LEFT JOIN accounts a ON a.number = r.account_number LEFT JOIN students st ON st.id = a.student_id
          ORDER BY r.seq DESC LIMIT ?`),
      newest: sqlite.prepare<[], Pick<ReceiptRow, 'seq' | 'id'>>('SELECT seq, id FROM receipts ORDER BY seq DESC LIMIT 1'),
    };
    this.docs = new ReceiptDocs(sqlite);
    this.lines = receiptLinesReader(sqlite);
    this.saleKeys.load(sqlite);
  }

  /** Re-reads the counters from the database. */
  reload(): void {
    const newest = this.st.newest.get();
    this.nextSeq = (newest?.seq ?? 0) + 1;
    this.ids = new MonotonicUuidV7(newest?.id);
  }

  /** The receipt a sale with this idempotency key wrote, if it is among the newest. */
  bySaleId(saleId: string): ReceiptRow | undefined {
    const seq = this.saleKeys.get(saleId);
    return seq === undefined ? undefined : this.st.bySeq.get(seq);
  }

  /**
   * Receipt ids are made strictly increasing with seq (MonotonicUuidV7), so the seq b-tree is
   * searched by id instead of keeping an id index on the sale path. Ids that do not fit the
   * order (made before migration 0004 by a clock that went back) are found by a scan.
   */
  byId(id: unknown): ReceiptRow | undefined {
    if (typeof id !== 'string' || id.length !== 36) return undefined;
    const key = id.toLowerCase();
    let lo = 1;
    let hi = this.nextSeq - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const at = this.st.idAt.get(mid);
      if (at === undefined) break;
      if (at === key) return this.st.bySeq.get(mid);
      if (at < key) lo = mid + 1; else hi = mid - 1;
    }
    return this.st.byIdScan.get(key);
  }

  doc(row: ReceiptRow, header: ReceiptHeader): ReceiptDoc {
    return this.docs.of(row, header);
  }

  /** A stored receipt as the answer its sale gave. */
  result(row: ReceiptRow, header: ReceiptHeader, printJobId?: string): SaleResult {
    const doc = this.docs.of(row, header);
    return {
      receiptId: row.id, receiptNumber: row.number, total: row.total, subsidy: row.subsidy,
      balanceAfter: doc.balanceAfter ?? 0, receipt: doc, ...(printJobId ? { printJobId } : {}),
    };
  }

  /** The newest receipts first, for the receipts list. */
  last(limit: number): ReceiptSummary[] {
    return this.st.last.all(limit).map((r) => ({
      receiptId: r.id, number: r.number, issuedAt: r.issued_at, accountNumber: r.account_number,
      pupilName: r.full_name ?? '', total: r.total, refunded: r.refunded_by !== null, kind: r.kind,
    }));
  }

  /** The next receipt's id (strictly increasing with seq). */
  nextId(atMs: number): string {
    return this.ids.next(atMs);
  }

  /** Writes a receipt and its lines; call inside the ledger write that records its entries. */
  insert(r: NewReceipt, lines: readonly PricedLine[]): void {
    this.st.insert.run(r.seq, r.id, r.number, r.kind, r.saleId, r.shiftId, r.cashierId, r.accountNumber, r.cardId,
      r.total, r.subsidy, r.issuedAt, r.schoolDay, r.refundOf, r.refundOfNumber, r.pupilName, r.className, r.cashierName, r.balanceAfter);
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i]!;
      this.st.insertLine.run(r.seq * LINE_KEY_SPAN + i + 1, r.seq, i + 1, l.itemId, l.kind, l.name, l.quantity, l.unitPrice, l.amount, l.subsidy,
        l.ruleId ?? null, l.note ?? null);
    }
  }

  /** Points a sale at its refund; false when it was refunded already. Inside the refund's write. */
  markRefunded(refundId: string, saleReceiptId: string): boolean {
    return this.st.markRefunded.run(refundId, saleReceiptId).changes === 1;
  }

  /** After the receipt's write committed: the counters move on. */
  committed(seq: number, saleId: string | null): void {
    this.nextSeq = seq + 1;
    if (saleId !== null) this.saleKeys.add(saleId, seq);
  }
}
