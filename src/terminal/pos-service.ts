import type Database from 'better-sqlite3';
import type {
  CashierSession, Menu, OrderClassList, OrderDay, PosApi, ServeRequest, ServeResult, PupilInfo, ReceiptSummary, Role, SaleRequest, SaleResult, ShiftInfo, ShiftReport, TerminalStatus,
} from '../api/pos-api.js';
import { schoolDay } from '../core/datetime.js';
import type { Kopecks } from '../core/money.js';
import type { ReceiptDoc } from '../core/receipt.js';
import { fail, ok, type Result } from '../core/result.js';
import { checkShiftAction } from '../core/shift.js';
import type { Clock, EventSink, ReaderSource, ReceiptPrinter, SyncSource } from './ports.js';
import { noEvents, simulatedReader, standAloneSync, systemClock } from './ports.js';
import { TablePrintQueue } from './print-jobs.js';
import { pendingCount } from './outbox.js';
import { CabinetPasswords } from './pos/cabinet-passwords.js';
import { CardDirectory } from './pos/cards.js';
import { TerminalConfig } from './pos/config.js';
import { LedgerWriter } from './pos/ledger-writer.js';
import { ReceiptBook } from './pos/receipts.js';
import { Sales } from './pos/sales.js';
import { StaffSession } from './pos/session.js';
import { Shifts } from './pos/shifts.js';
import { PupilSafety } from './pos/pupil-safety.js';
import { Taps } from './pos/taps.js';
import { OrderServing } from './pos/order-serving.js';

export { temporaryPassword } from './pos/cabinet-passwords.js';

export interface PosServiceOptions {
  printer?: ReceiptPrinter;
  reader?: ReaderSource;
  sync?: SyncSource;
  emit?: EventSink;
  clock?: Clock;
  /** The school's PIN pepper from enrolment (base64url; src/terminal/staff-pin.ts). */
  pinPepper?: string;
  /**
   * No charge without a tap (default true): a sale must name the identification it follows
   * (SaleRequest.tapId from identifyCard), which the sale uses up. Only tests of the pricing
   * and ledger machinery that do not model taps turn it off.
   */
  requireTap?: boolean;
}

const badInput = (message: string) => fail<never>('BAD_INPUT', message);

/**
 * The terminal service: PosApi over the local SQLite ledger, as a thin facade. Each call is
 * guarded (errors are values, nothing throws across the API), checks the cashier's role and
 * the shift, and delegates to the domain modules in ./pos/, which own their SQL:
 *   session.ts           PIN login and the PIN throttle
 *   config.ts            the school, the terminal's names, the menu
 *   cards.ts             card ids resolved to cards, the pupil's context, blocking a card
 *   ledger-writer.ts     the only code that inserts entries; the one balance read; idle folds
 *   receipts.ts          receipts and their lines, by id and by sale id
 *   sales.ts             quote, sell, refund (the core's sale rule, one transaction per receipt)
 *   shifts.ts            shifts and X/Z reports
 *   cabinet-passwords.ts temporary cabinet passwords
 *   order-serving.ts     «Выдача по заявке»: today's fixed order lines, marked served (orderServed entries)
 * Every write is one better-sqlite3 transaction; counters and the session change in memory
 * only after it commits, so a failed write leaves no trace.
 */
export class PosService implements PosApi {
  private readonly printer: ReceiptPrinter;
  private readonly reader: ReaderSource;
  private readonly sync: SyncSource;
  private readonly emit: EventSink;
  private readonly clock: Clock;

  private readonly config: TerminalConfig;
  private readonly session: StaffSession;
  private readonly ledger: LedgerWriter;
  private readonly cards: CardDirectory;
  private readonly receipts: ReceiptBook;
  private readonly shifts: Shifts;
  private readonly passwords: CabinetPasswords;
  private readonly sales: Sales;
  private readonly taps = new Taps();
  private readonly orders: OrderServing;

  constructor(private readonly sqlite: Database.Database, opts: PosServiceOptions = {}) {
    this.clock = opts.clock ?? systemClock;
    this.printer = opts.printer ?? new TablePrintQueue(sqlite, this.clock);
    this.reader = opts.reader ?? simulatedReader;
    this.sync = opts.sync ?? standAloneSync;
    this.emit = opts.emit ?? noEvents;
    this.config = new TerminalConfig(sqlite);
    this.session = new StaffSession(sqlite, this.clock, opts.pinPepper ? Buffer.from(opts.pinPepper, 'base64url') : undefined);
    this.ledger = new LedgerWriter(sqlite);
    this.cards = new CardDirectory(sqlite, this.config, this.ledger, () => this.sync.state().online, new PupilSafety(sqlite));
    this.receipts = new ReceiptBook(sqlite);
    this.shifts = new Shifts(sqlite, this.config, this.receipts, this.ledger);
    this.passwords = new CabinetPasswords(sqlite, this.config, this.ledger, this.cards, this.printer);
    this.sales = new Sales(this.config, this.session, this.cards, this.receipts, this.ledger, this.shifts, this.passwords, this.printer, this.clock,
      opts.requireTap === false ? undefined : this.taps);
    this.orders = new OrderServing(sqlite, this.ledger, this.cards);
    this.reload();
  }

  /** Re-reads settings, school, menu, counters and the open shift (after open, or after a pull changed them). */
  reload(): void {
    this.cards.reload();
    this.config.load();
    this.receipts.reload();
    this.ledger.reload();
    this.shifts.reload();
  }

  get timeZone(): string { return this.config.school.time_zone; }

  get currentSession(): CashierSession | undefined { return this.session.current; }

  /**
   * The terminal's idle work at once: the running sums folded into the accounts' rows and a WAL
   * checkpoint. The idle timer does it a second after the last sale; call this before a clean shutdown.
   */
  idleWork(): void {
    this.ledger.idleWork();
  }

  /** Errors are values: nothing below may throw across the API. */
  private async guard<T>(fn: () => Promise<Result<T>> | Result<T>): Promise<Result<T>> {
    try {
      return await fn();
    } catch (err) {
      return fail('INTERNAL', 'Внутренняя ошибка терминала. Повторите операцию или позовите администратора', { cause: String((err as Error)?.message ?? err) });
    }
  }

  /** guard + the cashier's role. */
  private as<T>(role: Role | undefined, fn: (s: CashierSession) => Promise<Result<T>> | Result<T>): Promise<Result<T>> {
    return this.guard(() => {
      const auth = this.session.require(role);
      return auth.ok ? fn(auth.value) : auth;
    });
  }

  private shiftAction(action: Parameters<typeof checkShiftAction>[1]): Result<null> {
    return checkShiftAction(this.shifts.state, action, this.session.current?.role);
  }

  // ---- status, login ------------------------------------------------------

  status(): Promise<Result<TerminalStatus>> {
    return this.guard(() => {
      const { school, terminalId, terminalName } = this.config;
      const pending = pendingCount(this.sqlite);
      const net = this.sync.state();
      const sync = { ...net, pending };
      let staleWarning: string | undefined;
      if (net.configured) {
        const last = net.lastSyncAt ? Date.parse(net.lastSyncAt) : NaN;
        const limitMs = school.stale_after_minutes * 60_000;
        if (pending > 0 && (!Number.isFinite(last) || this.clock.now().getTime() - last > limitMs)) {
          staleWarning = `Нет связи с сервером дольше ${Math.round(school.stale_after_minutes / 60)} ч: проверьте сеть`;
        }
      }
      const session = this.session.current;
      const shift = this.shifts.current;
      return ok({
        terminalId,
        terminalName,
        schoolCode: school.code,
        schoolName: school.name,
        ...(session ? { session } : {}),
        ...(shift ? { shift } : {}),
        reader: this.reader.state(),
        printer: this.printer.state(),
        sync,
        ...(staleWarning ? { staleWarning } : {}),
      });
    });
  }

  login(pin: string): Promise<Result<CashierSession>> {
    return this.guard(() => this.session.login(pin));
  }

  logout(): Promise<Result<null>> {
    this.session.logout();
    return Promise.resolve(ok(null));
  }

  menu(): Promise<Result<Menu>> {
    return Promise.resolve(ok(this.config.menu));
  }

  // ---- cards --------------------------------------------------------------

  /** Reads a pupil: a cashier must be logged in (whichever shell calls: HTTP or Electron's IPC). */
  identifyCard(cardId: string): Promise<Result<PupilInfo>> {
    return this.as(undefined, () => {
      const id = this.cards.resolve(cardId);
      if (!id.ok) return id;
      const ctx = this.cards.context(id.value, schoolDay(this.clock.now(), this.config.school.time_zone));
      // Each identification gets its id: the sale that follows names it and uses it up.
      return ctx.ok ? ok({ tapId: this.taps.issue(id.value), ...this.cards.pupilInfo(ctx.value) }) : ctx;
    });
  }

  simulateTap(cardId: string): Promise<Result<null>> {
    return this.guard(() => {
      if (!this.reader.state().simulated) return badInput('Считыватель подключён: имитация касания недоступна');
      const id = this.cards.parse(cardId);
      if (!id.ok) return id;
      this.emit({ type: 'card', cardId: id.value.cardId });
      return ok(null);
    });
  }

  /** Manager only. */
  blockCard(cardId: string, reason: string): Promise<Result<null>> {
    return this.as('manager', (session) => {
      const r = this.cards.block(session, cardId, reason, this.clock.now(), this.shifts.current?.id ?? null);
      if (r.ok) this.emit({ type: 'dataChanged' });
      return r;
    });
  }

  // ---- selling ------------------------------------------------------------

  quote(req: SaleRequest): Promise<Result<{ total: Kopecks; subsidy: Kopecks; balanceAfter: Kopecks; lines: ReceiptDoc['lines'] }>> {
    return this.guard(() => this.sales.quote(req));
  }

  /** Role and shift are checked inside (after the idempotency look-up: a retried sale gets its first answer). */
  sell(req: SaleRequest): Promise<Result<SaleResult>> {
    return this.guard(() => this.sales.sell(req));
  }

  refund(receiptId: string, reason: string): Promise<Result<SaleResult>> {
    return this.as('manager', (session) => this.sales.refund(session, receiptId, reason));
  }

  // ---- receipts -----------------------------------------------------------

  lastReceipts(limit: number): Promise<Result<ReceiptSummary[]>> {
    return this.as(undefined, () => {
      if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > 500) return badInput('Количество чеков: от 1 до 500');
      return ok(this.receipts.last(limit));
    });
  }

  receipt(receiptId: string): Promise<Result<ReceiptDoc>> {
    return this.as(undefined, () => {
      const row = this.receipts.byId(receiptId);
      if (!row) return fail('RECEIPT_NOT_FOUND', 'Чек не найден');
      return ok(this.receipts.doc(row, this.config.header));
    });
  }

  private enqueueAlone(job: Parameters<ReceiptPrinter['enqueue']>[0]): string {
    let id = '';
    this.ledger.atomically(() => { id = this.printer.enqueue(job); });
    this.printer.kick();
    return id;
  }

  reprint(receiptId: string): Promise<Result<{ printJobId: string }>> {
    return this.as(undefined, () => {
      const row = this.receipts.byId(receiptId);
      if (!row) return fail('RECEIPT_NOT_FOUND', 'Чек не найден');
      const doc: ReceiptDoc = { ...this.receipts.doc(row, this.config.header), copy: true };
      return ok({ printJobId: this.enqueueAlone({ kind: 'receipt', payload: doc, receiptId: row.id, copy: true }) });
    });
  }

  // ---- shifts -------------------------------------------------------------

  /** With a manager's PIN typed in place, the manager opens the shift (a cashier's session stays). */
  openShift(managerPin?: string): Promise<Result<ShiftInfo>> {
    return this.guard(async () => {
      const sh = this.shiftAction('open');
      if (!sh.ok) return sh;
      const by = managerPin === undefined ? ok(this.session.current!) : await this.session.vouch(managerPin);
      if (!by.ok) return by;
      const again = this.shiftAction('open');   // checked again after the PIN's await
      if (!again.ok) return again;
      return ok(this.shifts.open(by.value, this.clock.now().toISOString()));
    });
  }

  xReport(): Promise<Result<ShiftReport>> {
    return this.guard(() => {
      const sh = this.shiftAction('x');
      if (!sh.ok) return sh;
      return ok(this.shifts.report('X', this.shifts.current!, this.clock.now().toISOString()));
    });
  }

  /** Manager only; a cashier's session passes the manager's PIN, typed in place. */
  closeShift(managerPin?: string): Promise<Result<ShiftReport>> {
    return this.guard(async () => {
      let by = this.session.current;
      if (managerPin !== undefined) {
        const v = await this.session.vouch(managerPin);
        if (!v.ok) return v;
        by = v.value;
      }
      const sh = checkShiftAction(this.shifts.state, 'z', by?.role);
      if (!sh.ok) return sh;
      const rep = this.shifts.close(by!, this.clock.now().toISOString());
      return rep ? ok(rep) : fail('NO_OPEN_SHIFT', 'Смена не открыта: откройте смену');
    });
  }

  printReport(report: ShiftReport): Promise<Result<{ printJobId: string }>> {
    return this.as(undefined, () => {
      if (!report || typeof report !== 'object' || !Array.isArray(report.text) || (report.kind !== 'X' && report.kind !== 'Z')) {
        return badInput('Неверный отчёт');
      }
      return ok({ printJobId: this.enqueueAlone({ kind: 'report', payload: report }) });
    });
  }

  // ---- «Выдача по заявке» ---------------------------------------------------

  private today(): string { return schoolDay(this.clock.now(), this.config.school.time_zone); }

  orderDay(): Promise<Result<OrderDay>> {
    return this.as(undefined, () => ok(this.orders.day(this.today())));
  }

  orderClass(sittingId: string, className: string): Promise<Result<OrderClassList>> {
    return this.as(undefined, () => this.orders.classList(this.today(), sittingId, className));
  }

  /** Cashier or manager; no shift needed (serving charges nothing; the mark names the shift when one is open). */
  serveOrders(req: ServeRequest): Promise<Result<ServeResult>> {
    return this.as(undefined, (session) => {
      const now = this.clock.now();
      return this.orders.serve(session, req, { now, day: this.today(), shiftId: this.shifts.current?.id ?? null });
    });
  }

  // ---- cabinet ------------------------------------------------------------

  /** Manager only: a new temporary cabinet password printed for the pupil. */
  newCabinetPassword(accountNumber: string): Promise<Result<{ printJobId: string }>> {
    return this.as('manager', (session) =>
      this.passwords.issue(session, accountNumber, () => this.clock.now(), () => this.shifts.current?.id ?? null));
  }
}
