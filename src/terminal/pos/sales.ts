import type { CashierSession, SaleRequest, SaleResult } from '../../api/pos-api.js';
import { schoolDay } from '../../core/datetime.js';
import type { Kopecks } from '../../core/money.js';
import { type ReceiptDoc, receiptLine, shortName } from '../../core/receipt.js';
import { formatReceiptNumber } from '../../core/receipt-number.js';
import { fail, ok, type Result } from '../../core/result.js';
import { normalizeCart, priceSale, type PricedLine, type PricedSale } from '../../core/sale.js';
import { checkShiftAction } from '../../core/shift.js';
import type { Clock, ReceiptPrinter } from '../ports.js';
import { buildReceiptDoc } from '../receipt-doc.js';
import type { CabinetPasswords, NewCabinetPassword } from './cabinet-passwords.js';
import type { CardDirectory, PupilContext } from './cards.js';
import type { TerminalConfig } from './config.js';
import type { LedgerWriter } from './ledger-writer.js';
import type { ReceiptBook } from './receipts.js';
import type { Shifts } from './shifts.js';
import type { Taps } from './taps.js';
import type { StaffSession } from './session.js';

const badInput = (message: string) => fail<never>('BAD_INPUT', message);

type Checked = { saleId: string; cardId: string; lines: unknown; allergenConfirmed?: unknown; tapId?: unknown };
type Confirmations = { itemId: string; allergens: string[] }[];
type Prepared =
  | { kind: 'done'; result: SaleResult }
  | { kind: 'sale'; saleId: string; cardId: string; priced: PricedSale; ctx: PupilContext; session: CashierSession; now: Date; day: string; needsPassword: boolean;
      confirmed: Confirmations };

/** What one receipt writes (a sale or a refund). */
interface ReceiptWrite {
  kind: 'sale' | 'refund'; saleId: string | null; cardId: string | null; accountNumber: string; fullName: string; className: string;
  lines: PricedLine[]; total: Kopecks; subsidy: Kopecks; balanceAfter: Kopecks; now: Date; day: string; session: CashierSession;
  refundOf?: { id: string; number: string };
  reason?: string;
  cabinet?: NewCabinetPassword;
  /** Lines with the pupil's allergens that the cashier confirmed (in the entry's payload; noted on the receipt). */
  confirmed?: Confirmations;
}

/**
 * Selling and refunding: the request checked, the cart priced by the core's sale rule
 * (core/sale.ts) against the pupil's context, and the receipt with its entries written in one
 * transaction.
 */
export class Sales {
  constructor(
    private readonly config: TerminalConfig,
    private readonly session: StaffSession,
    private readonly cards: CardDirectory,
    private readonly receipts: ReceiptBook,
    private readonly ledger: LedgerWriter,
    private readonly shifts: Shifts,
    private readonly passwords: CabinetPasswords,
    private readonly printer: ReceiptPrinter,
    private readonly clock: Clock,
    /** No charge without a tap (pos/taps.ts); undefined only where a caller turned the rule off. */
    private readonly taps?: Taps,
  ) {}

  private today(now: Date): string {
    return schoolDay(now, this.config.school.time_zone);
  }

  private checkRequest(req: unknown): Result<Checked> {
    if (!req || typeof req !== 'object') return badInput('Неверный запрос продажи');
    const r = req as Partial<SaleRequest>;
    if (typeof r.saleId !== 'string' || r.saleId.length < 1 || r.saleId.length > 100) return badInput('Неверный идентификатор продажи');
    // The stored id from here on: the receipt, the entries and the server know the card by it.
    const card = this.cards.resolve(r.cardId);
    if (!card.ok) return card;
    return ok({ saleId: r.saleId, cardId: card.value, lines: r.lines, allergenConfirmed: r.allergenConfirmed, tapId: r.tapId });
  }

  private price(req: Checked, day: string): Result<{ priced: PricedSale; ctx: PupilContext; confirmed: Confirmations }> {
    const cart = normalizeCart(req.lines);
    if (!cart.ok) return cart;
    const ctx = this.cards.context(req.cardId, day);
    if (!ctx.ok) return ctx;
    const c = ctx.value;
    // Allergies before prices: a dish with the pupil's allergen is confirmed by the cashier or refused.
    const confirmed = this.cards.safety.checkCart({ lines: cart.value, allergenConfirmed: req.allergenConfirmed as string[] | undefined }, c.allergies,
      (id) => this.config.catalog.get(id)?.name ?? id);
    if (!confirmed.ok) return confirmed;
    const priced = priceSale(cart.value, this.config.catalog, {
      cardState: c.card.state, balance: c.balance, overdraft: this.cards.overdraft(), reserved: c.card.reserved, dailyLimit: c.card.daily_limit,
      spentToday: c.spentToday, barredItemIds: c.barredItemIds, barredCategoryIds: c.barredCategoryIds,
      entitlements: c.entitlements, usedToday: c.usedToday,
    });
    if (!priced.ok) return priced;
    return ok({ priced: priced.value, ctx: c, confirmed: confirmed.value });
  }

  quote(req: SaleRequest): Result<{ total: Kopecks; subsidy: Kopecks; balanceAfter: Kopecks; lines: ReceiptDoc['lines'] }> {
    const r = this.checkRequest(req);
    if (!r.ok) return r;
    const p = this.price(r.value, this.today(this.clock.now()));
    if (!p.ok) return p;
    const { total, subsidy, balanceAfter, lines } = p.value.priced;
    return ok({ total, subsidy, balanceAfter, lines: lines.map(receiptLine) });
  }

  async sell(req: SaleRequest): Promise<Result<SaleResult>> {
    const first = this.prepare(req);
    if (!first.ok) return first;
    if (first.value.kind === 'done') return ok(first.value.result);
    if (!first.value.needsPassword) return ok(this.commitSale(first.value, undefined, req.tapId));
    // The account has no permanent password and this terminal has not issued a temporary
    // one yet: print one on this receipt. argon2id runs on the libuv pool (async), so the
    // event loop keeps serving; everything is checked again after the await, because
    // another sale, a logout or a pull may have happened meanwhile.
    const cabinet = await this.passwords.make();
    const again = this.prepare(req);
    if (!again.ok) return again;
    if (again.value.kind === 'done') return ok(again.value.result);
    return ok(this.commitSale(again.value, again.value.needsPassword ? cabinet : undefined, req.tapId));
  }

  /** Every check of a sale, synchronous, so that the commit right after it sees the same state. */
  private prepare(req: SaleRequest): Result<Prepared> {
    const r = this.checkRequest(req);
    if (!r.ok) return r;
    // Idempotent on saleId: a retry (lost answer, double click, restart) gets the first result.
    const existing = this.receipts.bySaleId(r.value.saleId);
    if (existing) return ok({ kind: 'done', result: this.receipts.result(existing, this.config.header) });
    const auth = this.session.require();
    if (!auth.ok) return auth;
    const sh = checkShiftAction(this.shifts.state, 'sell', auth.value.role);
    if (!sh.ok) return sh;
    // No charge without a tap: the sale names the card's live identification (after the
    // idempotency look-up, so a retried sale still gets its first answer).
    if (this.taps) {
      const tap = this.taps.check(r.value.tapId, r.value.cardId);
      if (!tap.ok) return tap;
    }
    const now = this.clock.now();
    const day = this.today(now);
    const p = this.price(r.value, day);
    if (!p.ok) return p;
    const { priced, ctx, confirmed } = p.value;
    const needsPassword = ctx.card.has_permanent_password !== 1 && ctx.card.temp_password_issued_at === null;
    return ok({ kind: 'sale', saleId: r.value.saleId, cardId: r.value.cardId, priced, ctx, session: auth.value, now, day, needsPassword, confirmed });
  }

  private commitSale(a: Extract<Prepared, { kind: 'sale' }>, cabinet: NewCabinetPassword | undefined, tapId: unknown): SaleResult {
    const { priced, ctx } = a;
    // The identification is spent by this sale (same synchronous run as the checks and the commit).
    if (this.taps && typeof tapId === 'string') this.taps.consume(tapId);
    const confirmedIds = new Set(a.confirmed.map((c) => c.itemId));
    const lines = confirmedIds.size === 0 ? priced.lines : priced.lines.map((l) => (confirmedIds.has(l.itemId)
      ? { ...l, note: l.note ? `${l.note}; аллерген подтверждён кассиром` : 'аллерген подтверждён кассиром' } : l));
    return this.commitReceipt({
      confirmed: a.confirmed,
      kind: 'sale', saleId: a.saleId, cardId: a.cardId, accountNumber: ctx.card.account_number,
      fullName: ctx.fullName, className: ctx.className, lines,
      total: priced.total, subsidy: priced.subsidy, balanceAfter: priced.balanceAfter, now: a.now, day: a.day, session: a.session,
      ...(cabinet ? { cabinet } : {}),
    });
  }

  /** Manager only (the facade checks): reverses a whole receipt with new entries. */
  refund(session: CashierSession, receiptId: unknown, reason: unknown): Result<SaleResult> {
    const sh = checkShiftAction(this.shifts.state, 'refund', session.role);
    if (!sh.ok) return sh;
    if (typeof receiptId !== 'string' || receiptId.length === 0 || receiptId.length > 100) return badInput('Неверный номер чека');
    if (typeof reason !== 'string' || reason.trim().length === 0) return badInput('Укажите причину возврата');
    if (reason.length > 300) return badInput('Причина возврата слишком длинная (до 300 знаков)');
    const orig = this.receipts.byId(receiptId);
    if (!orig || orig.kind !== 'sale') return fail('RECEIPT_NOT_FOUND', 'Чек не найден');
    if (orig.refunded_by) return fail('ALREADY_REFUNDED', `По чеку №${orig.number} уже сделан возврат`);
    const acc = this.cards.pupilOfAccount(orig.account_number);
    const balance = this.ledger.balanceOf(orig.account_number);
    if (!acc || balance === undefined) return fail('INTERNAL', 'Лицевой счёт чека не найден');
    const now = this.clock.now();
    return ok(this.commitReceipt({
      kind: 'refund', saleId: null, cardId: orig.card_id, accountNumber: orig.account_number, fullName: acc.full_name, className: acc.class_name,
      lines: this.receipts.lines(orig.seq), total: orig.total, subsidy: orig.subsidy, balanceAfter: balance + orig.total, now, day: this.today(now),
      session, refundOf: { id: orig.id, number: orig.number }, reason: reason.trim(),
    }));
  }

  /**
   * Writes a sale or refund receipt: receipt, lines, entry (+ subsidy entry, + cabinetPassword
   * entry) in ONE transaction; the entries are in the outbox and the receipt's print job is
   * queued by that same commit (both are cursors over the ledger, migration 0008; a print job
   * row is written only for a receipt with a cabinet password). Counters advance only after commit.
   * The receipt is stored once, as columns and lines (receipt-doc.ts builds its doc again); the
   * entries do not copy it (outbox.ts adds it when it builds the wire entry).
   */
  private commitReceipt(a: ReceiptWrite): SaleResult {
    const shift = this.shifts.current!;
    const { school, receiptSeries, header } = this.config;
    const seq = this.receipts.nextSeq;
    const receiptId = this.receipts.nextId(a.now.getTime());
    const number = formatReceiptNumber(school.code, seq, receiptSeries);
    const issuedAt = a.now.toISOString();
    const cashierId = a.session.cashierId;
    const pupilName = shortName(a.fullName);
    const refundOfNumber = a.refundOf?.number ?? null;
    // Stored as columns and lines, not as JSON (migration 0008); receipt-doc.ts builds the same doc again later.
    const doc = buildReceiptDoc(header, {
      kind: a.kind, number, issuedAt, lines: a.lines.map(receiptLine), total: a.total, subsidy: a.subsidy,
      pupilName, className: a.className, accountNumber: a.accountNumber, balanceAfter: a.balanceAfter,
      cashierName: a.session.name, refundOfNumber,
    });
    // The temporary password goes on paper only: the stored receipt (reprints, the API's
    // receipt()) never has it, and the print job loses it once printed (migration 0005).
    const printed: ReceiptDoc = a.cabinet
      ? { ...doc, cabinetLogin: { url: school.cabinet_url, login: a.accountNumber, password: a.cabinet.password } }
      : doc;
    const sign = a.kind === 'sale' ? -1 : 1;
    const cardId = a.cardId;
    let printJobId = '';

    this.ledger.write(() => {
      this.receipts.insert({
        seq, id: receiptId, number, kind: a.kind, saleId: a.saleId, shiftId: shift.id, cashierId, accountNumber: a.accountNumber, cardId,
        total: a.total, subsidy: a.subsidy, issuedAt, schoolDay: a.day, refundOf: a.refundOf?.id ?? null, refundOfNumber, pupilName,
        className: a.className, cashierName: a.session.name, balanceAfter: a.balanceAfter,
      }, a.lines);
      const entry = (kind: 'sale' | 'refund' | 'subsidy', accountNumber: string | null, amount: number, payload: string) =>
        this.ledger.append({ kind, accountNumber, amount, createdAt: issuedAt, schoolDay: a.day, receiptSeq: seq, shiftId: shift.id, cashierId, cardId, payload });
      entry(a.kind, a.accountNumber, sign * a.total, a.kind === 'refund' ? JSON.stringify({ refundOf: a.refundOf!.id, reason: a.reason })
        : a.confirmed?.length ? JSON.stringify({ allergenConfirmations: a.confirmed }) : '{}');
      // The budget's part, against the school's subsidy account (accountNumber null), so its cost is reportable.
      if (a.subsidy) entry('subsidy', null, sign * a.subsidy, '{}');
      // Only the hash travels; the server accepts it while the account has no permanent password.
      if (a.cabinet) {
        this.passwords.record({ passwordHash: a.cabinet.passwordHash, accountNumber: a.accountNumber, at: a.now, day: a.day, shiftId: shift.id, cashierId, cardId });
      }
      if (a.refundOf && !this.receipts.markRefunded(receiptId, a.refundOf.id)) throw new Error('receipt already refunded');
      // Without a cabinet password the printed doc IS the stored receipt's: the job is implied by the receipt (no row).
      printJobId = this.printer.enqueue({ kind: 'receipt', payload: printed, receiptId, receipt: { seq, storedDoc: !a.cabinet } });
    });

    this.receipts.committed(seq, a.saleId);
    this.printer.kick();
    return { receiptId, receiptNumber: number, total: a.total, subsidy: a.subsidy, balanceAfter: a.balanceAfter, receipt: printed, printJobId };
  }
}
