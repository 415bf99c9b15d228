import { sql, type SQL } from 'drizzle-orm';
import type { SyncEntry } from '../../api/sync.js';
import { RuleBook, type PreviousFact, type RuleReceipt, type SaleFact } from '../../core/ledger-rules.js';
import { schoolDay } from '../../core/datetime.js';
import { addDays, startOfDay } from '../../core/period.js';
import { query, type Tx } from '../db/open.js';
import { textArray, zipRows } from '../db/bulk.js';
import type { Claim } from './claim.js';
import type { TerminalIdentity } from './push.js';

// What the ledger rules need to know of the stored ledger for a push (and for reconcile): the sales
// that refunds name, the till's previous entry, the day's spending of accounts with a daily limit.

/** What the push checks sales against (the school's row). */
export interface SchoolRules { overdraftLimit: number; timeZone: string; maxEntryAmount: number }

/** A sale's or refund's payload as the ledger rules read it. */
export function ruleReceipt(p: { receiptId: string; total: number; subsidy: number; lines: RuleReceipt['lines']; refundOf?: unknown }): RuleReceipt {
  return { receiptId: p.receiptId, total: p.total, subsidy: p.subsidy, lines: p.lines, refundOf: typeof p.refundOf === 'string' ? p.refundOf : null };
}

/**
 * The ledger rules for a run, seeded with what they need from the stored ledger, in one round trip
 * and only when the run needs it (no refund and no leading subsidy entry: none): the sales the run's
 * refunds name (and whether each was refunded), the refunds' receipt ids already taken, and the
 * till's previous entry when the run starts with a subsidy entry. The refunds' accounts are locked
 * by the claim (a refund is on its sale's account), so no other push refunds those sales meanwhile.
 */
export async function ruleBookFor(tx: Tx, terminal: TerminalIdentity, todo: SyncEntry[], school: SchoolRules): Promise<RuleBook> {
  const settings = { maxEntryAmount: school.maxEntryAmount };
  const refundOf: string[] = [];
  const refundIds: string[] = [];
  for (const e of todo) {
    if (e.kind !== 'refund') continue;
    if (typeof e.payload.refundOf === 'string') refundOf.push(e.payload.refundOf);
    if (typeof e.payload.receiptId === 'string') refundIds.push(e.payload.receiptId);
  }
  const prevSeq = todo[0]?.kind === 'subsidy' ? todo[0].seq - 1 : 0;
  if (!refundOf.length && !refundIds.length && prevSeq < 1) return new RuleBook(settings);
  const ctx = await readRuleContext(tx, terminal.schoolId, { refundOf, refundIds, previous: prevSeq >= 1 ? { terminalId: terminal.id, seq: prevSeq } : null });
  return new RuleBook(settings, { sales: ctx.sales, previous: ctx.previous, takenReceipts: ctx.taken });
}

/**
 * What the ledger rules need to know of the stored ledger, in one statement (used by push and reconcile):
 * - `sales`: the sale receipts with these ids whose entry applied, and whether a refund receipt names each;
 * - `taken`: which of `refundIds` are already receipt ids;
 * - `previous`: the entry a till stored under `previous.seq`, if it applied, with its receipt's subsidy.
 */
export async function readRuleContext(
  tx: Tx, schoolId: string,
  want: { refundOf: string[]; refundIds?: string[]; previous?: { terminalId: string; seq: number } | null },
): Promise<{ sales: SaleFact[]; taken: string[]; previous: PreviousFact | null }> {
  const parts: SQL[] = [];
  if (want.refundOf.length) {
    parts.push(sql`SELECT 's' AS k, r.id, r.account_number AS account, r.total, r.subsidy, NULL::text AS kind,
        EXISTS (SELECT 1 FROM receipts x WHERE x.school_id = ${schoolId} AND x.refund_of = r.id AND x.kind = 'refund') AS refunded
      FROM receipts r
      JOIN entry_ids i ON i.uuid = r.entry_uuid
      JOIN entries e ON e.school_id = ${schoolId} AND e.created_at = i.created_at AND e.uuid = r.entry_uuid AND e.applied
      WHERE r.school_id = ${schoolId} AND r.kind = 'sale' AND r.id = ANY(${textArray(want.refundOf)}::text[])`);
  }
  if (want.refundIds?.length) {
    parts.push(sql`SELECT 't', id, NULL, NULL, NULL, NULL, NULL FROM receipts
      WHERE school_id = ${schoolId} AND id = ANY(${textArray(want.refundIds)}::text[])`);
  }
  if (want.previous) {
    parts.push(sql`SELECT 'p', r.id, NULL, NULL, r.subsidy, e.kind, NULL
      FROM entry_ids i
      JOIN entries e ON e.school_id = i.school_id AND e.created_at = i.created_at AND e.uuid = i.uuid AND e.applied
      LEFT JOIN receipts r ON r.school_id = e.school_id AND r.id = e.receipt_id AND r.entry_uuid = e.uuid
      WHERE i.terminal_id = ${want.previous.terminalId} AND i.seq = ${want.previous.seq} AND i.school_id = ${schoolId}`);
  }
  const out = { sales: [] as SaleFact[], taken: [] as string[], previous: null as PreviousFact | null };
  if (!parts.length) return out;
  const rows = await query<{ k: 's' | 't' | 'p'; id: string | null; account: string | null; total: number | null; subsidy: number | null; kind: string | null; refunded: boolean | null }>(
    tx, sql.join(parts, sql` UNION ALL `));
  for (const r of rows) {
    if (r.k === 's') out.sales.push({ receiptId: r.id!, accountNumber: r.account, total: Number(r.total), subsidy: Number(r.subsidy), refunded: !!r.refunded });
    else if (r.k === 't') out.taken.push(r.id!);
    else out.previous = { kind: r.kind!, receiptId: r.id, subsidy: Number(r.subsidy ?? 0) };
  }
  return out;
}

/**
 * For the daily-limit check: what each limited account of the run spent on the school days of
 * the run's sales (sales minus refunds, any terminal, entries already stored), keyed account → day.
 * The day is the school's calendar day of the entry's createdAt, as the terminal reckons it
 * (schoolDay in the school's time zone). The accounts are locked by the claim, so no other push
 * moves these sums until this one commits. One round trip, and none when no sale has a limit.
 */
export async function spentOnSaleDays(
  tx: Tx, schoolId: string, todo: SyncEntry[], accountRows: Claim['accounts'], timeZone: string,
): Promise<Map<string, Map<string, { day: string; spent: number }>>> {
  const out = new Map<string, Map<string, { day: string; spent: number }>>();
  const acc: string[] = [], days: string[] = [], from: string[] = [], to: string[] = [];
  for (const e of todo) {
    if (e.kind !== 'sale' || !e.accountNumber || accountRows.get(e.accountNumber)?.dailyLimit == null) continue;
    const day = schoolDay(e.createdAt, timeZone);
    let byDay = out.get(e.accountNumber);
    if (!byDay) out.set(e.accountNumber, byDay = new Map<string, { day: string; spent: number }>());
    if (byDay.has(day)) continue;
    byDay.set(day, { day, spent: 0 });
    acc.push(e.accountNumber); days.push(day);
    from.push(startOfDay(day, timeZone).toISOString()); to.push(startOfDay(addDays(day, 1), timeZone).toISOString());
  }
  if (!acc.length) return out;
  const rows = await query<{ a: string; d: string; spent: number | string }>(tx, sql`
    SELECT t.a, t.d, (SELECT coalesce(-sum(e.amount), 0) FROM entries e
      WHERE e.school_id = ${schoolId} AND e.account_number = t.a AND e.created_at >= t.f AND e.created_at < t.u
        AND e.kind IN ('sale', 'refund') AND e.applied) AS spent
    FROM ${zipRows('t', [['a', 'text', acc], ['d', 'text', days], ['f', 'timestamptz', from], ['u', 'timestamptz', to]])}`);
  for (const r of rows) out.get(r.a)!.get(r.d)!.spent = Number(r.spent);
  return out;
}
