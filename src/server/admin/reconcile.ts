import { sql } from 'drizzle-orm';
import { refundPayloadSchema, salePayloadSchema } from '../../api/sync.js';
import {
  DEFAULT_MAX_ENTRY_AMOUNT, RuleBook, type RuleEntry, type RuleId, type RuleReceipt, type RuleLine, type SaleFact,
} from '../../core/ledger-rules.js';
import { query, type Tx } from '../db/open.js';
import { readRuleContext } from '../ledger/rule-context.js';

export interface Difference { accountNumber: string; schoolId: string; balance: number; sum: number; difference: number }

/** An applied entry of a till that breaks a ledger rule (src/core/ledger-rules.ts). */
export interface RuleViolation {
  schoolId: string; terminalId: string; seq: number; entryUuid: string; kind: string; accountNumber: string | null; amount: number;
  rule: RuleId; message: string;
}

export interface ReconcileResult {
  accounts: number;
  differences: Difference[];
  /** Till entries walked (applied or not). */
  entries: number;
  violations: RuleViolation[];
}

/**
 * Every account's running balance against the sum of its applied entries, and every applied entry
 * of a till against the ledger rules: a ledger can add up and still hold money no till may make
 * (a forged sale, a refund of nothing). The cap is checked against each school's current setting.
 */
export async function reconcile(db: Tx): Promise<ReconcileResult> {
  const rows = await query<{ account_number: string; school_id: string; balance: number; sum: string | number }>(db, sql`
    SELECT a.account_number, a.school_id, a.balance, COALESCE(e.sum, 0)::text AS sum
    FROM accounts a
    LEFT JOIN (SELECT account_number, sum(amount) AS sum FROM entries WHERE applied GROUP BY account_number) e
      ON e.account_number = a.account_number`);
  const differences: Difference[] = [];
  for (const r of rows) {
    const sum = Number(r.sum);
    if (sum !== Number(r.balance)) {
      differences.push({ accountNumber: r.account_number, schoolId: r.school_id, balance: Number(r.balance), sum, difference: Number(r.balance) - sum });
    }
  }
  const rules = await checkRules(db);
  return { accounts: rows.length, differences, ...rules };
}

interface WalkRow {
  terminal_id: string; seq: number; school_id: string; uuid: string; kind: string; account_number: string | null; amount: number;
  applied: boolean; receipt_id: string | null; payload: Record<string, unknown> | null;
  r_id: string | null; r_total: number | null; r_subsidy: number | null; r_refund_of: string | null; r_lines: RuleLine[] | string | null;
  max_entry_amount: number | null;
}

const PAGE = 2000;

/**
 * Walks every till's entries in seq order (a keyset over entry_ids (terminal_id, seq)), a page at a
 * time, with the same RuleBook the push uses: unapplied entries are walked too (a subsidy entry
 * leans on the entry before it) but only applied ones are reported. The sales that refunds name are
 * read per page (readRuleContext, as the push does) and kept per school; refunds are few.
 */
async function checkRules(db: Tx): Promise<{ entries: number; violations: RuleViolation[] }> {
  const violations: RuleViolation[] = [];
  const salesBySchool = new Map<string, Map<string, SaleFact>>();
  let after = { terminal: '', seq: 0 };
  let book: RuleBook | null = null;
  let current: { terminal: string; seq: number } | null = null;
  let walked = 0;
  for (;;) {
    const page = await query<WalkRow>(db, sql`
      SELECT i.terminal_id, i.seq, i.school_id, e.uuid, e.kind, e.account_number, e.amount, e.applied, e.receipt_id, e.payload,
        r.id AS r_id, r.total AS r_total, r.subsidy AS r_subsidy, r.refund_of AS r_refund_of,
        (SELECT json_agg(json_build_object('quantity', l.quantity, 'unitPrice', l.unit_price, 'amount', l.amount, 'subsidy', l.subsidy)
                ORDER BY l.line_no)
           FROM receipt_lines l WHERE l.school_id = r.school_id AND l.receipt_id = r.id) AS r_lines,
        s.max_entry_amount
      FROM entry_ids i
      JOIN entries e ON e.school_id = i.school_id AND e.created_at = i.created_at AND e.uuid = i.uuid
      LEFT JOIN receipts r ON r.school_id = e.school_id AND r.id = e.receipt_id AND r.entry_uuid = e.uuid
      LEFT JOIN schools s ON s.id = i.school_id
      WHERE i.terminal_id IS NOT NULL AND (i.terminal_id, i.seq) > (${after.terminal}, ${after.seq})
      ORDER BY i.terminal_id, i.seq
      LIMIT ${PAGE}`);
    if (!page.length) break;
    walked += page.length;
    const entries = page.map((r) => ({ row: r, ruled: ruleEntryOf(r) }));
    await loadRefundedSales(db, entries, salesBySchool);

    for (const { row, ruled } of entries) {
      const seq = Number(row.seq);
      if (!book || current?.terminal !== row.terminal_id) {
        let sales = salesBySchool.get(row.school_id);
        if (!sales) salesBySchool.set(row.school_id, sales = new Map<string, SaleFact>());
        book = new RuleBook({ maxEntryAmount: Number(row.max_entry_amount ?? DEFAULT_MAX_ENTRY_AMOUNT) }, { sales, remember: false });
      } else if (seq !== current.seq + 1) {
        book.gap();
      }
      current = { terminal: row.terminal_id, seq };
      const found = book.check(ruled);
      if (row.applied) {
        for (const v of found) {
          violations.push({
            schoolId: row.school_id, terminalId: row.terminal_id, seq, entryUuid: row.uuid, kind: row.kind,
            accountNumber: row.account_number, amount: Number(row.amount), rule: v.rule, message: v.message,
          });
        }
      }
      book.record(ruled, row.applied);
    }
    const last = page[page.length - 1]!;
    after = { terminal: last.terminal_id, seq: Number(last.seq) };
  }
  return { entries: walked, violations };
}

/** The stored entry as the rules read it: its receipt row when it has one, else its payload as sent. */
function ruleEntryOf(r: WalkRow): RuleEntry {
  const payload = r.payload ?? {};
  let receipt: RuleReceipt | null = null;
  if (r.r_id !== null) {
    const lines = typeof r.r_lines === 'string' ? JSON.parse(r.r_lines) as RuleLine[] : r.r_lines ?? [];
    receipt = {
      receiptId: r.r_id, total: Number(r.r_total), subsidy: Number(r.r_subsidy),
      lines: lines.map((l) => ({ quantity: Number(l.quantity), unitPrice: Number(l.unitPrice), amount: Number(l.amount), subsidy: Number(l.subsidy) })),
      refundOf: r.r_refund_of,
    };
  } else if (r.kind === 'sale' || r.kind === 'refund') {
    const parsed = (r.kind === 'sale' ? salePayloadSchema : refundPayloadSchema).safeParse(payload);
    if (parsed.success) {
      const p = parsed.data;
      receipt = { receiptId: p.receiptId, total: p.total, subsidy: p.subsidy, lines: p.lines, refundOf: typeof p.refundOf === 'string' ? p.refundOf : null };
    }
  }
  return {
    kind: r.kind, accountNumber: r.account_number, amount: Number(r.amount), receiptId: r.receipt_id,
    receipt: r.kind === 'sale' || r.kind === 'refund' ? receipt : null,
    subsidyOf: r.kind === 'subsidy' && typeof payload.receiptId === 'string' ? payload.receiptId : null,
  };
}

/**
 * The sales this page's applied refunds name, not yet known, read from the ledger. Whether a sale
 * was refunded is the walk's to find out (the refund itself is stored), so they start unrefunded.
 */
async function loadRefundedSales(
  db: Tx, page: { row: WalkRow; ruled: RuleEntry }[], salesBySchool: Map<string, Map<string, SaleFact>>,
): Promise<void> {
  const want = new Map<string, Set<string>>();
  for (const { row, ruled } of page) {
    const id = ruled.kind === 'refund' && row.applied ? ruled.receipt?.refundOf : null;
    if (!id || salesBySchool.get(row.school_id)?.has(id)) continue;
    let set = want.get(row.school_id);
    if (!set) want.set(row.school_id, set = new Set());
    set.add(id);
  }
  for (const [schoolId, ids] of want) {
    const { sales } = await readRuleContext(db, schoolId, { refundOf: [...ids] });
    let known = salesBySchool.get(schoolId);
    if (!known) salesBySchool.set(schoolId, known = new Map<string, SaleFact>());
    for (const s of sales) known.set(s.receiptId, { ...s, refunded: false });
  }
}
