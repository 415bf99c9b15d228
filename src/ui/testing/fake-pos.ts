import type {
  CashierSession, Menu, MenuItem, PosApi, PosEvent, PrinterState, PupilInfo, ReaderState, ReceiptSummary,
  SaleRequest, SaleResult, ShiftInfo, ShiftReport, SyncState, TerminalStatus,
} from '../../api/pos-api.js';
import type { PosBridge } from '../../api/pos-bridge.js';
import { fail, ok, type Result } from '../../api/result.js';
import { DEMO_SCHOOL, type DemoSchool } from '../../core/demo-school.js';
import type { Kopecks } from '../../core/money.js';
import { receiptLine, shortName, type ReceiptDoc } from '../../core/receipt.js';
import { normalizeCart, priceSale, type CatalogItem, type Entitlement } from '../../core/sale.js';
import { buildShiftReport, type ReportReceipt } from '../../core/shift-report.js';

/**
 * An in-memory PosApi over the demo school, for UI unit tests and for running
 * the browser shell before (or without) the real terminal core. No I/O, no
 * persistence: it is a stand-in, not a ledger. The real core lives in
 * src/terminal; the end-to-end tests run against that one.
 */
export function createFakePos(school: DemoSchool = structuredClone(DEMO_SCHOOL)): PosBridge & {
  emit(event: PosEvent): void;
  setSync(patch: Partial<SyncState>): void;
  setPrinter(patch: Partial<PrinterState>): void;
} {
  const listeners = new Set<(e: PosEvent) => void>();
  const emit = (e: PosEvent) => { for (const l of listeners) l(e); };
  let session: CashierSession | undefined;
  let shift: ShiftInfo | undefined;
  let shiftCount = 0;
  let receiptSeq = 0;
  const reader: ReaderState = { connected: true, simulated: true, port: 'simulated' };
  const printer: PrinterState = { state: 'ready', simulated: true, queued: 0 };
  const sync: SyncState = { online: false, pending: 0, configured: false };
  const balances = new Map(school.students.map((s) => [s.accountNumber, s.openingBalance]));
  const spent = new Map<string, Kopecks>();
  const usedSets = new Set<string>(); // `${account}|${mealSetId}`
  const receipts: { summary: ReceiptSummary; doc: ReceiptDoc; shiftId: string; result: SaleResult; report: ReportReceipt; account: string;
    benefitSets: string[] }[] = [];
  const sales = new Map<string, SaleResult>();

  const items: MenuItem[] = [
    ...school.dishes.map((d) => ({ id: d.id, kind: 'dish' as const, name: d.name, price: d.price, categoryId: d.categoryId, hotkey: d.hotkey, sort: d.sort })),
    ...school.mealSets.map((m) => ({ id: m.id, kind: 'mealSet' as const, name: m.name, price: m.price, categoryId: m.categoryId, hotkey: m.hotkey, sort: 100 + m.sort })),
  ].sort((a, b) => a.sort - b.sort).map(({ sort: _s, ...i }) => i);
  // Prices, benefits, limits and reports come from src/core, as in the real terminal; only the storage is fake.
  const catalog = new Map<string, CatalogItem>(items.map((i) => [i.id, { id: i.id, kind: i.kind, name: i.name, price: i.price, categoryId: i.categoryId }]));

  const needSession = (): Result<never> | undefined => (session ? undefined : fail('NOT_LOGGED_IN', 'Войдите по PIN-коду'));
  const needManager = (): Result<never> | undefined =>
    needSession() ?? (session!.role === 'manager' ? undefined : fail('WRONG_ROLE', 'Нужен заведующий производством'));

  function pupil(cardId: string): Result<PupilInfo> {
    const card = school.cards.find((c) => c.id === cardId);
    if (!card) return fail('UNKNOWN_CARD', `Карта ${cardId} не зарегистрирована`);
    const s = school.students.find((st) => st.accountNumber === card.accountNumber)!;
    const balance = balances.get(s.accountNumber)!;
    const warnings: string[] = [];
    if (card.state === 'blocked') warnings.push('Карта заблокирована');
    if (card.state === 'lost') warnings.push('Карта утеряна');
    if (balance < 5000) warnings.push('Баланс близок к нулю');
    const benefits = s.benefitCategoryIds.map((id) => school.benefitCategories.find((b) => b.id === id)!.name);
    const entitlements = school.entitlementRules
      .filter((r) => s.benefitCategoryIds.includes(r.benefitCategoryId))
      .map((r) => ({ mealSetId: r.mealSetId, parentPays: r.parentPays, usedToday: usedSets.has(`${s.accountNumber}|${r.mealSetId}`) }));
    const barred = [...s.barredItemIds, ...items.filter((i) => s.barredCategoryIds.includes(i.categoryId)).map((i) => i.id)];
    return ok({
      cardId, cardState: card.state, accountNumber: s.accountNumber, fullName: s.fullName, className: s.className,
      balance, overdraftLimit: school.school.overdraftLimit, dailyLimit: s.dailyLimit,
      spentToday: spent.get(s.accountNumber) ?? 0, benefits, entitlements, barredItemIds: barred, warnings,
      hasPermanentPassword: s.hasPermanentPassword,
    });
  }

  function price(req: SaleRequest) {
    const p = pupil(req.cardId);
    if (!p.ok) return p;
    const info = p.value;
    const cart = normalizeCart(req.lines);
    if (!cart.ok) return cart;
    const s = school.students.find((st) => st.accountNumber === info.accountNumber)!;
    const entitlements: Entitlement[] = school.entitlementRules
      .filter((r) => s.benefitCategoryIds.includes(r.benefitCategoryId))
      .map((r) => ({ ruleId: r.id, mealSetId: r.mealSetId, parentPays: r.parentPays }));
    const priced = priceSale(cart.value, catalog, {
      cardState: info.cardState, balance: info.balance, overdraft: info.overdraftLimit, dailyLimit: info.dailyLimit ?? null,
      spentToday: info.spentToday, barredItemIds: new Set(s.barredItemIds), barredCategoryIds: new Set(s.barredCategoryIds),
      entitlements, usedToday: new Set(info.entitlements.filter((e) => e.usedToday).map((e) => e.mealSetId)),
    });
    if (!priced.ok) return priced;
    return ok({ info, ...priced.value });
  }

  function report(kind: 'X' | 'Z', sh: ShiftInfo): ShiftReport {
    return buildShiftReport({
      kind, shift: sh, receipts: receipts.filter((r) => r.shiftId === sh.id).map((r) => r.report), generatedAt: new Date().toISOString(),
      schoolName: school.school.name, terminalName: school.terminal.name, timeZone: school.school.timeZone,
    });
  }

  function newReceipt(kind: 'sale' | 'refund', info: PupilInfo, lines: ReceiptDoc['lines'], total: Kopecks, refundOf?: string): ReceiptDoc {
    receiptSeq++;
    return {
      kind, schoolName: school.school.name, terminalName: school.terminal.name,
      number: `${school.school.code}-${String(receiptSeq).padStart(6, '0')}`, issuedAt: new Date().toISOString(),
      timeZone: school.school.timeZone, lines, total,
      pupil: { shortName: shortName(info.fullName), className: info.className, accountNumber: info.accountNumber },
      balanceAfter: balances.get(info.accountNumber), cashierName: session?.name, refundOf,
    };
  }

  const api: PosApi = {
    async status(): Promise<Result<TerminalStatus>> {
      return ok({ terminalId: school.terminal.id, terminalName: school.terminal.name, schoolCode: school.school.code,
        schoolName: school.school.name, session, shift, reader: { ...reader }, printer: { ...printer }, sync: { ...sync } });
    },
    async login(pin) {
      const c = school.cashiers.find((x) => x.pin === pin);
      if (!c) return fail('BAD_PIN', 'Неверный PIN-код');
      session = { cashierId: c.id, name: c.name, role: c.role };
      return ok(session);
    },
    async logout() { session = undefined; return ok(null); },
    async menu(): Promise<Result<Menu>> {
      return ok({ categories: [...school.categories].sort((a, b) => a.sort - b.sort).map(({ id, name }) => ({ id, name })), items });
    },
    async identifyCard(cardId) { return needSession() ?? pupil(cardId); },
    async quote(req) {
      const p = needSession() ?? price(req);
      if (!p.ok) return p;
      return ok({ total: p.value.total, subsidy: p.value.subsidy, balanceAfter: p.value.balanceAfter, lines: p.value.lines.map(receiptLine) });
    },
    async sell(req) {
      const guard = needSession() ?? (shift ? undefined : fail('NO_OPEN_SHIFT', 'Смена не открыта'));
      if (guard) return guard;
      const done = sales.get(req.saleId);
      if (done) return ok(done);
      const p = price(req);
      if (!p.ok) return p;
      const { info, lines, total, subsidy } = p.value;
      balances.set(info.accountNumber, info.balance - total);
      spent.set(info.accountNumber, (spent.get(info.accountNumber) ?? 0) + total);
      for (const l of lines) if (l.ruleId) usedSets.add(`${info.accountNumber}|${l.itemId}`);
      const doc = newReceipt('sale', info, lines.map(receiptLine), total);
      if (subsidy) doc.subsidy = subsidy;
      const result: SaleResult = { receiptId: `r-${receiptSeq}`, receiptNumber: doc.number, total, subsidy, balanceAfter: info.balance - total, receipt: doc, printJobId: `job-${receiptSeq}` };
      receipts.push({ summary: { receiptId: result.receiptId, number: doc.number, issuedAt: doc.issuedAt, accountNumber: info.accountNumber,
        pupilName: doc.pupil!.shortName, total, refunded: false, kind: 'sale' }, doc, shiftId: shift!.id, result, account: info.accountNumber,
        report: { seq: receiptSeq, number: doc.number, kind: 'sale', total, subsidy, lines },
        benefitSets: lines.filter((l) => l.ruleId).map((l) => l.itemId) });
      sales.set(req.saleId, result);
      if (sync.configured) { sync.pending++; emit({ type: 'sync', state: { ...sync } }); }
      return ok(result);
    },
    async lastReceipts(limit) {
      return needSession() ?? ok(receipts.slice(-limit).reverse().map((r) => ({ ...r.summary })));
    },
    async receipt(id) {
      const r = receipts.find((x) => x.summary.receiptId === id);
      return r ? ok(r.doc) : fail('RECEIPT_NOT_FOUND', 'Чек не найден');
    },
    async reprint(id) {
      const r = receipts.find((x) => x.summary.receiptId === id);
      if (!r) return fail('RECEIPT_NOT_FOUND', 'Чек не найден');
      if (printer.state === 'offline' || printer.state === 'paperOut') return fail('PRINTER_ERROR', printer.message ?? 'Принтер не готов');
      return ok({ printJobId: `job-reprint-${id}` });
    },
    async openShift() {
      const g = needSession();
      if (g) return g;
      if (shift) return fail('SHIFT_ALREADY_OPEN', `Смена №${shift.number} уже открыта`);
      shiftCount++;
      shift = { id: `shift-${shiftCount}`, number: shiftCount, openedAt: new Date().toISOString(), openedBy: session!.name };
      return ok(shift);
    },
    async xReport() {
      const g = needSession() ?? (shift ? undefined : fail('NO_OPEN_SHIFT', 'Смена не открыта'));
      return g ?? ok(report('X', shift!));
    },
    async closeShift() {
      const g = needManager() ?? (shift ? undefined : fail('NO_OPEN_SHIFT', 'Смена не открыта'));
      if (g) return g;
      const closed = { ...shift!, closedAt: new Date().toISOString() };
      const rep = report('Z', closed);
      shift = undefined;
      return ok(rep);
    },
    async printReport() { return ok({ printJobId: 'job-report' }); },
    async refund(receiptId, _reason) {
      const g = needManager() ?? (shift ? undefined : fail('NO_OPEN_SHIFT', 'Смена не открыта'));
      if (g) return g;
      const r = receipts.find((x) => x.summary.receiptId === receiptId || x.summary.number === receiptId);
      if (!r || r.summary.kind !== 'sale') return fail('RECEIPT_NOT_FOUND', 'Чек не найден');
      if (r.summary.refunded) return fail('ALREADY_REFUNDED', `Чек №${r.summary.number} уже возвращён`);
      r.summary.refunded = true;
      // As the core does: the money back, today's spending down, the benefit free again.
      balances.set(r.account, balances.get(r.account)! + r.summary.total);
      spent.set(r.account, (spent.get(r.account) ?? 0) - r.summary.total);
      for (const set of r.benefitSets) usedSets.delete(`${r.account}|${set}`);
      const info = (pupil(school.cards.find((c) => c.accountNumber === r.account)!.id) as { value: PupilInfo }).value;
      const doc = newReceipt('refund', info, r.doc.lines, r.summary.total, r.summary.number);
      const result: SaleResult = { receiptId: `r-${receiptSeq}`, receiptNumber: doc.number, total: r.summary.total, subsidy: 0, balanceAfter: balances.get(r.account)!, receipt: doc };
      receipts.push({ summary: { receiptId: result.receiptId, number: doc.number, issuedAt: doc.issuedAt, accountNumber: r.account,
        pupilName: doc.pupil!.shortName, total: r.summary.total, refunded: false, kind: 'refund' }, doc, shiftId: shift!.id, result, account: r.account,
        report: { seq: receiptSeq, number: doc.number, kind: 'refund', total: r.summary.total, subsidy: r.report.subsidy, lines: r.report.lines },
        benefitSets: [] });
      return ok(result);
    },
    async blockCard(cardId) {
      const g = needManager();
      if (g) return g;
      const card = school.cards.find((c) => c.id === cardId);
      if (!card) return fail('UNKNOWN_CARD', `Карта ${cardId} не зарегистрирована`);
      card.state = 'blocked';
      return ok(null);
    },
    async newCabinetPassword(accountNumber) {
      const g = needManager();
      if (g) return g;
      if (!school.students.some((s) => s.accountNumber === accountNumber)) return fail('BAD_INPUT', 'Нет такого лицевого счёта');
      return ok({ printJobId: 'job-password' });
    },
    async simulateTap(cardId) {
      emit({ type: 'card', cardId });
      return ok(null);
    },
  };

  return {
    ...api,
    onEvent(listener) { listeners.add(listener); return () => listeners.delete(listener); },
    emit,
    setSync(patch) { Object.assign(sync, patch); emit({ type: 'sync', state: { ...sync } }); },
    setPrinter(patch) { Object.assign(printer, patch); emit({ type: 'printer', state: { ...printer } }); },
  };
}
