import type {
  CashierSession, Menu, MenuItem, PosApi, PosEvent, PrinterState, PupilInfo, ReaderState, ReceiptSummary,
  SaleRequest, SaleResult, ShiftInfo, ShiftReport, SyncState, TerminalStatus,
} from '../../api/pos-api.js';
import type { PosBridge } from '../../api/pos-bridge.js';
import { fail, ok, type Result } from '../../api/result.js';
import { DEMO_SCHOOL, type DemoSchool } from '../../core/demo-school.js';
import { formatAmount, type Kopecks } from '../../core/money.js';
import { shortName, type ReceiptDoc } from '../../core/receipt.js';

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
  const receipts: { summary: ReceiptSummary; doc: ReceiptDoc; shiftId: string; result: SaleResult;
    lines: { itemId: string; name: string; quantity: number; amount: Kopecks }[]; account: string; subsidy: Kopecks }[] = [];
  const sales = new Map<string, SaleResult>();

  const items: MenuItem[] = [
    ...school.dishes.map((d) => ({ id: d.id, kind: 'dish' as const, name: d.name, price: d.price, categoryId: d.categoryId, hotkey: d.hotkey, sort: d.sort })),
    ...school.mealSets.map((m) => ({ id: m.id, kind: 'mealSet' as const, name: m.name, price: m.price, categoryId: m.categoryId, hotkey: m.hotkey, sort: 100 + m.sort })),
  ].sort((a, b) => a.sort - b.sort).map(({ sort: _s, ...i }) => i);

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
    if (info.cardState === 'blocked') return fail('CARD_BLOCKED', 'Карта заблокирована. Продажа невозможна');
    if (info.cardState === 'lost') return fail('CARD_LOST', 'Карта числится утерянной. Продажа невозможна');
    if (req.lines.length === 0) return fail('EMPTY_SALE', 'Корзина пуста');
    const lines: (ReceiptDoc['lines'][number] & { itemId: string; subsidy: Kopecks })[] = [];
    for (const l of req.lines) {
      const item = items.find((i) => i.id === l.itemId);
      if (!item) return fail('UNKNOWN_ITEM', 'Нет такого блюда в меню');
      if (info.barredItemIds.includes(item.id)) return fail('BARRED_ITEM', `Родители запретили: ${item.name}`);
      const ent = info.entitlements.find((e) => e.mealSetId === item.id && !e.usedToday);
      let amount = item.price * l.quantity;
      let subsidy = 0;
      if (ent) { subsidy = item.price - ent.parentPays; amount -= subsidy; }
      lines.push({ itemId: item.id, name: item.name, quantity: l.quantity, unitPrice: item.price, amount, subsidy, note: ent ? 'льгота' : undefined });
    }
    const total = lines.reduce((a, l) => a + l.amount, 0);
    const subsidy = lines.reduce((a, l) => a + l.subsidy, 0);
    const balanceAfter = info.balance - total;
    if (balanceAfter < -info.overdraftLimit) {
      return fail('INSUFFICIENT_FUNDS', `Недостаточно средств: на счёте ${formatAmount(info.balance)} ₽, к оплате ${formatAmount(total)} ₽`);
    }
    if (info.dailyLimit !== undefined && info.spentToday + total > info.dailyLimit) {
      return fail('DAILY_LIMIT', `Превышен дневной лимит: осталось ${formatAmount(info.dailyLimit - info.spentToday)} ₽`);
    }
    return ok({ info, lines, total, subsidy, balanceAfter });
  }

  function report(kind: 'X' | 'Z', sh: ShiftInfo): ShiftReport {
    const inShift = receipts.filter((r) => r.shiftId === sh.id);
    const salesR = inShift.filter((r) => r.summary.kind === 'sale');
    const refundsR = inShift.filter((r) => r.summary.kind === 'refund');
    const salesTotal = salesR.reduce((a, r) => a + r.summary.total, 0);
    const refundsTotal = refundsR.reduce((a, r) => a + r.summary.total, 0);
    const perItem = new Map<string, { itemId: string; name: string; quantity: number; amount: Kopecks }>();
    for (const r of salesR) for (const l of r.lines) {
      const e = perItem.get(l.itemId) ?? { itemId: l.itemId, name: l.name, quantity: 0, amount: 0 };
      e.quantity += l.quantity; e.amount += l.amount; perItem.set(l.itemId, e);
    }
    const rep: Omit<ShiftReport, 'text'> = {
      kind, shift: sh, generatedAt: new Date().toISOString(), salesCount: salesR.length, salesTotal,
      subsidyTotal: salesR.reduce((a, r) => a + r.subsidy, 0), refundsCount: refundsR.length, refundsTotal,
      net: salesTotal - refundsTotal, firstReceipt: inShift[0]?.summary.number, lastReceipt: inShift.at(-1)?.summary.number,
      perItem: [...perItem.values()],
    };
    return { ...rep, text: [`${kind}-отчёт, смена №${sh.number}`, `Продаж: ${rep.salesCount} на ${formatAmount(salesTotal)}`,
      `Возвратов: ${rep.refundsCount} на ${formatAmount(refundsTotal)}`, `Итого: ${formatAmount(rep.net)}`] };
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
      return ok({ total: p.value.total, subsidy: p.value.subsidy, balanceAfter: p.value.balanceAfter, lines: p.value.lines });
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
      for (const l of lines) if (l.subsidy > 0) usedSets.add(`${info.accountNumber}|${l.itemId}`);
      const doc = newReceipt('sale', info, lines.map(({ itemId: _i, subsidy: _s, ...l }) => l), total);
      doc.subsidy = subsidy;
      const result: SaleResult = { receiptId: `r-${receiptSeq}`, receiptNumber: doc.number, total, subsidy, balanceAfter: info.balance - total, receipt: doc, printJobId: `job-${receiptSeq}` };
      receipts.push({ summary: { receiptId: result.receiptId, number: doc.number, issuedAt: doc.issuedAt, accountNumber: info.accountNumber,
        pupilName: doc.pupil!.shortName, total, refunded: false, kind: 'sale' }, doc, shiftId: shift!.id, result, lines, account: info.accountNumber, subsidy });
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
      balances.set(r.account, balances.get(r.account)! + r.summary.total);
      const info = (pupil(school.cards.find((c) => c.accountNumber === r.account)!.id) as { value: PupilInfo }).value;
      const doc = newReceipt('refund', info, r.doc.lines, r.summary.total, r.summary.number);
      const result: SaleResult = { receiptId: `r-${receiptSeq}`, receiptNumber: doc.number, total: r.summary.total, subsidy: 0, balanceAfter: balances.get(r.account)!, receipt: doc };
      receipts.push({ summary: { receiptId: result.receiptId, number: doc.number, issuedAt: doc.issuedAt, accountNumber: r.account,
        pupilName: doc.pupil!.shortName, total: r.summary.total, refunded: false, kind: 'refund' }, doc, shiftId: shift!.id, result, lines: [], account: r.account, subsidy: 0 });
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
