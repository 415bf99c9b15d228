import type Database from 'better-sqlite3';
import type { Kopecks } from '../../core/money.js';
import { type EntryFacts, type StoredSums, UnfoldedSums } from '../account-sums.js';
import { IDLE_CHECKPOINT_MS, IdleCheckpointer } from '../db/checkpoint.js';
import type { SqlPick, SqlRow } from '../db/rows.js';
import type { accounts, entries } from '../db/schema.js';
import { uuidv7 } from '../ids.js';

export type EntryKind = SqlRow<typeof entries>['kind'];

/** One ledger entry as the till writes it (amount in signed kopecks; accountNumber null = the school's subsidy account). */
export interface NewEntry {
  kind: EntryKind;
  accountNumber: string | null;
  amount: Kopecks;
  createdAt: string;
  schoolDay: string;
  receiptSeq: number | null;
  shiftId: string | null;
  cashierId: string;
  cardId: string | null;
  payload: string;
}

/** The accounts columns a balance is computed from. */
export type BalanceRow = SqlPick<typeof accounts, 'server_balance' | 'server_seq' | 'local_sum'> & { account_number: string };

/**
 * The only code that inserts ledger entries, and the one balance read.
 *
 * A write runs in one SQLite transaction (a savepoint when nested); the entries it appended
 * reach the in-memory running sums (account-sums.ts) and the seq counter only once it
 * committed, so a rolled-back write leaves no trace. Balance rule: server snapshot + the
 * account's local entries after server_seq, i.e. the stored local_sum plus the newer entries
 * still in memory. Idle: fold those into the accounts' rows, then checkpoint the WAL.
 */
export class LedgerWriter {
  private nextSeq = 1;
  /** seq of the next entry inside the running write. */
  private writing = 0;
  private readonly unfolded = new UnfoldedSums();
  private readonly staged: EntryFacts[] = [];
  /**
   * Runs fn in one SQLite transaction. Made once: better-sqlite3's transaction() builds four
   * wrappers with their properties on every call, a measurable part of a sale's few tens of microseconds.
   */
  readonly atomically: <T>(fn: () => T) => T;
  /** WAL checkpoints between sales, not in a sale's commit (db/checkpoint.ts). */
  private readonly checkpointer: IdleCheckpointer;
  private readonly st;

  constructor(private readonly sqlite: Database.Database) {
    this.st = {
      // Positional parameters: binding an object by name costs a lookup per column on every sale.
      insertEntry: sqlite.prepare<[number, string, EntryKind, string | null, number, string, string, number | null, string | null, string, string | null, string]>(
        `INSERT INTO entries (seq, uuid, kind, account_number, amount, created_at, school_day, receipt_seq, shift_id, cashier_id, card_id, payload)
         VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`),
      accountBalance: sqlite.prepare<[string], BalanceRow>(
        `SELECT number AS account_number, server_balance, server_seq, local_sum FROM accounts WHERE number = ?`),
      maxSeq: sqlite.prepare<[], number | null>('SELECT max(seq) FROM entries').pluck(),
    };
    this.atomically = sqlite.transaction((fn: () => unknown) => fn()) as <T>(fn: () => T) => T;
    this.checkpointer = new IdleCheckpointer(sqlite, IDLE_CHECKPOINT_MS, () => this.fold());
    this.unfolded.load(sqlite);
    this.reload();
  }

  /** Re-reads the seq counter from the ledger. */
  reload(): void {
    this.nextSeq = (this.st.maxSeq.get() ?? 0) + 1;
  }

  /** Runs a ledger write (fn calls append) in one transaction; counters and sums move only after it commits. */
  write<T>(fn: () => T): T {
    this.staged.length = 0;
    this.writing = this.nextSeq;
    try {
      const out = this.atomically(fn);
      for (const e of this.staged) this.unfolded.add(e);
      if (this.unfolded.needsFold) this.fold();
      this.nextSeq = this.writing;
      this.checkpointer.touch();
      return out;
    } finally {
      this.staged.length = 0;
    }
  }

  /**
   * One ledger entry, inside write(). It is in the outbox from this moment (the outbox is the
   * ledger's tail past the acknowledged cursor, migration 0008). Returns the entry's seq.
   */
  append(e: NewEntry): number {
    const seq = this.writing++;
    this.st.insertEntry.run(seq, uuidv7(), e.kind, e.accountNumber, e.amount, e.createdAt, e.schoolDay, e.receiptSeq, e.shiftId,
      e.cashierId, e.cardId, e.payload);
    if (e.accountNumber !== null) this.staged.push({ seq, accountNumber: e.accountNumber, kind: e.kind, amount: e.amount, schoolDay: e.schoolDay });
    return seq;
  }

  /** The balance rule over an accounts row the caller already read (the card look-up joins it). */
  balance(row: BalanceRow): Kopecks {
    return row.server_balance + row.local_sum + this.unfolded.balanceDelta(row.account_number, row.server_seq);
  }

  /** An account's balance, or undefined when the till does not know the account. */
  balanceOf(accountNumber: string): Kopecks | undefined {
    const row = this.st.accountBalance.get(accountNumber);
    return row && this.balance(row);
  }

  /** Spending on `day` (sales − refunds): the stored part of the row and the unfolded entries. */
  spentToday(accountNumber: string, row: Pick<StoredSums, 'spent_day' | 'spent_today'>, day: string): Kopecks {
    return this.unfolded.spentToday(accountNumber, row, day);
  }

  /**
   * The terminal's idle work at once: the running sums folded into the accounts' rows and a WAL
   * checkpoint. The idle timer does it a second after the last write; call this before a clean shutdown.
   */
  idleWork(): void {
    this.checkpointer.flush();
  }

  /** Brings the accounts' stored running sums up to date (idle timer; account-sums.ts). */
  private fold(): void {
    try {
      this.unfolded.fold(this.sqlite, this.nextSeq - 1);
    } catch (err) {
      // Busy or closing: the entries stay in memory and fold at the next idle moment. Said, not
      // swallowed: a fold that keeps failing means the stored sums fall behind the ledger.
      console.warn(`terminal: running sums not folded yet (retried when idle): ${(err as Error)?.message ?? String(err)}`);
    }
  }
}
