// Over 400 lines on purpose: drizzle-kit generates the till's migrations from this one file, and its tables reference each other; split, the ledger's tables would import the roster's and back.
import { sql } from 'drizzle-orm';
import { blob, index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * The terminal's SQLite schema. Money columns are integer kopecks.
 * Migrations are generated from this file by drizzle-kit
 * (`npx drizzle-kit generate --config drizzle.terminal.config.ts`) into
 * migrations/terminal/ and applied when the database is opened.
 *
 * Ledger tables (receipts, receipt_lines, entries) are append-only: a mistake is
 * reversed by a new entry. The one exception is `receipts.refunded_by`, a
 * denormalised pointer written in the refund's own transaction.
 */

/** Key/value settings: terminal id and name, school id, receipt series, cabinet URL … */
export const settings = sqliteTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

export const schools = sqliteTable('schools', {
  id: text('id').primaryKey(),
  code: text('code').notNull(),
  name: text('name').notNull(),
  timeZone: text('time_zone').notNull().default('Europe/Moscow'),
  /** Positive kopecks an account may go below zero while offline; 0 = never. */
  overdraftLimit: integer('overdraft_limit').notNull().default(0),
  staleAfterMinutes: integer('stale_after_minutes').notNull().default(1440),
  cabinetUrl: text('cabinet_url').notNull().default(''),
  /** A dish with one of the pupil's allergens: 'confirm' (the cashier confirms) or 'refuse'. */
  allergenPolicy: text('allergen_policy', { enum: ['confirm', 'refuse'] }).notNull().default('confirm'),
});

export const students = sqliteTable('students', {
  id: text('id').primaryKey(),
  schoolId: text('school_id').notNull(),
  fullName: text('full_name').notNull(),
  className: text('class_name').notNull(),
  accountNumber: text('account_number').notNull(),
  /** JSON array of allergen ids (src/core/allergens.ts). */
  allergies: text('allergies').notNull().default('[]'),
  /** The pupil's photo as the server sent it (a small JPEG/WebP); null = none. */
  photo: blob('photo', { mode: 'buffer' }),
  photoMime: text('photo_mime'),
}, (t) => [index('students_account_idx').on(t.accountNumber)]);

/**
 * Balance rule: shown balance = server_balance + Σ local entries of this
 * account with seq > server_seq (server_seq = highest seq of THIS terminal
 * the server balance already includes). A fresh terminal: server_balance is
 * the opening balance and server_seq 0.
 */
export const accounts = sqliteTable('accounts', {
  number: text('number').primaryKey(),
  studentId: text('student_id').notNull(),
  serverBalance: integer('server_balance').notNull().default(0),
  serverSeq: integer('server_seq').notNull().default(0),
  /**
   * Σ amounts of this account's local entries with seq > server_seq, for the entries up to
   * ledger_cursors.sums_through_seq: written behind the sale when the terminal is idle
   * (account-sums.ts, migration 0008), and recomputed by a trigger whenever anyone updates
   * server_seq. Readers add the newer entries (UnfoldedSums), so the balance is O(1).
   */
  localSum: integer('local_sum').notNull().default(0),
  /** Spending (sales − refunds) on `spent_day`, for the daily limit, kept the same way. */
  spentDay: text('spent_day'),
  spentToday: integer('spent_today').notNull().default(0),
  /** Parent's limit per school day, kopecks; null = none. */
  dailyLimit: integer('daily_limit'),
  hasPermanentPassword: integer('has_permanent_password', { mode: 'boolean' }).notNull().default(false),
  /**
   * When THIS terminal issued a temporary cabinet password for the account (printed on a
   * sale receipt or by a manager). The server keeps reporting has_permanent_password = 0
   * until the parent sets one, so without this the login block would print on every sale.
   * A pull's upsert leaves the column alone.
   */
  tempPasswordIssuedAt: text('temp_password_issued_at'),
  /**
   * What the server knew other tills did on `elsewhere_day` (pull's accounts[].today): their
   * spending and whether they gave the benefit meal. This till adds its own entries on top.
   */
  elsewhereDay: text('elsewhere_day'),
  spentElsewhere: integer('spent_elsewhere').notNull().default(0),
  benefitElsewhere: integer('benefit_elsewhere', { mode: 'boolean' }).notNull().default(false),
  /**
   * Kopecks the parents' open meal pre-orders hold on the account (pull's accounts[].reserved, docs/orders.md):
   * доступно = balance − reserved, and a sale may not spend it (core/sale.ts). 0 from a server that does not send it.
   */
  reserved: integer('reserved').notNull().default(0),
  updatedAt: text('updated_at'),
});

export const cards = sqliteTable('cards', {
  /** Canonical id: "EM:55007EE424", "MF:BCD14264". */
  id: text('id').primaryKey(),
  accountNumber: text('account_number').notNull(),
  state: text('state', { enum: ['active', 'blocked', 'lost'] }).notNull().default('active'),
  updatedAt: text('updated_at'),
}, (t) => [index('cards_account_idx').on(t.accountNumber)]);

/**
 * The ids other kinds of reader give for a stored card (`cardIdAliases` in
 * src/core/card-id.ts, without the card's own id): a keyboard-wedge or HID
 * reader's DEC:/HEX:/W26: read finds its card through the primary key here instead
 * of a scan. Written with the card by loadSchool and applyPull (src/terminal/card-aliases.ts);
 * a file from before migration 0006 is backfilled when it is opened. W26 carries only
 * 24 bits, so one alias may name two cards: the terminal then refuses, it never picks one.
 */
export const cardAliases = sqliteTable('card_aliases', {
  alias: text('alias').notNull(),
  cardId: text('card_id').notNull(),
}, (t) => [primaryKey({ columns: [t.alias, t.cardId] })]);

export const menuCategories = sqliteTable('menu_categories', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  sort: integer('sort').notNull().default(0),
});

export const dishes = sqliteTable('dishes', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  price: integer('price').notNull(),
  categoryId: text('category_id').notNull(),
  hotkey: text('hotkey'),
  sort: integer('sort').notNull().default(0),
  active: integer('active', { mode: 'boolean' }).notNull().default(true),
  /** JSON array of allergen ids. */
  allergens: text('allergens').notNull().default('[]'),
});

export const mealSets = sqliteTable('meal_sets', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  price: integer('price').notNull(),
  categoryId: text('category_id').notNull(),
  hotkey: text('hotkey'),
  sort: integer('sort').notNull().default(0),
  active: integer('active', { mode: 'boolean' }).notNull().default(true),
  /** JSON array of dish ids the set consists of (informational). */
  dishIds: text('dish_ids').notNull().default('[]'),
  /** JSON array of allergen ids (the set's own and its dishes', as the server sends them). */
  allergens: text('allergens').notNull().default('[]'),
});

export const benefitCategories = sqliteTable('benefit_categories', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
});

export const studentBenefits = sqliteTable('student_benefits', {
  studentId: text('student_id').notNull(),
  benefitCategoryId: text('benefit_category_id').notNull(),
}, (t) => [primaryKey({ columns: [t.studentId, t.benefitCategoryId] })]);

export const entitlementRules = sqliteTable('entitlement_rules', {
  id: text('id').primaryKey(),
  benefitCategoryId: text('benefit_category_id').notNull(),
  mealSetId: text('meal_set_id').notNull(),
  /** What the parents pay for the set, kopecks; the budget pays price − parentPays. */
  parentPays: integer('parent_pays').notNull(),
});

/** Dishes/meal sets (target_kind 'item') or menu categories ('category') a parent has barred. */
export const barredItems = sqliteTable('barred_items', {
  accountNumber: text('account_number').notNull(),
  targetKind: text('target_kind', { enum: ['item', 'category'] }).notNull(),
  targetId: text('target_id').notNull(),
}, (t) => [primaryKey({ columns: [t.accountNumber, t.targetKind, t.targetId] })]);

export const cashiers = sqliteTable('cashiers', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  role: text('role', { enum: ['cashier', 'manager'] }).notNull(),
  /** argon2id PHC string. */
  pinHash: text('pin_hash').notNull(),
  active: integer('active', { mode: 'boolean' }).notNull().default(true),
});

export const shifts = sqliteTable('shifts', {
  id: text('id').primaryKey(),
  number: integer('number').notNull().unique(),
  /**
   * receipts.seq of the shift's first receipt (the next seq when it opened).
   * Shifts never overlap, so a shift's receipts are the seq range from here:
   * reports read that range instead of the sale path keeping a shift index.
   */
  firstSeq: integer('first_seq').notNull().default(1),
  openedAt: text('opened_at').notNull(),
  openedBy: text('opened_by').notNull(),      // cashier id
  closedAt: text('closed_at'),
  closedBy: text('closed_by'),
  /** The Z report as JSON, written when the shift closes. */
  zReport: text('z_report'),
});

/*
 * The sale path's tables are lean on purpose (migration 0004): each b-tree a
 * sale touches is one more page in the WAL commit, and the commit is what a
 * sale costs. Ledger rows are keyed by their gapless seq (INTEGER PRIMARY KEY
 * = the rowid, so no separate key index); UUIDs stay as plain columns where
 * the wire or the API needs them; indexes exist only for reads that need them.
 */
export const receipts = sqliteTable('receipts', {
  /** Gapless per terminal, starts at 1; the rowid. The number is formatReceiptNumber(school, seq, series). */
  seq: integer('seq').primaryKey({ autoIncrement: false }),
  /**
   * UUIDv7: the API's receiptId and the receipt's id on the server. Made strictly increasing
   * with seq (src/terminal/ids.ts), so look-ups by id search the seq b-tree: no index here.
   */
  id: text('id').notNull(),
  number: text('number').notNull(),            // "24-000001"
  kind: text('kind', { enum: ['sale', 'refund'] }).notNull(),
  /**
   * Client-made idempotency key of sell(); null for refunds. Not indexed (migration 0008): the
   * service keeps the keys of the last IDEMPOTENCY_WINDOW receipts in memory, loaded from here at start.
   */
  saleId: text('sale_id'),
  shiftId: text('shift_id').notNull(),
  cashierId: text('cashier_id').notNull(),
  accountNumber: text('account_number').notNull(),
  cardId: text('card_id'),
  total: integer('total').notNull(),           // charged to the account (positive)
  subsidy: integer('subsidy').notNull().default(0),
  issuedAt: text('issued_at').notNull(),
  schoolDay: text('school_day').notNull(),
  refundOf: text('refund_of'),
  refundedBy: text('refunded_by'),
  /** For a refund: the number of the receipt it reverses (printed on it). */
  refundOfNumber: text('refund_of_number'),
  /** What the printed receipt says beyond the other columns and its lines (src/terminal/receipt-doc.ts). */
  pupilName: text('pupil_name'),                // "И. И. И." (initials only; "Иванов И.И." before)
  className: text('class_name'),
  cashierName: text('cashier_name'),
  balanceAfter: integer('balance_after'),
  /**
   * The ReceiptDoc as JSON, only in receipts written before migration 0008; newer ones are built
   * from the columns above and receipt_lines (a sale's commit stays a few hundred bytes smaller).
   */
  doc: text('doc'),
}, (t) => [
  // Only benefit sales need "used today" look-ups; other sales never touch this index.
  index('receipts_benefit_day_idx').on(t.accountNumber, t.schoolDay).where(sql`subsidy > 0 AND kind = 'sale'`),
]);

/**
 * Clustered by (receipt_seq, line_no) through the rowid: id = receipt_seq * LINE_KEY_SPAN + line_no,
 * so a sale appends to one b-tree and a receipt's lines are one rowid range (see migration 0004
 * for why not WITHOUT ROWID).
 */
export const LINE_KEY_SPAN = 1024; // > 2 × MAX_LINES: a benefit line can split in two

/** The rowid range of a receipt's lines (receipt_lines.id = receipt_seq * LINE_KEY_SPAN + line_no). */
export function lineKeys(receiptSeq: number): [number, number] {
  return [receiptSeq * LINE_KEY_SPAN, receiptSeq * LINE_KEY_SPAN + LINE_KEY_SPAN - 1];
}
export const receiptLines = sqliteTable('receipt_lines', {
  id: integer('id').primaryKey({ autoIncrement: false }),
  receiptSeq: integer('receipt_seq').notNull(),
  lineNo: integer('line_no').notNull(),
  itemId: text('item_id').notNull(),
  itemKind: text('item_kind', { enum: ['dish', 'mealSet'] }).notNull(),
  name: text('name').notNull(),
  quantity: integer('quantity').notNull(),
  unitPrice: integer('unit_price').notNull(),
  amount: integer('amount').notNull(),         // paid by the account
  subsidy: integer('subsidy').notNull().default(0),
  /** Set when this line used a benefit entitlement. */
  ruleId: text('rule_id'),
  /** Printed under the line ("льгота: бесплатно"); null for most lines. */
  note: text('note'),
});

/** The terminal's ledger: immutable entries convertible 1:1 to a SyncEntry (src/terminal/outbox.ts). */
export const entries = sqliteTable('entries', {
  /** Per-terminal, gapless, starts at 1; the rowid. */
  seq: integer('seq').primaryKey({ autoIncrement: false }),
  uuid: text('uuid').notNull(),                // UUIDv7, the server's dedup key (made here, never looked up here)
  kind: text('kind', { enum: ['sale', 'refund', 'subsidy', 'cabinetPassword', 'cardBlock', 'zReport', 'orderServed'] }).notNull(),
  /** null = the school's subsidy account. */
  accountNumber: text('account_number'),
  amount: integer('amount').notNull(),         // signed kopecks
  createdAt: text('created_at').notNull(),
  schoolDay: text('school_day').notNull(),
  /** receipts.seq of the receipt this entry belongs to (sale, refund, subsidy). */
  receiptSeq: integer('receipt_seq'),
  shiftId: text('shift_id'),
  cashierId: text('cashier_id'),
  cardId: text('card_id'),
  /**
   * The entry's own payload fields. For entries with a receipt the receipt
   * (number, lines, totals) is NOT copied here: outbox.ts adds it from
   * receipts/receipt_lines when it builds the SyncEntry (rows written before
   * migration 0004 still carry a copy under `receipt`, which the wire form replaces).
   */
  payload: text('payload').notNull().default('{}'),
});

/**
 * Where two consumers of the append-only ledger have got to; one row (id = 1).
 *
 * The outbox is the ledger's tail, Replicache-style: the entries with seq > outbox_acked_seq
 * are the ones the server has not acknowledged (seqs are gapless per terminal and the server
 * acknowledges a contiguous run, so one number says it all). Migration 0008 replaced the
 * outbox table, which a sale wrote a row and an index entry into, by this cursor and the
 * `outbox` view (seq, entry_uuid, status): a sale's entry is in the outbox by construction,
 * in the same transaction, and the outbox can never disagree with the ledger.
 *
 * print_jobs_through_seq is the last receipts.seq whose original print job is in print_jobs.
 * A receipt beyond it is implied to be queued: the print queue materialises its job (id = the
 * receipt's id) before printing (print-queue-store.ts), outside the sale's commit.
 */
export const ledgerCursors = sqliteTable('ledger_cursors', {
  id: integer('id').primaryKey(),
  /** Every entry with seq <= this is stored on the server (its ackSeq, capped at our newest entry). */
  outboxAckedSeq: integer('outbox_acked_seq').notNull().default(0),
  printJobsThroughSeq: integer('print_jobs_through_seq').notNull().default(0),
  /** The accounts' running sums (local_sum, spent_*) include the entries up to this seq (account-sums.ts). */
  sumsThroughSeq: integer('sums_through_seq').notNull().default(0),
});

/** One cursor of ledger_cursors as an SQL scalar subquery, for the statements that read the ledger's tail. */
export function ledgerCursor(column: 'outbox_acked_seq' | 'print_jobs_through_seq' | 'sums_through_seq'): string {
  return `(SELECT ${column} FROM ledger_cursors WHERE id = 1)`;
}

/** Sync helper's key/value state: pull cursor, last sync time, last ackSeq … */
export const syncState = sqliteTable('sync_state', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
  updatedAt: text('updated_at').notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
});

/**
 * Persisted print queue (the printer helper prints it). A sale's own receipt job is implied by
 * the receipt until the queue writes it (ledger_cursors.print_jobs_through_seq, migration 0008).
 * A sale's receipt job does not copy the receipt (migration 0007): payload is NULL and
 * receipt_seq points at the stored receipt, whose doc the queue builds when it prints. Jobs whose
 * printed document differs from the stored one (a receipt with a temporary cabinet
 * password, reports, cabinetLogin slips, reprints) keep their own payload.
 * The table is WITHOUT ROWID on id (migration 0007; drizzle cannot express it, so a migration
 * that rebuilds this table must keep it): one b-tree instead of a table plus its id index.
 */
export const printJobs = sqliteTable('print_jobs', {
  id: text('id').primaryKey(),                 // UUIDv7
  receiptId: text('receipt_id'),
  /** receipts.seq of the receipt to print when payload is NULL. */
  receiptSeq: integer('receipt_seq'),
  kind: text('kind', { enum: ['receipt', 'report', 'cabinetLogin'] }).notNull(),
  /** ReceiptDoc (receipt, cabinetLogin) or ShiftReport (report), JSON; NULL = the receipt of receipt_seq. */
  payload: text('payload'),
  status: text('status', { enum: ['queued', 'printing', 'printed', 'failed'] }).notNull().default('queued'),
  attempts: integer('attempts').notNull().default(0),
  lastError: text('last_error'),
  copy: integer('copy', { mode: 'boolean' }).notNull().default(false),
  createdAt: text('created_at').notNull(),
  printedAt: text('printed_at'),
}, (t) => [
  // Partial: only jobs still to print (queued or printing) are in it, so it stays a page or two;
  // the idle worker's "next job" and the pending count read it.
  index('print_jobs_pending_idx').on(t.createdAt, t.id).where(sql`status IN ('queued','printing')`),
]);

/**
 * «Выдача по заявке» (issue 15): the school's meal sittings and the fixed order lines of today and the days
 * ahead the server has fixed, as the pull sends them (src/api/sync.ts pullOrdersSchema). Reference data:
 * a pull replaces a day's lines whole; days before today are dropped.
 */
export const orderSittings = sqliteTable('order_sittings', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  kind: text('kind').notNull(),
  startsAt: text('starts_at').notNull(),
  endsAt: text('ends_at').notNull(),
  sort: integer('sort').notNull().default(0),
  /** JSON array of the classes that eat at this sitting (the pull's config): listed even on a day with no lines. */
  classNames: text('class_names').notNull().default('[]'),
});

export const orderLines = sqliteTable('order_lines', {
  /** The server's order line id: the orderServed entry names it. */
  id: text('id').primaryKey(),
  day: text('day').notNull(),
  className: text('class_name').notNull(),
  sittingId: text('sitting_id').notNull(),
  studentId: text('student_id').notNull(),
  accountNumber: text('account_number'),
  mealSetId: text('meal_set_id').notNull(),
  mealSetName: text('meal_set_name').notNull(),
  /** JSON array of the set's dish names. */
  dishes: text('dishes').notNull().default('[]'),
  parentAmount: integer('parent_amount').notNull(),
  subsidyAmount: integer('subsidy_amount').notNull(),
  reversed: integer('reversed', { mode: 'boolean' }).notNull().default(false),
}, (t) => [
  index('order_lines_day_class_idx').on(t.day, t.className, t.sittingId),
  index('order_lines_day_account_idx').on(t.day, t.accountNumber),
]);

/**
 * Lines known to be served: marked here (entry_seq = this till's orderServed entry, written in the
 * same transaction) or by another till (entry_seq null, from the pull). One row per line: a line is
 * marked once on this till whatever is tapped twice.
 */
export const orderServed = sqliteTable('order_served', {
  lineId: text('line_id').primaryKey(),
  day: text('day').notNull(),
  entrySeq: integer('entry_seq'),
  servedAt: text('served_at').notNull(),
});

export type PrintJobKind = 'receipt' | 'report' | 'cabinetLogin';
export const schema = {
  settings, schools, students, accounts, cards, cardAliases, menuCategories, dishes, mealSets, benefitCategories,
  studentBenefits, entitlementRules, barredItems, cashiers, shifts, receipts, receiptLines, entries,
  ledgerCursors, syncState, printJobs, orderSittings, orderLines, orderServed,
};
