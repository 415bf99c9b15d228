import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openTerminal, type Terminal } from '../../src/terminal/index.js';
import type { SyncSource } from '../../src/terminal/ports.js';
import { pendingPrintCount } from '../../src/terminal/print-queue-store.js';

export class TestClock {
  constructor(public t = new Date('2018-03-15T07:42:00Z')) {}
  now = () => new Date(this.t);
  advance(ms: number) { this.t = new Date(this.t.getTime() + ms); }
}

export async function demoTerminal(opts: { clock?: TestClock; sync?: SyncSource; dbPath?: string } = {}): Promise<Terminal & { clock: TestClock; dbPath: string }> {
  const clock = opts.clock ?? new TestClock();
  const dbPath = opts.dbPath ?? path.join(mkdtempSync(path.join(tmpdir(), 'canteen-term-')), 'terminal.db');
  const t = await openTerminal({ requireTap: false, dbPath, seed: true, clock, ...(opts.sync ? { sync: opts.sync } : {}) });
  return Object.assign(t, { clock, dbPath });
}

const TABLES = ['receipts', 'receipt_lines', 'entries', 'outbox', 'print_jobs', 'shifts'] as const;

/** Row counts of every table a write may touch, plus card states: equal snapshots = nothing written. */
export function snapshot(t: Terminal): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const tb of TABLES) out[tb] = t.sqlite.prepare(`SELECT count(*) FROM ${tb}`).pluck().get();
  out.cards = t.sqlite.prepare(`SELECT id, state FROM cards ORDER BY id`).all();
  out.shiftsClosed = t.sqlite.prepare(`SELECT count(*) FROM shifts WHERE closed_at IS NOT NULL`).pluck().get();
  out.refunded = t.sqlite.prepare(`SELECT count(*) FROM receipts WHERE refunded_by IS NOT NULL`).pluck().get();
  out.printPending = pendingPrintCount(t.sqlite)();
  out.cursors = t.sqlite.prepare(`SELECT outbox_acked_seq, print_jobs_through_seq, sums_through_seq FROM ledger_cursors`).get();
  return out;
}

/** Balance by the rule: server_balance + Σ entries after server_seq. */
export function balanceOf(t: Terminal, account: string): number {
  return t.sqlite.prepare(`SELECT a.server_balance + coalesce((SELECT sum(amount) FROM entries e WHERE e.account_number = a.number AND e.seq > a.server_seq), 0) FROM accounts a WHERE number = ?`).pluck().get(account) as number;
}
