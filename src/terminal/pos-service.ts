import type Database from 'better-sqlite3';
import { type Algorithm, hash } from '@node-rs/argon2';
import { randomInt } from 'node:crypto';
import type {
  CashierSession, Menu, MenuItem, PosApi, PupilInfo, ReceiptSummary, Role, SaleRequest, SaleResult,
  ShiftInfo, ShiftReport, TerminalStatus, CardState,
} from '../api/pos-api.js';
import type { Result } from '../api/result.js';
import { fail, ok } from '../api/result.js';
import { schoolDay } from '../core/datetime.js';
import type { Kopecks } from '../core/money.js';
import type { ReceiptDoc } from '../core/receipt.js';
import { receiptLine, shortName } from '../core/receipt.js';
import { formatReceiptNumber } from '../core/receipt-number.js';
import type { CatalogItem, Entitlement, PricedLine, PricedSale } from '../core/sale.js';
import { allowedOverdraft, bestEntitlements, cardStateError, normalizeCart, priceSale } from '../core/sale.js';
import { checkShiftAction } from '../core/shift.js';
import type { PinThrottleState } from '../core/pin-throttle.js';
import { parsePinThrottle, pinFailed, pinLockedMessage, pinWaitMs } from '../core/pin-throttle.js';
import type { ReportReceipt } from '../core/shift-report.js';
import { buildShiftReport } from '../core/shift-report.js';
import type { Clock, EventSink, ReaderSource, ReceiptPrinter, SyncSource } from './ports.js';
import { noEvents, simulatedReader, standAloneSync, systemClock } from './ports.js';
import { TablePrintQueue } from './print-jobs.js';
import { pendingCount } from './outbox.js';
import { RecentSaleKeys } from './sale-keys.js';
import { buildReceiptDoc, type ReceiptDocRow, type ReceiptHeader, ReceiptDocs } from './receipt-doc.js';
import { IDLE_CHECKPOINT_MS, IdleCheckpointer } from './db/checkpoint.js';
import { type EntryFacts, UnfoldedSums } from './account-sums.js';
import { SETTING } from './seed.js';
import { LINE_KEY_SPAN, lineKeys } from './db/schema.js';
import { MonotonicUuidV7, uuidv7 } from './ids.js';
import { verifyStaffPin } from './staff-pin.js';
import { formatReaderLine, parseCardId, type ParsedCardId } from '../core/card-id.js';

export interface PosServiceOptions {
  printer?: ReceiptPrinter;
  reader?: ReaderSource;
  sync?: SyncSource;
  emit?: EventSink;
  clock?: Clock;
  /** The school's PIN pepper from enrolment (base64url; src/terminal/staff-pin.ts). */
  pinPepper?: string;
}

const PIN_RE = /^\d{4,8}$/;
const ACCOUNT_RE = /^\d{10}$/;

interface SchoolRow { id: string; code: string; name: string; time_zone: string; overdraft_limit: number; stale_after_minutes: number; cabinet_url: string }
interface CardRow {
  card_id: string; state: CardState; account_number: string; server_balance: number; server_seq: number; local_sum: number;
  spent_day: string | null; spent_today: number;
  daily_limit: number | null; has_permanent_password: number; temp_password_issued_at: string | null;
  student_id: string; full_name: string; class_name: string;
}
interface ShiftRow { id: string; number: number; first_seq: number; opened_at: string; opened_by: string; closed_at: string | null; opener_name: string }
interface ReceiptRow extends ReceiptDocRow {
  id: string; card_id: string | null; refunded_by: string | null; shift_id: string; sale_id: string | null;
}
interface PupilContextFull {
  card: CardRow;
  balance: Kopecks;
  spentToday: Kopecks;
  benefitNames: string[];
  entitlements: Entitlement[];
  usedToday: Set<string>;
  barredItemIds: Set<string>;
  barredCategoryIds: Set<string>;
}

type PupilRules = Pick<PupilContextFull, 'benefitNames' | 'entitlements' | 'barredItemIds' | 'barredCategoryIds'> & { fullName: string; className: string };
/** Pupils whose rules are kept between pulls (a school has a few thousand; the map is simply emptied beyond this). */
const RULES_CACHE_MAX = 20_000;

/** Algorithm.Argon2id: a const enum, which isolatedModules cannot read at run time. */
const ARGON2ID = 2 as Algorithm;

const badInput = (message: string) => fail<never>('BAD_INPUT', message);

/**
 * The terminal service: PosApi over the local SQLite ledger.
 * Every write is one better-sqlite3 transaction; counters and the session
 * change in memory only after it commits, so a failed write leaves no trace.
 * Hot paths use prepared statements directly (drizzle owns schema and migrations).
 */
export class PosService implements PosApi {
  private readonly printer: ReceiptPrinter;
  private readonly reader: ReaderSource;
  private readonly sync: SyncSource;
  private readonly emit: EventSink;
  private readonly clock: Clock;

  private school!: SchoolRow;
  private terminalId = '';
  private terminalName = '';
  private receiptSeries = '';
  /** The school's and terminal's names on every receipt (reload()). */
  private header!: ReceiptHeader;
  private catalog = new Map<string, CatalogItem>();
  private menuCache: Menu = { categories: [], items: [] };

  /** receipts.seq of the open shift's first receipt (reports read the shift as a seq range). */
  private shiftFirstSeq = 1;
  private nextReceiptSeq = 1;
  private receiptIds = new MonotonicUuidV7();
  private nextEntrySeq = 1;
  private session: CashierSession | undefined;
  private pinThrottle: PinThrottleState | undefined;
  private shift: ShiftInfo | undefined;

  private readonly st: ReturnType<PosService['prepare']>;
  private readonly rulesCache = new Map<string, PupilRules>();
  /** Entries not yet in the accounts' stored running sums, and those being written (account-sums.ts). */
  private readonly unfolded = new UnfoldedSums();
  private readonly staged: EntryFacts[] = [];
  /** Stored receipts as ReceiptDocs (receipt-doc.ts). */
  private readonly docs: ReceiptDocs;
  /** sell()'s idempotency keys of the newest receipts (sale-keys.ts). */
  private readonly saleKeys = new RecentSaleKeys();
  /**
   * Runs fn in one SQLite transaction (a savepoint when nested). Made once: better-sqlite3's
   * transaction() builds four wrappers with their properties on every call, a measurable part
   * of a sale's few tens of microseconds.
   */
  private readonly atomically: <T>(fn: () => T) => T;
  /** WAL checkpoints between sales, not in a sale's commit (db/checkpoint.ts). */
  private readonly checkpointer: IdleCheckpointer;

  private readonly pinPepper: Buffer | undefined;

  constructor(private readonly sqlite: Database.Database, opts: PosServiceOptions = {}) {
    this.clock = opts.clock ?? systemClock;
    this.pinPepper = opts.pinPepper ? Buffer.from(opts.pinPepper, 'base64url') : undefined;
    this.printer = opts.printer ?? new TablePrintQueue(sqlite, this.clock);
    this.reader = opts.reader ?? simulatedReader;
    this.sync = opts.sync ?? standAloneSync;
    this.emit = opts.emit ?? noEvents;
    this.st = this.prepare();
    this.docs = new ReceiptDocs(sqlite);
    this.atomically = sqlite.transaction((fn: () => unknown) => fn()) as <T>(fn: () => T) => T;
    // Idle: fold the running sums into the accounts' rows, then checkpoint the WAL.
    this.checkpointer = new IdleCheckpointer(sqlite, IDLE_CHECKPOINT_MS, () => this.foldSums());
    this.reload();
    this.saleKeys.load(sqlite);
    this.unfolded.load(sqlite);
  }

  private prepare() {
    const s = this.sqlite;
    return {
      card: s.prepare(`SELECT c.id AS card_id, c.state, a.number AS account_number, a.server_balance, a.server_seq, a.local_sum,
                              a.spent_day, a.spent_today, a.daily_limit,
                              a.has_permanent_password, a.temp_password_issued_at, a.student_id
                         FROM cards c JOIN accounts a ON a.number = c.account_number WHERE c.id = ?`),
      student: s.prepare(`SELECT full_name, class_name FROM students WHERE id = ?`),
      benefits: s.prepare(`SELECT b.id, b.name FROM student_benefits sb JOIN benefit_categories b ON b.id = sb.benefit_category_id WHERE sb.student_id = ? ORDER BY b.name`),
      entitlements: s.prepare(`SELECT r.id AS ruleId, r.meal_set_id AS mealSetId, r.parent_pays AS parentPays
                                 FROM student_benefits sb JOIN entitlement_rules r ON r.benefit_category_id = sb.benefit_category_id
                                WHERE sb.student_id = ?`),
      // A used benefit always has subsidy > 0 (priceSale caps parent_pays at the price; a rule with
      // parent_pays = price changes nothing), so the partial index receipts_benefit_day_idx covers it.
      usedToday: s.prepare(`SELECT DISTINCT l.item_id FROM receipts r JOIN receipt_lines l ON l.id BETWEEN r.seq * ${LINE_KEY_SPAN} AND r.seq * ${LINE_KEY_SPAN} + ${LINE_KEY_SPAN - 1}
                             WHERE r.account_number = ? AND r.school_day = ? AND r.subsidy > 0 AND r.kind = 'sale'
                               AND r.refunded_by IS NULL AND l.rule_id IS NOT NULL`).pluck(),
      barred: s.prepare(`SELECT target_kind, target_id FROM barred_items WHERE account_number = ?`),
      accountBalance: s.prepare(`SELECT server_balance + local_sum AS stored, server_seq FROM accounts WHERE number = ?`),
      receiptBySeq: s.prepare(`SELECT * FROM receipts WHERE seq = ?`),
      receiptIdAt: s.prepare(`SELECT id FROM receipts WHERE seq = ?`).pluck(),
      // Full scan: only for an id the seq-ordered search does not find (see receiptRowById).
      receiptByIdScan: s.prepare(`SELECT * FROM receipts WHERE id = ?`),
      // Positional parameters: binding an object by name costs a lookup per column on every sale.
      insertReceipt: s.prepare(`INSERT INTO receipts (seq, id, number, kind, sale_id, shift_id, cashier_id, account_number, card_id, total, subsidy,
                                  issued_at, school_day, refund_of, refund_of_number, pupil_name, class_name, cashier_name, balance_after)
                                VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`),
      insertLine: s.prepare(`INSERT INTO receipt_lines (id, receipt_seq, line_no, item_id, item_kind, name, quantity, unit_price, amount, subsidy, rule_id, note)
                             VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`),
      insertEntry: s.prepare(`INSERT INTO entries (seq, uuid, kind, account_number, amount, created_at, school_day, receipt_seq, shift_id, cashier_id, card_id, payload)
                              VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`),
      markTempPassword: s.prepare(`UPDATE accounts SET temp_password_issued_at = ? WHERE number = ?`),
      markRefunded: s.prepare(`UPDATE receipts SET refunded_by = ? WHERE id = ? AND refunded_by IS NULL`),
      linesOf: s.prepare(`SELECT item_id, item_kind, name, quantity, unit_price, amount, subsidy, rule_id FROM receipt_lines WHERE id BETWEEN ? AND ? ORDER BY id`),
      shiftReceipts: s.prepare(`SELECT id, seq, number, kind, total, subsidy FROM receipts WHERE seq >= ? AND shift_id = ? ORDER BY seq`),
      insertShift: s.prepare(`INSERT INTO shifts (id, number, first_seq, opened_at, opened_by) VALUES (?,?,?,?,?)`),
      closeShift: s.prepare(`UPDATE shifts SET closed_at = ?, closed_by = ?, z_report = ? WHERE id = ? AND closed_at IS NULL`),
      lastReceipts: s.prepare(`SELECT r.id, r.number, r.issued_at, r.account_number, r.total, r.kind, r.refunded_by, st.full_name
                                 FROM receipts r LEFT JOIN accounts a ON a.number = r.account_number LEFT JOIN students st ON st.id = a.student_id
                                ORDER BY r.seq DESC LIMIT ?`),
      cardState: s.prepare(`SELECT id, state, account_number FROM cards WHERE id = ?`),
      // LIMIT 2: one row is the card, a second means the alias is ambiguous (W26 carries 24 bits).
      // The join skips an alias whose card is gone, so a stale row can neither match nor make a tie.
      cardByAlias: s.prepare(`SELECT a.card_id FROM card_aliases a JOIN cards c ON c.id = a.card_id WHERE a.alias = ? LIMIT 2`).pluck(),
      setCardState: s.prepare(`UPDATE cards SET state = ?, updated_at = ? WHERE id = ?`),
      accountStudent: s.prepare(`SELECT a.number, st.full_name, st.class_name FROM accounts a JOIN students st ON st.id = a.student_id WHERE a.number = ?`),
      cashiers: s.prepare(`SELECT id, name, role, pin_hash FROM cashiers WHERE active = 1`),
      getSetting: s.prepare(`SELECT value FROM settings WHERE key = ?`).pluck(),
      putSetting: s.prepare(`INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)`),
      deleteSetting: s.prepare(`DELETE FROM settings WHERE key = ?`),
    };
  }

  /** Re-reads settings, school, menu, counters and the open shift (after open, or after a pull changed them). */
  reload(): void {
    this.rulesCache.clear();
    const get = (k: string) => this.st.getSetting.get(k) as string | undefined;
    const schoolId = get(SETTING.schoolId);
    const school = (schoolId
      ? this.sqlite.prepare('SELECT * FROM schools WHERE id = ?').get(schoolId)
      : this.sqlite.prepare('SELECT * FROM schools LIMIT 1').get()) as SchoolRow | undefined;
    if (!school) throw new Error('terminal database has no school: load one first (loadSchool) or configure the terminal');
    this.school = school;
    this.terminalId = get(SETTING.terminalId) ?? 'terminal';
    this.terminalName = get(SETTING.terminalName) ?? 'Касса';
    this.receiptSeries = get(SETTING.receiptSeries) ?? '';
    this.header = { schoolName: school.name, terminalName: this.terminalName, timeZone: school.time_zone };

    const categories = this.sqlite.prepare('SELECT id, name FROM menu_categories ORDER BY sort, name').all() as Menu['categories'];
    const rows = this.sqlite.prepare(
      `SELECT id, 'dish' AS kind, name, price, category_id, hotkey, sort FROM dishes WHERE active = 1
       UNION ALL SELECT id, 'mealSet' AS kind, name, price, category_id, hotkey, sort FROM meal_sets WHERE active = 1`,
    ).all() as { id: string; kind: 'dish' | 'mealSet'; name: string; price: number; category_id: string; hotkey: string | null; sort: number }[];
    rows.sort((a, b) => (a.kind === b.kind ? a.sort - b.sort : a.kind === 'dish' ? -1 : 1));
    this.catalog = new Map(rows.map((r) => [r.id, { id: r.id, kind: r.kind, name: r.name, price: r.price, categoryId: r.category_id }]));
    const items: MenuItem[] = rows.map((r) => ({
      id: r.id, kind: r.kind, name: r.name, price: r.price, categoryId: r.category_id, ...(r.hotkey ? { hotkey: r.hotkey } : {}),
    }));
    this.menuCache = { categories, items };

    const lastReceipt = this.sqlite.prepare('SELECT seq, id FROM receipts ORDER BY seq DESC LIMIT 1').get() as { seq: number; id: string } | undefined;
    this.nextReceiptSeq = (lastReceipt?.seq ?? 0) + 1;
    this.receiptIds = new MonotonicUuidV7(lastReceipt?.id);
    this.nextEntrySeq = ((this.sqlite.prepare('SELECT max(seq) FROM entries').pluck().get() as number | null) ?? 0) + 1;
    const open = this.sqlite.prepare(
      `SELECT s.id, s.number, s.first_seq, s.opened_at, s.opened_by, s.closed_at, coalesce(c.name, s.opened_by) AS opener_name
         FROM shifts s LEFT JOIN cashiers c ON c.id = s.opened_by WHERE s.closed_at IS NULL ORDER BY s.number DESC LIMIT 1`,
    ).get() as ShiftRow | undefined;
    this.shift = open ? this.shiftInfo(open) : undefined;
    this.shiftFirstSeq = open?.first_seq ?? this.nextReceiptSeq;
  }

  get timeZone(): string { return this.school.time_zone; }

  get currentSession(): CashierSession | undefined { return this.session; }

  private shiftInfo(r: ShiftRow): ShiftInfo {
    return { id: r.id, number: r.number, openedAt: r.opened_at, openedBy: r.opener_name, ...(r.closed_at ? { closedAt: r.closed_at } : {}) };
  }

  /** Errors are values: nothing below may throw across the API. */
  private async guard<T>(fn: () => Promise<Result<T>> | Result<T>): Promise<Result<T>> {
    try {
      return await fn();
    } catch (err) {
      return fail('INTERNAL', 'Внутренняя ошибка терминала. Повторите операцию или позовите администратора', { cause: String((err as Error)?.message ?? err) });
    }
  }

  private requireRole(role?: Role): Result<CashierSession> {
    if (!this.session) return fail('NOT_LOGGED_IN', 'Войдите по PIN-коду');
    if (role === 'manager' && this.session.role !== 'manager') return fail('WRONG_ROLE', 'Это может сделать только заведующий');
    return ok(this.session);
  }

  // ---- status, login ------------------------------------------------------

  status(): Promise<Result<TerminalStatus>> {
    return this.guard(() => {
      const pending = pendingCount(this.sqlite);
      const net = this.sync.state();
      const sync = { ...net, pending };
      let staleWarning: string | undefined;
      if (net.configured) {
        const last = net.lastSyncAt ? Date.parse(net.lastSyncAt) : NaN;
        const limitMs = this.school.stale_after_minutes * 60_000;
        if (pending > 0 && (!Number.isFinite(last) || this.clock.now().getTime() - last > limitMs)) {
          staleWarning = `Нет связи с сервером дольше ${Math.round(this.school.stale_after_minutes / 60)} ч: проверьте сеть`;
        }
      }
      return ok({
        terminalId: this.terminalId,
        terminalName: this.terminalName,
        schoolCode: this.school.code,
        schoolName: this.school.name,
        ...(this.session ? { session: this.session } : {}),
        ...(this.shift ? { shift: this.shift } : {}),
        reader: this.reader.state(),
        printer: this.printer.state(),
        sync,
        ...(staleWarning ? { staleWarning } : {}),
      });
    });
  }

  login(pin: string): Promise<Result<CashierSession>> {
    return this.guard(async () => {
      if (typeof pin !== 'string' || !PIN_RE.test(pin)) return fail('BAD_PIN', 'PIN-код: от 4 до 8 цифр');
      // While locked out no PIN is even checked (a right one included): guessing gets nowhere.
      const wait = pinWaitMs(this.pinState(), this.clock.now().getTime());
      if (wait > 0) return this.pinLocked(wait);
      const rows = this.st.cashiers.all() as { id: string; name: string; role: Role; pin_hash: string }[];
      for (const c of rows) {
        if (await verifyStaffPin(c.pin_hash, pin, this.pinPepper)) {
          // A lockout that began while this PIN was being checked still holds.
          const late = pinWaitMs(this.pinState(), this.clock.now().getTime());
          if (late > 0) return this.pinLocked(late);
          this.savePinState(undefined);
          this.session = { cashierId: c.id, name: c.name, role: c.role };
          return ok(this.session);
        }
      }
      const now = this.clock.now().getTime();
      const cur = this.pinState();
      // Concurrent attempts: one that finishes after a lockout began does not extend it.
      if (pinWaitMs(cur, now) > 0) return this.pinLocked(pinWaitMs(cur, now));
      const next = pinFailed(cur, now);
      this.savePinState(next);
      const locked = pinWaitMs(next, now);
      return locked > 0 ? this.pinLocked(locked) : fail('BAD_PIN', 'Неверный PIN-код');
    });
  }

  private pinState(): PinThrottleState {
    this.pinThrottle ??= parsePinThrottle(this.st.getSetting.get(SETTING.pinThrottle) as string | undefined);
    return this.pinThrottle;
  }

  /** Kept in settings so that restarting the terminal does not reset the count. */
  private savePinState(s: PinThrottleState | undefined): void {
    if (s === undefined) {
      if (this.pinThrottle && this.pinThrottle.failures === 0) return;
      this.st.deleteSetting.run(SETTING.pinThrottle);
      this.pinThrottle = { failures: 0, lockedUntil: 0, lastLockMs: 0 };
      return;
    }
    this.st.putSetting.run(SETTING.pinThrottle, JSON.stringify(s));
    this.pinThrottle = s;
  }

  private pinLocked(waitMs: number): Result<never> {
    return fail('BAD_PIN', pinLockedMessage(waitMs), { lockedForMs: waitMs, retryAt: new Date(this.clock.now().getTime() + waitMs).toISOString() });
  }

  logout(): Promise<Result<null>> {
    this.session = undefined;
    return Promise.resolve(ok(null));
  }

  menu(): Promise<Result<Menu>> {
    return Promise.resolve(ok(this.menuCache));
  }

  // ---- cards --------------------------------------------------------------

  /** A well-formed card id, as read (stored EM:/MF: ids and wedge/HID DEC:/HEX:/W26: reads; core/card-id.ts). */
  private parseCard(cardId: unknown): Result<Extract<ParsedCardId, { ok: true }>> {
    const id = parseCardId(cardId);
    return id.ok ? ok(id) : badInput(id.message);
  }

  /**
   * The stored id of the card a read names. EM:/MF: are stored ids already; a wedge/HID
   * reader's DEC:/HEX:/W26: read goes through card_aliases (primary key). An alias that names
   * two cards is refused: picking one could charge another pupil's account.
   */
  private resolveCard(cardId: unknown): Result<string> {
    const parsed = this.parseCard(cardId);
    if (!parsed.ok) return parsed;
    const { cardId: id, stored } = parsed.value;
    if (stored) return ok(id);
    const found = this.st.cardByAlias.all(id) as string[];
    if (found.length === 0) return fail('UNKNOWN_CARD', 'Карта не найдена. Обратитесь к заведующему', { cardId: id });
    if (found.length > 1) {
      // Shown the way the reader typed it ("126,58404"), which is what the cashier saw.
      const typed = formatReaderLine(id) ?? id;
      return fail('AMBIGUOUS_CARD',
        `Номер карты «${typed}» подходит к нескольким картам. Введите полный номер карты вручную: 10 цифр с карты или EM:…/MF:…`,
        { cardId: id });
    }
    return ok(found[0]!);
  }

  private pupilContext(cardId: string, day: string): Result<PupilContextFull> {
    const card = this.st.card.get(cardId) as CardRow | undefined;
    const rules = card && this.pupilRules(card.student_id, card.account_number);
    if (!card || !rules) return fail('UNKNOWN_CARD', 'Карта не найдена. Обратитесь к заведующему', { cardId });
    card.full_name = rules.fullName;
    card.class_name = rules.className;
    // Balance rule: server snapshot + local entries after server_seq (stored local_sum + the newer ones in memory).
    const balance = card.server_balance + card.local_sum + this.unfolded.balanceDelta(card.account_number, card.server_seq);
    const spentToday = this.unfolded.spentToday(card.account_number, card, day);
    const { benefitNames, entitlements, barredItemIds, barredCategoryIds } = rules;
    const usedToday = new Set(entitlements.length ? (this.st.usedToday.all(card.account_number, day) as string[]) : []);
    return ok({ card, balance, spentToday, benefitNames, entitlements, usedToday, barredItemIds, barredCategoryIds });
  }

  /**
   * A pupil's name, class, benefits, entitlements and barred items: only a pull changes them, and
   * reload() (which runs after every pull that brought data) forgets them, so they are read once per pupil,
   * not on every tap and sale. Balance, card state and today's spending are always read fresh.
   * Undefined when the account's pupil is not on this terminal.
   */
  private pupilRules(studentId: string, accountNumber: string): PupilRules | undefined {
    const key = `${studentId}\u0000${accountNumber}`;
    let rules = this.rulesCache.get(key);
    if (rules) return rules;
    const student = this.st.student.get(studentId) as { full_name: string; class_name: string } | undefined;
    if (!student) return undefined;
    const benefits = this.st.benefits.all(studentId) as { id: string; name: string }[];
    const entitlements = benefits.length ? (this.st.entitlements.all(studentId) as Entitlement[]) : [];
    const barredItemIds = new Set<string>();
    const barredCategoryIds = new Set<string>();
    for (const b of this.st.barred.all(accountNumber) as { target_kind: string; target_id: string }[]) {
      (b.target_kind === 'item' ? barredItemIds : barredCategoryIds).add(b.target_id);
    }
    rules = { fullName: student.full_name, className: student.class_name, benefitNames: benefits.map((b) => b.name), entitlements, barredItemIds, barredCategoryIds };
    if (this.rulesCache.size >= RULES_CACHE_MAX) this.rulesCache.clear();
    this.rulesCache.set(key, rules);
    return rules;
  }

  private overdraft(): Kopecks {
    return allowedOverdraft(this.school.overdraft_limit, this.sync.state().online);
  }

  identifyCard(cardId: string): Promise<Result<PupilInfo>> {
    return this.guard(() => {
      const id = this.resolveCard(cardId);
      if (!id.ok) return id;
      const ctx = this.pupilContext(id.value, schoolDay(this.clock.now(), this.school.time_zone));
      if (!ctx.ok) return ctx;
      const { card, balance, spentToday } = ctx.value;
      const overdraftLimit = this.overdraft();
      const warnings: string[] = [];
      const stateErr = cardStateError(card.state);
      if (stateErr) warnings.push(card.state === 'blocked' ? 'Карта заблокирована' : 'Карта утеряна');
      if (balance < 0) warnings.push('Отрицательный баланс');
      else if (balance < 5000) warnings.push('Баланс близок к нулю');
      if (card.daily_limit != null && spentToday >= card.daily_limit) warnings.push('Дневной лимит исчерпан');
      const best = bestEntitlements(ctx.value.entitlements);
      return ok({
        cardId: card.card_id,
        cardState: card.state,
        accountNumber: card.account_number,
        fullName: card.full_name,
        className: card.class_name,
        balance,
        overdraftLimit,
        ...(card.daily_limit != null ? { dailyLimit: card.daily_limit } : {}),
        spentToday,
        benefits: ctx.value.benefitNames,
        entitlements: [...best.values()].map((e) => ({ mealSetId: e.mealSetId, parentPays: e.parentPays, usedToday: ctx.value.usedToday.has(e.mealSetId) })),
        barredItemIds: [...ctx.value.barredItemIds].concat(
          [...this.catalog.values()].filter((i) => ctx.value.barredCategoryIds.has(i.categoryId) && !ctx.value.barredItemIds.has(i.id)).map((i) => i.id),
        ),
        warnings,
        hasPermanentPassword: card.has_permanent_password === 1,
      });
    });
  }

  simulateTap(cardId: string): Promise<Result<null>> {
    return this.guard(() => {
      if (!this.reader.state().simulated) return badInput('Считыватель подключён: имитация касания недоступна');
      const id = this.parseCard(cardId);
      if (!id.ok) return id;
      this.emit({ type: 'card', cardId: id.value.cardId });
      return ok(null);
    });
  }

  // ---- selling ------------------------------------------------------------

  private checkRequest(req: unknown): Result<{ saleId: string; cardId: string; lines: unknown }> {
    if (!req || typeof req !== 'object') return badInput('Неверный запрос продажи');
    const r = req as Partial<SaleRequest>;
    if (typeof r.saleId !== 'string' || r.saleId.length < 1 || r.saleId.length > 100) return badInput('Неверный идентификатор продажи');
    // The stored id from here on: the receipt, the entries and the server know the card by it.
    const card = this.resolveCard(r.cardId);
    if (!card.ok) return card;
    return ok({ saleId: r.saleId, cardId: card.value, lines: r.lines });
  }

  private price(req: { cardId: string; lines: unknown }, day: string): Result<{ priced: PricedSale; ctx: PupilContextFull }> {
    const cart = normalizeCart(req.lines);
    if (!cart.ok) return cart;
    const ctx = this.pupilContext(req.cardId, day);
    if (!ctx.ok) return ctx;
    const c = ctx.value;
    const priced = priceSale(cart.value, this.catalog, {
      cardState: c.card.state, balance: c.balance, overdraft: this.overdraft(), dailyLimit: c.card.daily_limit,
      spentToday: c.spentToday, barredItemIds: c.barredItemIds, barredCategoryIds: c.barredCategoryIds,
      entitlements: c.entitlements, usedToday: c.usedToday,
    });
    if (!priced.ok) return priced;
    return ok({ priced: priced.value, ctx: c });
  }

  quote(req: SaleRequest): Promise<Result<{ total: Kopecks; subsidy: Kopecks; balanceAfter: Kopecks; lines: ReceiptDoc['lines'] }>> {
    return this.guard(() => {
      const r = this.checkRequest(req);
      if (!r.ok) return r;
      const p = this.price(r.value, schoolDay(this.clock.now(), this.school.time_zone));
      if (!p.ok) return p;
      const { total, subsidy, balanceAfter, lines } = p.value.priced;
      return ok({ total, subsidy, balanceAfter, lines: lines.map(receiptLine) });
    });
  }

  /**
   * Receipt ids are made strictly increasing with seq (MonotonicUuidV7), so the seq b-tree is
   * searched by id instead of keeping an id index on the sale path. Ids that do not fit the
   * order (made before migration 0004 by a clock that went back) are found by a scan.
   */
  private receiptRowById(id: unknown): ReceiptRow | undefined {
    if (typeof id !== 'string' || id.length !== 36) return undefined;
    const key = id.toLowerCase();
    let lo = 1;
    let hi = this.nextReceiptSeq - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const at = this.st.receiptIdAt.get(mid) as string | undefined;
      if (at === undefined) break;
      if (at === key) return this.st.receiptBySeq.get(mid) as ReceiptRow;
      if (at < key) lo = mid + 1; else hi = mid - 1;
    }
    return this.st.receiptByIdScan.get(key) as ReceiptRow | undefined;
  }

  private resultFromReceipt(row: ReceiptRow, printJobId?: string): SaleResult {
    const doc = this.docs.of(row, this.header);
    return {
      receiptId: row.id, receiptNumber: row.number, total: row.total, subsidy: row.subsidy,
      balanceAfter: doc.balanceAfter ?? 0, receipt: doc, ...(printJobId ? { printJobId } : {}),
    };
  }

  sell(req: SaleRequest): Promise<Result<SaleResult>> {
    return this.guard(async () => {
      const first = this.prepareSale(req);
      if (!first.ok) return first;
      if (first.value.kind === 'done') return ok(first.value.result);
      if (!first.value.needsPassword) return ok(this.commitSale(first.value, undefined));
      // The account has no permanent password and this terminal has not issued a temporary
      // one yet: print one on this receipt. argon2id runs on the libuv pool (async), so the
      // event loop keeps serving; everything is checked again after the await, because
      // another sale, a logout or a pull may have happened meanwhile.
      const password = temporaryPassword();
      const passwordHash = await hash(password, { algorithm: ARGON2ID });
      const again = this.prepareSale(req);
      if (!again.ok) return again;
      if (again.value.kind === 'done') return ok(again.value.result);
      return ok(this.commitSale(again.value, again.value.needsPassword ? { password, passwordHash } : undefined));
    });
  }

  /** Every check of a sale, synchronous, so that the commit right after it sees the same state. */
  private prepareSale(req: SaleRequest): Result<
    | { kind: 'done'; result: SaleResult }
    | { kind: 'sale'; saleId: string; cardId: string; priced: PricedSale; ctx: PupilContextFull; session: CashierSession; now: Date; day: string; needsPassword: boolean }
  > {
    const r = this.checkRequest(req);
    if (!r.ok) return r;
    // Idempotent on saleId: a retry (lost answer, double click, restart) gets the first result.
    const seen = this.saleKeys.get(r.value.saleId);
    const existing = seen === undefined ? undefined : this.st.receiptBySeq.get(seen) as ReceiptRow | undefined;
    if (existing) return ok({ kind: 'done', result: this.resultFromReceipt(existing) });
    const auth = this.requireRole();
    if (!auth.ok) return auth;
    const sh = checkShiftAction(this.shift ? 'open' : 'closed', 'sell', auth.value.role);
    if (!sh.ok) return sh;
    const now = this.clock.now();
    const day = schoolDay(now, this.school.time_zone);
    const p = this.price(r.value, day);
    if (!p.ok) return p;
    const { priced, ctx } = p.value;
    const needsPassword = ctx.card.has_permanent_password !== 1 && ctx.card.temp_password_issued_at === null;
    return ok({ kind: 'sale', saleId: r.value.saleId, cardId: r.value.cardId, priced, ctx, session: auth.value, now, day, needsPassword });
  }

  private commitSale(
    a: { saleId: string; cardId: string; priced: PricedSale; ctx: PupilContextFull; session: CashierSession; now: Date; day: string },
    cabinet: { password: string; passwordHash: string } | undefined,
  ): SaleResult {
    const { priced, ctx } = a;
    return this.commitReceipt({
      kind: 'sale', saleId: a.saleId, cardId: a.cardId, accountNumber: ctx.card.account_number,
      fullName: ctx.card.full_name, className: ctx.card.class_name, lines: priced.lines,
      total: priced.total, subsidy: priced.subsidy, balanceAfter: priced.balanceAfter, now: a.now, day: a.day, session: a.session,
      ...(cabinet ? { cabinet } : {}),
    });
  }

  /**
   * Writes a sale or refund receipt: receipt, lines, entry (+ subsidy entry, + cabinetPassword
   * entry) in ONE transaction; the entries are in the outbox and the receipt's print job is
   * queued by that same commit (both are cursors over the ledger, migration 0008; a print job
   * row is written only for a receipt with a cabinet password). Counters advance only after commit.
   * The receipt is stored once, as columns and lines (receipt-doc.ts builds its doc again); the
   * entries do not copy it (outbox.ts adds it when it builds the wire entry).
   */
  private commitReceipt(a: {
    kind: 'sale' | 'refund'; saleId: string | null; cardId: string | null; accountNumber: string; fullName: string; className: string;
    lines: PricedLine[]; total: Kopecks; subsidy: Kopecks; balanceAfter: Kopecks; now: Date; day: string; session: CashierSession;
    refundOf?: { id: string; number: string };
    reason?: string;
    cabinet?: { password: string; passwordHash: string };
  }): SaleResult {
    const shift = this.shift!;
    const st = this.st;
    const seq = this.nextReceiptSeq;
    const receiptId = this.receiptIds.next(a.now.getTime());
    const number = formatReceiptNumber(this.school.code, seq, this.receiptSeries);
    const issuedAt = a.now.toISOString();
    const cashierId = a.session.cashierId;
    const pupilName = shortName(a.fullName);
    const refundOfNumber = a.refundOf?.number ?? null;
    // Stored as columns and lines, not as JSON (migration 0008); receipt-doc.ts builds the same doc again later.
    const doc = buildReceiptDoc(this.header, {
      kind: a.kind, number, issuedAt, lines: a.lines.map(receiptLine), total: a.total, subsidy: a.subsidy,
      pupilName, className: a.className, accountNumber: a.accountNumber, balanceAfter: a.balanceAfter,
      cashierName: a.session.name, refundOfNumber,
    });
    // The temporary password goes on paper only: the stored receipt (reprints, the API's
    // receipt()) never has it, and the print job loses it once printed (migration 0005).
    const printed: ReceiptDoc = a.cabinet
      ? { ...doc, cabinetLogin: { url: this.school.cabinet_url, login: a.accountNumber, password: a.cabinet.password } }
      : doc;
    const sign = a.kind === 'sale' ? -1 : 1;
    const cardId = a.cardId;
    let entrySeq = this.nextEntrySeq;
    let printJobId = '';

    this.writeLedger(() => {
      st.insertReceipt.run(seq, receiptId, number, a.kind, a.saleId, shift.id, cashierId, a.accountNumber, cardId,
        a.total, a.subsidy, issuedAt, a.day, a.refundOf?.id ?? null, refundOfNumber, pupilName, a.className, a.session.name, a.balanceAfter);
      for (let i = 0; i < a.lines.length; i++) {
        const l = a.lines[i]!;
        st.insertLine.run(seq * LINE_KEY_SPAN + i + 1, seq, i + 1, l.itemId, l.kind, l.name, l.quantity, l.unitPrice, l.amount, l.subsidy,
          l.ruleId ?? null, l.note ?? null);
      }
      const entry = (kind: 'sale' | 'refund' | 'subsidy' | 'cabinetPassword', accountNumber: string | null, amount: number, payload: string, receiptSeq: number | null) =>
        this.appendEntry(entrySeq++, kind, accountNumber, amount, issuedAt, a.day, receiptSeq, shift.id, cashierId, cardId, payload);
      entry(a.kind, a.accountNumber, sign * a.total,
        a.kind === 'sale' ? '{}' : JSON.stringify({ refundOf: a.refundOf!.id, reason: a.reason }), seq);
      // The budget's part, against the school's subsidy account (accountNumber null), so its cost is reportable.
      if (a.subsidy) entry('subsidy', null, sign * a.subsidy, '{}', seq);
      if (a.cabinet) {
        // Only the hash travels; the server accepts it while the account has no permanent password.
        entry('cabinetPassword', a.accountNumber, 0, JSON.stringify({ passwordHash: a.cabinet.passwordHash }), null);
        st.markTempPassword.run(issuedAt, a.accountNumber);
      }
      if (a.refundOf) {
        if (st.markRefunded.run(receiptId, a.refundOf.id).changes !== 1) throw new Error('receipt already refunded');
      }
      // Without a cabinet password the printed doc IS the stored receipt's: the job is implied by the receipt (no row).
      printJobId = this.printer.enqueue({ kind: 'receipt', payload: printed, receiptId, receipt: { seq, storedDoc: !a.cabinet } });
    });

    this.nextReceiptSeq = seq + 1;
    this.nextEntrySeq = entrySeq;
    if (a.saleId !== null) this.saleKeys.add(a.saleId, seq);
    this.checkpointer.touch();
    this.printer.kick();
    return { receiptId, receiptNumber: number, total: a.total, subsidy: a.subsidy, balanceAfter: a.balanceAfter, receipt: printed, printJobId };
  }

  refund(receiptId: string, reason: string): Promise<Result<SaleResult>> {
    return this.guard(() => {
      const auth = this.requireRole('manager');
      if (!auth.ok) return auth;
      const sh = checkShiftAction(this.shift ? 'open' : 'closed', 'refund', auth.value.role);
      if (!sh.ok) return sh;
      if (typeof receiptId !== 'string' || receiptId.length === 0 || receiptId.length > 100) return badInput('Неверный номер чека');
      if (typeof reason !== 'string' || reason.trim().length === 0) return badInput('Укажите причину возврата');
      if (reason.length > 300) return badInput('Причина возврата слишком длинная (до 300 знаков)');
      const orig = this.receiptRowById(receiptId);
      if (!orig || orig.kind !== 'sale') return fail('RECEIPT_NOT_FOUND', 'Чек не найден');
      if (orig.refunded_by) return fail('ALREADY_REFUNDED', `По чеку №${orig.number} уже сделан возврат`);
      const acc = this.st.accountStudent.get(orig.account_number) as { number: string; full_name: string; class_name: string } | undefined;
      if (!acc) return fail('INTERNAL', 'Лицевой счёт чека не найден');
      const lines = (this.st.linesOf.all(...lineKeys(orig.seq)) as { item_id: string; item_kind: 'dish' | 'mealSet'; name: string; quantity: number; unit_price: number; amount: number; subsidy: number; rule_id: string | null }[])
        .map((l): PricedLine => ({ itemId: l.item_id, kind: l.item_kind, name: l.name, quantity: l.quantity, unitPrice: l.unit_price, amount: l.amount, subsidy: l.subsidy, ...(l.rule_id ? { ruleId: l.rule_id } : {}) }));
      const acct = this.st.accountBalance.get(orig.account_number) as { stored: number; server_seq: number };
      const balance = acct.stored + this.unfolded.balanceDelta(orig.account_number, acct.server_seq);
      const now = this.clock.now();
      const res = this.commitReceipt({
        kind: 'refund', saleId: null, cardId: orig.card_id, accountNumber: orig.account_number, fullName: acc.full_name, className: acc.class_name,
        lines, total: orig.total, subsidy: orig.subsidy, balanceAfter: balance + orig.total, now, day: schoolDay(now, this.school.time_zone),
        session: auth.value, refundOf: { id: orig.id, number: orig.number }, reason: reason.trim(),
      });
      return ok(res);
    });
  }

  // ---- receipts -----------------------------------------------------------

  lastReceipts(limit: number): Promise<Result<ReceiptSummary[]>> {
    return this.guard(() => {
      if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > 500) return badInput('Количество чеков: от 1 до 500');
      const rows = this.st.lastReceipts.all(limit) as { id: string; number: string; issued_at: string; account_number: string; total: number; kind: 'sale' | 'refund'; refunded_by: string | null; full_name: string | null }[];
      return ok(rows.map((r) => ({
        receiptId: r.id, number: r.number, issuedAt: r.issued_at, accountNumber: r.account_number,
        pupilName: r.full_name ?? '', total: r.total, refunded: r.refunded_by !== null, kind: r.kind,
      })));
    });
  }

  receipt(receiptId: string): Promise<Result<ReceiptDoc>> {
    return this.guard(() => {
      const row = typeof receiptId === 'string' ? (this.receiptRowById(receiptId)) : undefined;
      if (!row) return fail('RECEIPT_NOT_FOUND', 'Чек не найден');
      return ok(this.docs.of(row, this.header));
    });
  }

  private enqueueAlone(job: Parameters<ReceiptPrinter['enqueue']>[0]): string {
    let id = '';
    this.atomically(() => { id = this.printer.enqueue(job); });
    this.printer.kick();
    return id;
  }

  reprint(receiptId: string): Promise<Result<{ printJobId: string }>> {
    return this.guard(() => {
      const auth = this.requireRole();
      if (!auth.ok) return auth;
      const row = typeof receiptId === 'string' ? (this.receiptRowById(receiptId)) : undefined;
      if (!row) return fail('RECEIPT_NOT_FOUND', 'Чек не найден');
      const doc: ReceiptDoc = { ...this.docs.of(row, this.header), copy: true };
      return ok({ printJobId: this.enqueueAlone({ kind: 'receipt', payload: doc, receiptId: row.id, copy: true }) });
    });
  }

  // ---- shifts -------------------------------------------------------------

  openShift(): Promise<Result<ShiftInfo>> {
    return this.guard(() => {
      const sh = checkShiftAction(this.shift ? 'open' : 'closed', 'open', this.session?.role);
      if (!sh.ok) return sh;
      const session = this.session!;
      const id = uuidv7();
      const number = ((this.sqlite.prepare('SELECT max(number) FROM shifts').pluck().get() as number | null) ?? 0) + 1;
      const openedAt = this.clock.now().toISOString();
      this.st.insertShift.run(id, number, this.nextReceiptSeq, openedAt, session.cashierId);
      this.shiftFirstSeq = this.nextReceiptSeq;
      this.shift = { id, number, openedAt, openedBy: session.name };
      return ok(this.shift);
    });
  }

  private report(kind: 'X' | 'Z', shift: ShiftInfo, generatedAt: string): ShiftReport {
    const rows = this.st.shiftReceipts.all(this.shiftFirstSeq, shift.id) as { id: string; seq: number; number: string; kind: 'sale' | 'refund'; total: number; subsidy: number }[];
    const receipts: ReportReceipt[] = rows.map((r) => ({
      seq: r.seq, number: r.number, kind: r.kind, total: r.total, subsidy: r.subsidy,
      lines: (this.st.linesOf.all(...lineKeys(r.seq)) as { item_id: string; name: string; quantity: number; amount: number; subsidy: number }[])
        .map((l) => ({ itemId: l.item_id, name: l.name, quantity: l.quantity, amount: l.amount, subsidy: l.subsidy })),
    }));
    return buildShiftReport({
      kind, shift, receipts, generatedAt, schoolName: this.school.name, terminalName: this.terminalName, timeZone: this.school.time_zone,
    });
  }

  xReport(): Promise<Result<ShiftReport>> {
    return this.guard(() => {
      const sh = checkShiftAction(this.shift ? 'open' : 'closed', 'x', this.session?.role);
      if (!sh.ok) return sh;
      return ok(this.report('X', this.shift!, this.clock.now().toISOString()));
    });
  }

  closeShift(): Promise<Result<ShiftReport>> {
    return this.guard(() => {
      const sh = checkShiftAction(this.shift ? 'open' : 'closed', 'z', this.session?.role);
      if (!sh.ok) return sh;
      const closedAt = this.clock.now().toISOString();
      const shift = { ...this.shift!, closedAt };
      const rep = this.report('Z', shift, closedAt);
      const changes = this.st.closeShift.run(closedAt, this.session!.cashierId, JSON.stringify(rep), shift.id).changes;
      if (changes !== 1) return fail('NO_OPEN_SHIFT', 'Смена не открыта: откройте смену');
      this.shift = undefined;
      return ok(rep);
    });
  }

  printReport(report: ShiftReport): Promise<Result<{ printJobId: string }>> {
    return this.guard(() => {
      const auth = this.requireRole();
      if (!auth.ok) return auth;
      if (!report || typeof report !== 'object' || !Array.isArray(report.text) || (report.kind !== 'X' && report.kind !== 'Z')) {
        return badInput('Неверный отчёт');
      }
      return ok({ printJobId: this.enqueueAlone({ kind: 'report', payload: report }) });
    });
  }

  // ---- manager actions ----------------------------------------------------

  /**
   * One ledger entry. It is in the outbox from this moment (the outbox is the ledger's tail past
   * the acknowledged cursor, migration 0008). The caller holds the transaction.
   */
  private appendEntry(seq: number, kind: string, accountNumber: string | null, amount: number, createdAt: string, day: string,
    receiptSeq: number | null, shiftId: string | null, cashierId: string, cardId: string | null, payload: string): void {
    const uuid = uuidv7();
    this.st.insertEntry.run(seq, uuid, kind, accountNumber, amount, createdAt, day, receiptSeq, shiftId, cashierId, cardId, payload);
    if (accountNumber !== null) this.staged.push({ seq, accountNumber, kind, amount, schoolDay: day });
  }

  /**
   * Runs a ledger write in one transaction; the entries it appended reach the in-memory running
   * sums only once it committed (a rolled-back write leaves no trace there either).
   */
  private writeLedger<T>(fn: () => T): T {
    this.staged.length = 0;
    try {
      const out = this.atomically(fn);
      for (const e of this.staged) this.unfolded.add(e);
      if (this.unfolded.needsFold) this.foldSums();
      return out;
    } finally {
      this.staged.length = 0;
    }
  }

  /**
   * The terminal's idle work at once: the running sums folded into the accounts' rows and a WAL
   * checkpoint. The idle timer does it a second after the last sale; call this before a clean shutdown.
   */
  idleWork(): void {
    this.checkpointer.flush();
  }

  /** Brings the accounts' stored running sums up to date (idle timer; account-sums.ts). */
  private foldSums(): void {
    try {
      this.unfolded.fold(this.sqlite, this.nextEntrySeq - 1);
    } catch {
      // busy or closing: the entries stay in memory and fold at the next idle moment
    }
  }

  private writeEntry(session: CashierSession, kind: 'cardBlock' | 'cabinetPassword', accountNumber: string, cardId: string | null, payload: unknown, extra?: () => void): void {
    const now = this.clock.now();
    const seq = this.nextEntrySeq;
    this.writeLedger(() => {
      this.appendEntry(seq, kind, accountNumber, 0, now.toISOString(), schoolDay(now, this.school.time_zone),
        null, this.shift?.id ?? null, session.cashierId, cardId, JSON.stringify(payload));
      extra?.();
    });
    this.nextEntrySeq = seq + 1;
  }

  blockCard(cardId: string, reason: string): Promise<Result<null>> {
    return this.guard(() => {
      const auth = this.requireRole('manager');
      if (!auth.ok) return auth;
      if (typeof reason !== 'string' || reason.trim().length === 0 || reason.length > 300) return badInput('Укажите причину блокировки (до 300 знаков)');
      const id = this.resolveCard(cardId);
      if (!id.ok) return id;
      const card = this.st.cardState.get(id.value) as { id: string; state: CardState; account_number: string } | undefined;
      if (!card) return fail('UNKNOWN_CARD', 'Карта не найдена', { cardId: id.value });
      if (card.state === 'blocked') return ok(null);
      const now = this.clock.now().toISOString();
      this.writeEntry(auth.value, 'cardBlock', card.account_number, card.id, { cardId: card.id, reason: reason.trim() },
        () => { this.st.setCardState.run('blocked', now, card.id); });
      this.emit({ type: 'dataChanged' });
      return ok(null);
    });
  }

  newCabinetPassword(accountNumber: string): Promise<Result<{ printJobId: string }>> {
    return this.guard(async () => {
      const auth = this.requireRole('manager');
      if (!auth.ok) return auth;
      if (typeof accountNumber !== 'string' || !ACCOUNT_RE.test(accountNumber)) return badInput('Номер лицевого счёта: 10 цифр');
      const acc = this.st.accountStudent.get(accountNumber) as { number: string; full_name: string; class_name: string } | undefined;
      if (!acc) return badInput(`Лицевой счёт ${accountNumber} не найден`);
      const password = temporaryPassword();
      const passwordHash = await hash(password, { algorithm: ARGON2ID });
      const now = this.clock.now();
      const doc: ReceiptDoc = {
        kind: 'cabinetLogin', schoolName: this.school.name, terminalName: this.terminalName, number: '',
        issuedAt: now.toISOString(), timeZone: this.school.time_zone, lines: [], total: 0,
        pupil: { shortName: shortName(acc.full_name), className: acc.class_name, accountNumber },
        cashierName: auth.value.name,
        cabinetLogin: { url: this.school.cabinet_url, login: accountNumber, password },
      };
      let printJobId = '';
      // Only the hash travels to the server; the plaintext lives in the print job until printed.
      this.writeEntry(auth.value, 'cabinetPassword', accountNumber, null, { passwordHash }, () => {
        this.st.markTempPassword.run(now.toISOString(), accountNumber);
        printJobId = this.printer.enqueue({ kind: 'cabinetLogin', payload: doc });
      });
      this.printer.kick();
      return ok({ printJobId });
    });
  }
}


/** 8 characters without look-alikes (0/O, 1/l/I), read off a paper receipt. */
export function temporaryPassword(length = 8): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

