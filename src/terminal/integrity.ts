import type Database from 'better-sqlite3';
import { formatReceiptNumber } from '../core/receipt-number.js';

/**
 * Ledger invariants a terminal database must satisfy at any moment, even
 * right after a crash: every receipt has its lines, its entry and an outbox
 * row; receipt numbers and entry seqs are gapless; each account's entries
 * add up to what its receipts say. Returns the problems found (empty = sound).
 */
export function checkIntegrity(sqlite: Database.Database): string[] {
  const problems: string[] = [];
  const q = <T>(sql: string, ...args: unknown[]) => sqlite.prepare(sql).all(...args) as T[];
  const one = (sql: string) => sqlite.prepare(sql).pluck().get() as number | null;

  const ic = one(`PRAGMA integrity_check`) as unknown as string;
  if (ic !== 'ok') problems.push(`sqlite integrity_check: ${ic}`);

  const rc = one('SELECT count(*) FROM receipts') ?? 0;
  const rmax = one('SELECT coalesce(max(seq), 0) FROM receipts') ?? 0;
  if (rc !== rmax) problems.push(`receipt numbers have gaps: ${rc} receipts, max seq ${rmax}`);
  const ec = one('SELECT count(*) FROM entries') ?? 0;
  const emax = one('SELECT coalesce(max(seq), 0) FROM entries') ?? 0;
  if (ec !== emax) problems.push(`entry seqs have gaps: ${ec} entries, max seq ${emax}`);

  const school = sqlite.prepare(`SELECT s.code FROM schools s LEFT JOIN settings st ON st.key = 'school_id' WHERE st.value IS NULL OR s.id = st.value LIMIT 1`).pluck().get() as string | undefined;
  const series = (sqlite.prepare(`SELECT value FROM settings WHERE key = 'receipt_series'`).pluck().get() as string | undefined) ?? '';
  for (const r of q<{ id: string; seq: number; number: string; kind: string; total: number; subsidy: number; lines: number; line_amount: number | null; line_subsidy: number | null; entry_amount: number | null; entries: number; subsidy_entries: number; subsidy_amount: number | null; print_jobs: number }>(
    `SELECT r.id, r.seq, r.number, r.kind, r.total, r.subsidy,
            (SELECT count(*) FROM receipt_lines l WHERE l.receipt_id = r.id) AS lines,
            (SELECT sum(amount) FROM receipt_lines l WHERE l.receipt_id = r.id) AS line_amount,
            (SELECT sum(subsidy) FROM receipt_lines l WHERE l.receipt_id = r.id) AS line_subsidy,
            (SELECT count(*) FROM entries e WHERE e.receipt_id = r.id AND e.kind = r.kind) AS entries,
            (SELECT sum(amount) FROM entries e WHERE e.receipt_id = r.id AND e.kind = r.kind) AS entry_amount,
            (SELECT count(*) FROM entries e WHERE e.receipt_id = r.id AND e.kind = 'subsidy') AS subsidy_entries,
            (SELECT sum(amount) FROM entries e WHERE e.receipt_id = r.id AND e.kind = 'subsidy') AS subsidy_amount,
            (SELECT count(*) FROM print_jobs p WHERE p.receipt_id = r.id) AS print_jobs
       FROM receipts r ORDER BY r.seq`)) {
    const sign = r.kind === 'sale' ? -1 : 1;
    if (school !== undefined && r.number !== formatReceiptNumber(school, r.seq, series)) problems.push(`receipt ${r.seq}: number ${r.number} does not match its seq`);
    if (r.lines === 0) problems.push(`receipt ${r.number} has no lines`);
    if ((r.line_amount ?? 0) !== r.total || (r.line_subsidy ?? 0) !== r.subsidy) problems.push(`receipt ${r.number}: lines do not add up to the total`);
    if (r.entries !== 1 || r.entry_amount !== sign * r.total) problems.push(`receipt ${r.number}: missing or wrong ${r.kind} entry`);
    if (r.subsidy !== 0 && (r.subsidy_entries !== 1 || r.subsidy_amount !== sign * r.subsidy)) problems.push(`receipt ${r.number}: missing subsidy entry`);
    if (r.print_jobs < 1) problems.push(`receipt ${r.number}: no print job`);
  }
  const noOutbox = one(`SELECT count(*) FROM entries e LEFT JOIN outbox o ON o.seq = e.seq AND o.entry_uuid = e.uuid WHERE o.seq IS NULL`) ?? 0;
  if (noOutbox) problems.push(`${noOutbox} entries have no outbox row`);
  const orphanOutbox = one(`SELECT count(*) FROM outbox o LEFT JOIN entries e ON e.uuid = o.entry_uuid WHERE e.uuid IS NULL`) ?? 0;
  if (orphanOutbox) problems.push(`${orphanOutbox} outbox rows have no entry`);
  const orphanEntries = one(`SELECT count(*) FROM entries e LEFT JOIN receipts r ON r.id = e.receipt_id WHERE e.kind IN ('sale','refund','subsidy') AND r.id IS NULL`) ?? 0;
  if (orphanEntries) problems.push(`${orphanEntries} money entries have no receipt`);
  const mismatch = q<{ account_number: string; entries: number; receipts: number }>(
    `SELECT a.number AS account_number,
            coalesce((SELECT sum(amount) FROM entries e WHERE e.account_number = a.number), 0) AS entries,
            coalesce((SELECT sum(CASE kind WHEN 'sale' THEN -total ELSE total END) FROM receipts r WHERE r.account_number = a.number), 0) AS receipts
       FROM accounts a`).filter((r) => r.entries !== r.receipts);
  for (const m of mismatch) problems.push(`account ${m.account_number}: entries ${m.entries} ≠ receipts ${m.receipts}`);
  return problems;
}
