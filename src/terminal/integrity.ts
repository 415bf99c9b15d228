import type Database from 'better-sqlite3';
import { formatReceiptNumber } from '../core/receipt-number.js';
import type { SqlPick, SqlRow } from './db/rows.js';
import type { accounts, ledgerCursors, receipts, schools, settings } from './db/schema.js';

/** Counts and sums the check computes per receipt (null: nothing to count). */
type Tally = number | null;
type ReceiptCheckRow = SqlPick<typeof receipts, 'id' | 'seq' | 'number' | 'kind' | 'total' | 'subsidy'> & {
  lines: Tally; line_amount: Tally; line_subsidy: Tally; entries: Tally; entry_amount: Tally; subsidy_entries: Tally; subsidy_amount: Tally; print_jobs: Tally;
};

/**
 * Ledger invariants a terminal database must satisfy at any moment, even
 * right after a crash: every receipt has its lines, its entry, its outbox row
 * and its print job; receipt numbers and entry seqs are gapless; each account's
 * entries add up to what its receipts say. Returns the problems found (empty = sound).
 *
 * Since migration 0008 the outbox and a sale's print job are cursors over the ledger:
 * an entry is in the `outbox` view by construction, and a receipt beyond
 * ledger_cursors.print_jobs_through_seq has an implied job. So the check is that the
 * cursors exist and point inside the ledger, that the view has a row for every entry,
 * that every receipt up to the print cursor has its job row, and that the accounts' stored
 * running sums equal the sums of the entries folded into them.
 */
export function checkIntegrity(sqlite: Database.Database): string[] {
  const problems: string[] = [];
  const one = (sql: string) => sqlite.prepare<[], number | null>(sql).pluck().get() ?? null;

  const ic = sqlite.prepare<[], string>(`PRAGMA integrity_check`).pluck().get();
  if (ic !== 'ok') problems.push(`sqlite integrity_check: ${ic}`);

  const rc = one('SELECT count(*) FROM receipts') ?? 0;
  const rmax = one('SELECT coalesce(max(seq), 0) FROM receipts') ?? 0;
  if (rc !== rmax) problems.push(`receipt numbers have gaps: ${rc} receipts, max seq ${rmax}`);
  const ec = one('SELECT count(*) FROM entries') ?? 0;
  const emax = one('SELECT coalesce(max(seq), 0) FROM entries') ?? 0;
  if (ec !== emax) problems.push(`entry seqs have gaps: ${ec} entries, max seq ${emax}`);

  const school = sqlite.prepare<[], SqlRow<typeof schools>['code']>(
    `SELECT s.code FROM schools s LEFT JOIN settings st ON st.key = 'school_id' WHERE st.value IS NULL OR s.id = st.value LIMIT 1`).pluck().get();
  const series = sqlite.prepare<[], SqlRow<typeof settings>['value']>(`SELECT value FROM settings WHERE key = 'receipt_series'`).pluck().get() ?? '';
  // Aggregates joined by key (not correlated subqueries): the ledger tables keep only the
  // indexes the sale path needs, and this must stay linear on a year of receipts.
  for (const r of sqlite.prepare<[], ReceiptCheckRow>(
    `WITH l AS (SELECT receipt_seq, count(*) AS n, sum(amount) AS amount, sum(subsidy) AS subsidy FROM receipt_lines GROUP BY receipt_seq),
          e AS (SELECT receipt_seq, kind, count(*) AS n, sum(amount) AS amount FROM entries WHERE receipt_seq IS NOT NULL GROUP BY receipt_seq, kind),
          p AS (SELECT receipt_id, count(*) AS n FROM print_jobs WHERE receipt_id IS NOT NULL GROUP BY receipt_id),
          c AS (SELECT print_jobs_through_seq AS through FROM ledger_cursors WHERE id = 1)
     SELECT r.id, r.seq, r.number, r.kind, r.total, r.subsidy,
            l.n AS lines, l.amount AS line_amount, l.subsidy AS line_subsidy,
            em.n AS entries, em.amount AS entry_amount, es.n AS subsidy_entries, es.amount AS subsidy_amount,
            CASE WHEN r.seq > c.through THEN 1 ELSE p.n END AS print_jobs
       FROM receipts r LEFT JOIN c ON 1
       LEFT JOIN l ON l.receipt_seq = r.seq
       LEFT JOIN e em ON em.receipt_seq = r.seq AND em.kind = r.kind
       LEFT JOIN e es ON es.receipt_seq = r.seq AND es.kind = 'subsidy'
       LEFT JOIN p ON p.receipt_id = r.id
      ORDER BY r.seq`).all()) {
    const sign = r.kind === 'sale' ? -1 : 1;
    if (school !== undefined && r.number !== formatReceiptNumber(school, r.seq, series)) problems.push(`receipt ${r.seq}: number ${r.number} does not match its seq`);
    if (!r.lines) problems.push(`receipt ${r.number} has no lines`);
    if ((r.line_amount ?? 0) !== r.total || (r.line_subsidy ?? 0) !== r.subsidy) problems.push(`receipt ${r.number}: lines do not add up to the total`);
    if (r.entries !== 1 || r.entry_amount !== sign * r.total) problems.push(`receipt ${r.number}: missing or wrong ${r.kind} entry`);
    if (r.subsidy !== 0 && (r.subsidy_entries !== 1 || r.subsidy_amount !== sign * r.subsidy)) problems.push(`receipt ${r.number}: missing subsidy entry`);
    if (!r.print_jobs) problems.push(`receipt ${r.number}: no print job`);
  }
  const cursors = sqlite.prepare<[], SqlPick<typeof ledgerCursors, 'outbox_acked_seq' | 'print_jobs_through_seq' | 'sums_through_seq'>>(
    'SELECT outbox_acked_seq, print_jobs_through_seq, sums_through_seq FROM ledger_cursors WHERE id = 1').get();
  if (!cursors) problems.push('ledger_cursors has no row: the outbox, the print queue and the running sums have lost their place');
  else {
    const { outbox_acked_seq: acked, print_jobs_through_seq: printed, sums_through_seq: sums } = cursors;
    if (acked < 0 || acked > emax) problems.push(`outbox cursor ${acked} is outside the ledger (entries 1..${emax})`);
    if (printed < 0 || printed > rmax) problems.push(`print cursor ${printed} is outside the receipts (1..${rmax})`);
    if (sums < 0 || sums > emax) problems.push(`running-sums cursor ${sums} is outside the ledger (entries 1..${emax})`);
  }
  // The stored running sums are derived: they must equal the folded entries' sums (account-sums.ts).
  const stale = sqlite.prepare<[], SqlPick<typeof accounts, 'number'> & { stored: number; derived: number }>(
    `WITH c AS (SELECT sums_through_seq AS t FROM ledger_cursors WHERE id = 1),
          e AS (SELECT e.account_number, sum(e.amount) AS s FROM entries e JOIN accounts a ON a.number = e.account_number, c
                 WHERE e.seq > a.server_seq AND e.seq <= c.t GROUP BY e.account_number)
     SELECT a.number, a.local_sum AS stored, coalesce(e.s, 0) AS derived FROM accounts a LEFT JOIN e ON e.account_number = a.number
      WHERE a.local_sum != coalesce(e.s, 0)`).all();
  for (const r of stale) problems.push(`account ${r.number}: stored local_sum ${r.stored} ≠ ${r.derived} from its entries`);
  const outboxRows = one('SELECT count(*) FROM outbox') ?? 0;
  if (outboxRows !== ec) problems.push(`${ec - outboxRows} entries have no outbox row`);
  const orphanEntries = one(`SELECT count(*) FROM entries e LEFT JOIN receipts r ON r.seq = e.receipt_seq WHERE e.kind IN ('sale','refund','subsidy') AND r.seq IS NULL`) ?? 0;
  if (orphanEntries) problems.push(`${orphanEntries} money entries have no receipt`);
  const mismatch = sqlite.prepare<[], { account_number: SqlRow<typeof accounts>['number']; entries: number; receipts: number }>(
    `WITH e AS (SELECT account_number, sum(amount) AS s FROM entries WHERE account_number IS NOT NULL GROUP BY account_number),
          r AS (SELECT account_number, sum(CASE kind WHEN 'sale' THEN -total ELSE total END) AS s FROM receipts GROUP BY account_number)
     SELECT a.number AS account_number, coalesce(e.s, 0) AS entries, coalesce(r.s, 0) AS receipts
       FROM accounts a LEFT JOIN e ON e.account_number = a.number LEFT JOIN r ON r.account_number = a.number`).all().filter((r) => r.entries !== r.receipts);
  for (const m of mismatch) problems.push(`account ${m.account_number}: entries ${m.entries} ≠ receipts ${m.receipts}`);
  return problems;
}
