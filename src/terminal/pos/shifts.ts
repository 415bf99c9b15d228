import type Database from 'better-sqlite3';
import type { CashierSession, ShiftInfo, ShiftReport } from '../../api/pos-api.js';
import type { ZReportPayload } from '../../api/sync.js';
import { schoolDay } from '../../core/datetime.js';
import { buildShiftReport, type ReportReceipt } from '../../core/shift-report.js';
import type { SqlPick } from '../db/rows.js';
import type { receipts, shifts } from '../db/schema.js';
import { uuidv7 } from '../ids.js';
import type { TerminalConfig } from './config.js';
import type { LedgerWriter } from './ledger-writer.js';
import type { ReceiptBook } from './receipts.js';

type ShiftRow = SqlPick<typeof shifts, 'id' | 'number' | 'first_seq' | 'opened_at' | 'opened_by' | 'closed_at'> & { opener_name: string };
type ShiftReceiptRow = SqlPick<typeof receipts, 'id' | 'seq' | 'number' | 'kind' | 'total' | 'subsidy'>;

/** Shifts and their X/Z reports (the shift is a range of receipt seqs; core/shift-report.ts adds them up). */
export class Shifts {
  /** The open shift, if any. */
  current: ShiftInfo | undefined;
  /** receipts.seq of the open shift's first receipt (reports read the shift as a seq range). */
  private firstSeq = 1;
  private readonly st;

  constructor(
    sqlite: Database.Database, private readonly config: TerminalConfig, private readonly receipts: ReceiptBook, private readonly ledger: LedgerWriter,
  ) {
    this.st = {
      open: sqlite.prepare<[], ShiftRow>(
        `SELECT s.id, s.number, s.first_seq, s.opened_at, s.opened_by, s.closed_at, coalesce(c.name, s.opened_by) AS opener_name
           FROM shifts s LEFT JOIN cashiers c ON c.id = s.opened_by WHERE s.closed_at IS NULL ORDER BY s.number DESC LIMIT 1`),
      maxNumber: sqlite.prepare<[], number | null>('SELECT max(number) FROM shifts').pluck(),
      insert: sqlite.prepare<[string, number, number, string, string]>(`INSERT INTO shifts (id, number, first_seq, opened_at, opened_by) VALUES (?,?,?,?,?)`),
      close: sqlite.prepare<[string, string, string, string]>(`UPDATE shifts SET closed_at = ?, closed_by = ?, z_report = ? WHERE id = ? AND closed_at IS NULL`),
      receipts: sqlite.prepare<[number, string], ShiftReceiptRow>(`SELECT id, seq, number, kind, total, subsidy FROM receipts WHERE seq >= ? AND shift_id = ? ORDER BY seq`),
    };
  }

  /** Re-reads the open shift (call after the receipts' counters were reloaded). */
  reload(): void {
    const open = this.st.open.get();
    this.current = open
      ? { id: open.id, number: open.number, openedAt: open.opened_at, openedBy: open.opener_name, ...(open.closed_at ? { closedAt: open.closed_at } : {}) }
      : undefined;
    this.firstSeq = open?.first_seq ?? this.receipts.nextSeq;
  }

  get state(): 'open' | 'closed' { return this.current ? 'open' : 'closed'; }

  open(session: CashierSession, openedAt: string): ShiftInfo {
    const id = uuidv7();
    const number = (this.st.maxNumber.get() ?? 0) + 1;
    this.st.insert.run(id, number, this.receipts.nextSeq, openedAt, session.cashierId);
    this.firstSeq = this.receipts.nextSeq;
    this.current = { id, number, openedAt, openedBy: session.name };
    return this.current;
  }

  report(kind: 'X' | 'Z', shift: ShiftInfo, generatedAt: string): ShiftReport {
    const receipts: ReportReceipt[] = this.st.receipts.all(this.firstSeq, shift.id).map((r) => ({
      seq: r.seq, number: r.number, kind: r.kind, total: r.total, subsidy: r.subsidy, lines: this.receipts.lines(r.seq),
    }));
    const { school, terminalName } = this.config;
    return buildShiftReport({ kind, shift, receipts, generatedAt, schoolName: school.name, terminalName, timeZone: school.time_zone });
  }

  /**
   * The Z report; undefined when the shift was closed meanwhile. The closing and a `zReport` entry
   * with the Z's figures are one transaction: the Z reaches the server through the outbox after
   * every entry of the shift, and the server reconciles it against them.
   */
  close(session: CashierSession, closedAt: string): ShiftReport | undefined {
    const shift = { ...this.current!, closedAt };
    const rep = this.report('Z', shift, closedAt);
    const closed = this.ledger.write(() => {
      if (this.st.close.run(closedAt, session.cashierId, JSON.stringify(rep), shift.id).changes !== 1) return false;
      this.ledger.append({
        kind: 'zReport', accountNumber: null, amount: 0, createdAt: closedAt, schoolDay: schoolDay(closedAt, this.config.school.time_zone),
        receiptSeq: null, shiftId: shift.id, cashierId: session.cashierId, cardId: null, payload: JSON.stringify(zReportPayload(rep)),
      });
      return true;
    });
    if (!closed) return undefined;
    this.current = undefined;
    return rep;
  }
}

/** What the server needs of a Z to reconcile it (src/api/sync.ts zReportPayloadSchema). */
export function zReportPayload(rep: ShiftReport): ZReportPayload {
  return {
    shiftNumber: rep.shift.number, openedAt: rep.shift.openedAt, closedAt: rep.generatedAt,
    salesCount: rep.salesCount, salesTotal: rep.salesTotal, subsidyTotal: rep.subsidyTotal,
    refundsCount: rep.refundsCount, refundsTotal: rep.refundsTotal,
    firstReceipt: rep.firstReceipt ?? null, lastReceipt: rep.lastReceipt ?? null,
  };
}
