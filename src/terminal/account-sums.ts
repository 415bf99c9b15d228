import type Database from 'better-sqlite3';
import type { SqlPick, SqlRow } from './db/rows.js';
import { ledgerCursor, type accounts, type entries } from './db/schema.js';

type Entry = SqlRow<typeof entries>;

/** What an entry contributes to its account's running sums. */
export interface EntryFacts {
  seq: Entry['seq'];
  accountNumber: NonNullable<Entry['account_number']>;
  kind: Entry['kind'];
  /** Signed kopecks. */
  amount: Entry['amount'];
  schoolDay: Entry['school_day'];
}

/** An account's running sums as stored on its row (everything up to ledger_cursors.sums_through_seq). */
export type StoredSums = SqlPick<typeof accounts, 'server_seq' | 'local_sum' | 'spent_day' | 'spent_today'>;

/** Folding above this many entries happens at once, not at the next idle moment (memory stays small). */
const FOLD_AT = 50_000;

/** The daily-limit rule of migration 0002's trigger: sales − refunds on the latest school day seen. */
function foldSpent(s: { day: string | null; spent: number }, e: EntryFacts): void {
  if (e.kind !== 'sale' && e.kind !== 'refund') return;
  if (s.day === null || e.schoolDay > s.day) { s.day = e.schoolDay; s.spent = -e.amount; }
  else if (e.schoolDay === s.day) s.spent -= e.amount;
}

/**
 * The running sums on `accounts` (local_sum: Σ entries after server_seq; spent_day/spent_today:
 * the daily limit) are written behind the sale, not in it: a sale's commit touches only the
 * ledger b-trees, and the accounts row (one more WAL page per sale when a trigger kept it,
 * migrations 0002 → 0008) is brought up to date when the terminal is idle.
 *
 * The rows hold the sums of the entries up to ledger_cursors.sums_through_seq; this class holds
 * the entries after it, per account, read from the ledger at start and added after each commit.
 * A reader combines both (`balanceDelta`, `spentToday`), so the numbers are the same as if the
 * rows were always current, and they stay derivable from the entries alone after any crash.
 */
/** One account's unfolded entries, with what readers need in O(log n). */
interface AccountTail {
  entries: EntryFacts[];
  /** prefix[i] = Σ amount of entries[0..i]: the part after a server_seq is a difference of two. */
  prefix: number[];
  /** The daily-limit state folded over all entries, from the stored row state it started from. */
  spent?: { fromDay: string | null; fromSpent: number; day: string | null; spent: number };
}

export class UnfoldedSums {
  private readonly byAccount = new Map<string, AccountTail>();
  private count = 0;

  /** Reads the entries after the cursor (a rowid range of the ledger's tail). */
  load(sqlite: Database.Database): void {
    this.byAccount.clear();
    this.count = 0;
    const rows = sqlite.prepare<[], [EntryFacts['seq'], EntryFacts['accountNumber'], EntryFacts['kind'], EntryFacts['amount'], EntryFacts['schoolDay']]>(
      `SELECT seq, account_number, kind, amount, school_day FROM entries
        WHERE seq > ${ledgerCursor('sums_through_seq')} AND account_number IS NOT NULL ORDER BY seq`,
    ).raw().all();
    for (const [seq, accountNumber, kind, amount, schoolDay] of rows) this.add({ seq, accountNumber, kind, amount, schoolDay });
  }

  /** Call after the entry's transaction committed, in seq order. */
  add(e: EntryFacts): void {
    let tail = this.byAccount.get(e.accountNumber);
    if (!tail) this.byAccount.set(e.accountNumber, tail = { entries: [], prefix: [] });
    tail.prefix.push((tail.prefix[tail.prefix.length - 1] ?? 0) + e.amount);
    tail.entries.push(e);
    if (tail.spent) foldSpent(tail.spent, e);
    this.count++;
  }

  get size(): number { return this.count; }
  get needsFold(): boolean { return this.count >= FOLD_AT; }

  /** Σ of the account's unfolded entries the server balance does not include yet (seq > server_seq). */
  balanceDelta(accountNumber: string, serverSeq: number): number {
    const tail = this.byAccount.get(accountNumber);
    if (!tail) return 0;
    const { entries, prefix } = tail;
    // Entries are in seq order: find how many have seq <= serverSeq.
    let lo = 0;
    let hi = entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (entries[mid]!.seq <= serverSeq) lo = mid + 1; else hi = mid;
    }
    return prefix[prefix.length - 1]! - (lo > 0 ? prefix[lo - 1]! : 0);
  }

  /** Spending on `day` (sales − refunds), stored part and unfolded part together. */
  spentToday(accountNumber: string, row: Pick<StoredSums, 'spent_day' | 'spent_today'>, day: string): number {
    const tail = this.byAccount.get(accountNumber);
    if (!tail) return row.spent_day === day ? row.spent_today : 0;
    let s = tail.spent;
    if (!s || s.fromDay !== row.spent_day || s.fromSpent !== row.spent_today) {
      // First look, or the stored state changed under it (apply-pull recomputed a re-created row).
      s = tail.spent = { fromDay: row.spent_day, fromSpent: row.spent_today, day: row.spent_day, spent: row.spent_today };
      for (const e of tail.entries) foldSpent(s, e);
    }
    return s.day === day ? s.spent : 0;
  }

  /**
   * Writes the unfolded entries into their accounts' rows and moves the cursor to `throughSeq` (the
   * newest entry: every entry up to it is in this object or folded already), in one transaction
   * (off the sale path: the idle timer, or a very long rush). An account row that no longer exists
   * (a full reset dropped it) is skipped: apply-pull recomputes a re-created row from the ledger.
   */
  fold(sqlite: Database.Database, throughSeq: number): number {
    const read = sqlite.prepare<[string], StoredSums>(`SELECT server_seq, local_sum, spent_day, spent_today FROM accounts WHERE number = ?`);
    const write = sqlite.prepare<[StoredSums['local_sum'], StoredSums['spent_day'], StoredSums['spent_today'], string]>(
      `UPDATE accounts SET local_sum = ?, spent_day = ?, spent_today = ? WHERE number = ?`);
    sqlite.transaction(() => {
      for (const [accountNumber, tail] of this.byAccount) {
        const row = read.get(accountNumber);
        if (!row) continue;
        const s = { day: row.spent_day, spent: row.spent_today };
        for (const e of tail.entries) foldSpent(s, e);
        write.run(row.local_sum + this.balanceDelta(accountNumber, row.server_seq), s.day, s.spent, accountNumber);
      }
      sqlite.prepare(`UPDATE ledger_cursors SET sums_through_seq = max(sums_through_seq, ?) WHERE id = 1`).run(throughSeq);
    })();
    const folded = this.count;
    this.byAccount.clear();
    this.count = 0;
    return folded;
  }
}
