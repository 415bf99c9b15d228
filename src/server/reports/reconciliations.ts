import { sql } from 'drizzle-orm';
import type { ReconciliationReport } from '../../api/admin/reports.js';
import { describeZDifferences, type ZDifference } from '../../core/z-reconcile.js';
import { formatMoney } from '../../core/money.js';
import { addDays } from '../../core/period.js';
import { query, type Tx } from '../db/open.js';
import { dayRange, num, schoolOf } from './range.js';
import { registrySection } from './registry-section.js';

const NONE = 'расхождений нет';
type Section = ReconciliationReport['sections'][number];

/**
 * The reconciliations of one school over a period, each with its differences or «расхождений нет»:
 * - till ↔ server: every shift with entries in the period, its Z as the till counted it against the
 *   server's count when it arrived (shift_reports), and shifts whose Z never arrived;
 * - balances ↔ entries: every account's running balance against the sum of its applied entries;
 * - server ↔ bank: every paid card payment has its one top-up entry (same id, account and amount) and
 *   every card top-up its paid payment; and every bank registry imported for a day of the period, line
 *   by line against the payments (registry-section.ts, the rules of registry-reconcile.ts);
 * - the daily closing balance of all the school's accounts = the day before's + the day's movement,
 *   and the last day's closing equals the accounts' balances when the period reaches today.
 */
export async function reconciliationReport(db: Tx, schoolId: string, from: string, to: string, now: Date): Promise<ReconciliationReport> {
  const school = await schoolOf(db, schoolId);
  const r = dayRange(from, to, school.time_zone);
  const sections: Section[] = [];

  const shifts = await query<{ terminal_id: string; terminal_name: string | null; shift_id: string; shift_number: number | null; closed_at: string | null;
    matches: boolean | null; differences: ZDifference[] | null; sales_count: number | null; sales_total: unknown }>(db, sql`
    WITH sh AS (
      SELECT DISTINCT e.terminal_id, e.shift_id FROM entries e
      WHERE e.school_id = ${schoolId} AND e.created_at >= ${r.lo}::timestamptz AND e.created_at < ${r.hi}::timestamptz
        AND e.terminal_id IS NOT NULL AND e.shift_id IS NOT NULL AND e.kind IN ('sale', 'refund'))
    SELECT sh.terminal_id, t.name AS terminal_name, sh.shift_id, z.shift_number, z.closed_at, z.matches, z.differences, z.sales_count, z.sales_total
    FROM sh LEFT JOIN shift_reports z ON z.school_id = ${schoolId} AND z.shift_id = sh.shift_id
    LEFT JOIN terminals t ON t.id = sh.terminal_id
    ORDER BY t.name, z.closed_at NULLS LAST`);
  const badShifts = shifts.filter((s) => s.matches !== true);
  sections.push({
    id: 'tillServer', title: 'Касса ↔ сервер (Z-отчёты по сменам)', ok: badShifts.length === 0,
    summary: badShifts.length === 0 ? NONE
      : `смен с расхождениями: ${badShifts.filter((s) => s.matches === false).length}, без Z-отчёта на сервере: ${badShifts.filter((s) => s.matches === null).length}`,
    rows: shifts.map((s) => ({
      till: s.terminal_name ?? s.terminal_id, shift: s.shift_number ?? '—', closedAt: s.closed_at ? new Date(s.closed_at).toISOString() : null,
      sales: s.sales_count ?? null, salesTotal: s.sales_total == null ? null : num(s.sales_total),
      result: s.matches === null ? 'Z-отчёт не поступил' : describeZDifferences(s.differences ?? []),
    })),
  });

  const balances = await query<{ account_number: string; balance: unknown; sum: unknown }>(db, sql`
    SELECT a.account_number, a.balance, coalesce(e.sum, 0) AS sum
    FROM accounts a
    LEFT JOIN (SELECT account_number, sum(amount) AS sum FROM entries WHERE school_id = ${schoolId} AND applied AND account_number IS NOT NULL
               GROUP BY account_number) e ON e.account_number = a.account_number
    WHERE a.school_id = ${schoolId} AND a.balance <> coalesce(e.sum, 0)
    ORDER BY a.account_number`);
  const [acc] = await query<{ n: unknown; total: unknown }>(db, sql`SELECT count(*) AS n, coalesce(sum(balance), 0) AS total FROM accounts WHERE school_id = ${schoolId}`);
  sections.push({
    id: 'balances', title: 'Остатки счетов ↔ сумма проводок', ok: balances.length === 0,
    summary: balances.length === 0 ? `${NONE} (счетов: ${num(acc?.n)}, сумма остатков ${formatMoney(num(acc?.total))})` : `счетов с расхождением: ${balances.length}`,
    rows: balances.map((b) => ({ accountNumber: b.account_number, balance: num(b.balance), entries: num(b.sum), difference: num(b.balance) - num(b.sum) })),
  });

  const bank = await query<{ id: string; account_number: string | null; amount: unknown; entry_account: string | null; entry_amount: unknown; problem: string }>(db, sql`
    WITH p AS (
      SELECT p.id, p.account_number, p.amount FROM cabinet_payments p JOIN accounts a ON a.account_number = p.account_number
      WHERE a.school_id = ${schoolId} AND p.status = 'paid' AND p.source NOT LIKE 'registry%'
        AND p.paid_at >= ${r.lo}::timestamptz AND p.paid_at < ${r.hi}::timestamptz),
    t AS (
      SELECT e.uuid, e.account_number, e.amount, e.payload->>'paymentId' AS payment_id FROM entries e
      WHERE e.school_id = ${schoolId} AND e.kind = 'topUp' AND e.applied AND e.created_at >= ${r.lo}::timestamptz AND e.created_at < ${r.hi}::timestamptz
        AND coalesce(e.payload->>'source', '') LIKE 'gateway%')
    SELECT coalesce(p.id, t.payment_id, t.uuid) AS id, p.account_number, p.amount, t.account_number AS entry_account, t.amount AS entry_amount,
           CASE WHEN t.uuid IS NULL THEN 'оплачено в банке, не зачислено'
                WHEN p.id IS NULL THEN 'зачислено без оплаченного платежа'
                ELSE 'другая сумма или счёт' END AS problem
    FROM p FULL JOIN t ON t.payment_id = p.id
    WHERE p.id IS NULL OR t.uuid IS NULL OR p.amount <> t.amount OR p.account_number <> t.account_number
    ORDER BY 1`);
  const [paid] = await query<{ n: unknown; total: unknown }>(db, sql`
    SELECT count(*) AS n, coalesce(sum(e.amount), 0) AS total FROM entries e
    WHERE e.school_id = ${schoolId} AND e.kind = 'topUp' AND e.applied AND e.created_at >= ${r.lo}::timestamptz AND e.created_at < ${r.hi}::timestamptz
      AND coalesce(e.payload->>'source', '') LIKE 'gateway%'`);
  sections.push({
    id: 'bank', title: 'Сервер ↔ банк (эквайринг)', ok: bank.length === 0,
    summary: bank.length === 0 ? `${NONE} (оплат картой: ${num(paid?.n)} на ${formatMoney(num(paid?.total))})` : `расхождений: ${bank.length}`,
    rows: bank.map((b) => ({
      paymentId: b.id, accountNumber: b.account_number ?? b.entry_account, paid: b.amount == null ? null : num(b.amount),
      credited: b.entry_amount == null ? null : num(b.entry_amount), problem: b.problem,
    })),
  });

  sections.push(await registrySection(db, schoolId, r.from, r.to));

  // Daily closing balance of all the school's pupil accounts: opening (all before the period), each day's movement.
  const days = await query<{ day: string; movement: unknown }>(db, sql`
    SELECT (e.created_at AT TIME ZONE ${school.time_zone})::date::text AS day, sum(e.amount) AS movement FROM entries e
    WHERE e.school_id = ${schoolId} AND e.applied AND e.account_number IS NOT NULL
      AND e.created_at >= ${r.lo}::timestamptz AND e.created_at < ${r.hi}::timestamptz
    GROUP BY 1`);
  const [open] = await query<{ before: unknown; all: unknown }>(db, sql`
    SELECT coalesce(sum(amount) FILTER (WHERE created_at < ${r.lo}::timestamptz), 0) AS before,
           coalesce(sum(amount) FILTER (WHERE created_at < ${r.hi}::timestamptz), 0) AS all
    FROM entries WHERE school_id = ${schoolId} AND applied AND account_number IS NOT NULL`);
  const byDay = new Map(days.map((d) => [d.day, num(d.movement)]));
  const closingRows: Section['rows'] = [];
  let closing = num(open?.before);
  for (let d = r.from; d <= r.to; d = addDays(d, 1)) {
    const movement = byDay.get(d) ?? 0;
    closingRows.push({ day: d, opening: closing, movement, closing: closing + movement });
    closing += movement;
  }
  const closingDiff = closing - num(open?.all);
  const reachesToday = startOfTomorrowPassed(r.hi, now);
  const balanceDiff = reachesToday ? closing - num(acc?.total) : 0;
  sections.push({
    id: 'closing', title: 'Остаток на конец дня = остаток на начало + движение за день', ok: closingDiff === 0 && balanceDiff === 0,
    summary: closingDiff === 0 && balanceDiff === 0
      ? `${NONE} (остаток на ${r.to}: ${formatMoney(closing)})`
      : `остаток по дням ${formatMoney(closing)}, по проводкам ${formatMoney(num(open?.all))}${reachesToday ? `, по счетам ${formatMoney(num(acc?.total))}` : ''}`,
    rows: closingRows,
  });
  return { schoolId, from: r.from, to: r.to, sections };
}

/** The period ends after now: its closing must equal the accounts' balances as they stand. */
function startOfTomorrowPassed(hi: string, now: Date): boolean {
  return Date.parse(hi) > now.getTime();
}
