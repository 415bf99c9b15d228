import { createStore, type StoreApi } from 'zustand/vanilla';
import type {
  CartLine, Menu, MenuItem, PosEvent, PupilInfo, SaleResult, ShiftReport, TerminalStatus,
} from '../api/pos-api.js';
import type { PosBridge } from '../api/pos-bridge.js';
import type { Result } from '../api/result.js';
import type { Kopecks } from '../core/money.js';
import type { ReceiptDoc } from '../core/receipt.js';
import { markTapPainted, markTapReceived } from './perf.js';
import { allergenLabel } from '../core/allergens.js';
import { formatMoney } from '../core/money.js';
import { barredReason, itemAllergenConflicts } from './menu-order.js';

export type ManagerTab = 'shift' | 'refund' | 'block' | 'password';

export interface Quote { total: Kopecks; subsidy: Kopecks; balanceAfter: Kopecks; lines: ReceiptDoc['lines'] }

export interface PosState {
  api: PosBridge;
  status?: TerminalStatus;
  menu?: Menu;
  /** Hotkey ("1", "F1") → item, rebuilt with the menu. */
  hotkeys: Map<string, MenuItem>;
  pupil?: PupilInfo;
  /** Set when a tap arrives; the panel shows it until the pupil is known. */
  tapToken: number;
  cart: CartLine[];
  saleId: string;
  quote?: Quote;
  /** The last error from the core, shown in place (Russian, as the core wrote it). */
  error?: string;
  /** Why the cart cannot be paid as it stands (insufficient balance, daily limit …), from the core's quote. */
  quoteError?: { code: string; message: string };
  /** A dish with one of the pupil's allergens waits for the cashier's explicit confirmation. */
  pendingAllergen?: { itemId: string; name: string; allergens: string[] };
  /** Items of this cart whose allergens the cashier confirmed (sent with the sale). */
  allergenConfirmed: string[];
  /** After a paid sale: the panel shows the result; nothing starts until the next card (no charge without a tap). */
  awaitingTap: boolean;
  /** A tap with no open shift: the panel offers to open it in place (manager's PIN). */
  shiftPrompt: boolean;
  loginError?: string;
  paying: boolean;
  lastSale?: SaleResult;
  preview?: ReceiptDoc;
  notice?: string;
  manager?: { tab: ManagerTab; report?: ShiftReport; error?: string; info?: string };
  /** «Выдача по заявке» is open (ServeScreen): card taps mark orders served there, not start a sale. */
  serving: boolean;

  init(): Promise<void>;
  refreshStatus(): Promise<void>;
  login(pin: string): Promise<void>;
  logout(): Promise<void>;
  tap(cardId: string, identified?: Result<PupilInfo>): Promise<void>;
  addItem(itemId: string): void;
  confirmAllergen(yes: boolean): void;
  openShiftInPlace(managerPin: string): Promise<boolean>;
  changeQuantity(itemId: string, delta: number): void;
  cancel(): void;
  pay(): Promise<void>;
  reprintLast(): Promise<void>;
  showManager(tab?: ManagerTab): void;
  showServing(on: boolean): void;
  closeManager(): void;
  managerCall: <T>(call: (api: PosBridge) => Promise<Result<T>>, onOk?: (v: T) => string | void) => Promise<T | undefined>;
  setReport(report?: ShiftReport): void;
  dismissError(): void;
}

const newSaleId = (): string => crypto.randomUUID();

export function createPosStore(api: PosBridge): StoreApi<PosState> {
  let tapSeq = 0;
  let quoteSeq = 0;

  const store = createStore<PosState>()((set, get) => {
    /** Prices the cart with the core when a pupil is known; stale answers are dropped. */
    const requote = async () => {
      const { pupil, cart, saleId } = get();
      if (!pupil || cart.length === 0) { set({ quote: undefined }); return; }
      const mine = ++quoteSeq;
      const r = await api.quote({ saleId, cardId: pupil.cardId, lines: cart, tapId: pupil.tapId, allergenConfirmed: get().allergenConfirmed });
      if (mine !== quoteSeq) return;
      if (r.ok) set({ quote: r.value, quoteError: undefined, error: undefined });
      else set({ quote: undefined, quoteError: { code: r.error.code, message: r.error.message } });
    };

    const onEvent = (e: PosEvent) => {
      const status = get().status;
      switch (e.type) {
        case 'card':
          if (!get().serving) void get().tap(e.cardId, e.identified);
          break;
        case 'cardError':
          set({ error: e.message });
          break;
        case 'reader':
          if (status) set({ status: { ...status, reader: e.state } });
          break;
        case 'printer':
          if (status) set({ status: { ...status, printer: e.state } });
          break;
        case 'sync':
          if (status) set({ status: { ...status, sync: e.state } });
          break;
        case 'dataChanged':
          void get().refreshStatus();
          void api.menu().then((m) => { if (m.ok) setMenu(m.value); });
          break;
      }
    };

    const setMenu = (menu: Menu) => {
      const hotkeys = new Map<string, MenuItem>();
      for (const item of menu.items) if (item.hotkey) hotkeys.set(item.hotkey.toUpperCase(), item);
      set({ menu, hotkeys });
    };

    return {
      api,
      hotkeys: new Map(),
      tapToken: 0,
      cart: [],
      saleId: newSaleId(),
      paying: false,
      allergenConfirmed: [],
      awaitingTap: false,
      shiftPrompt: false,
      serving: false,

      async init() {
        api.onEvent(onEvent);
        const [status, menu] = await Promise.all([api.status(), api.menu()]);
        if (status.ok) set({ status: status.value });
        if (menu.ok) setMenu(menu.value);
        else set({ error: menu.error.message });
      },

      async refreshStatus() {
        const r = await api.status();
        if (r.ok) set({ status: r.value });
      },

      async login(pin) {
        const r = await api.login(pin);
        if (!r.ok) { set({ loginError: r.error.message }); return; }
        set({ loginError: undefined, error: undefined });
        await get().refreshStatus();
        const menu = await api.menu();
        if (menu.ok) setMenu(menu.value);
      },

      async logout() {
        await api.logout();
        set({ pupil: undefined, cart: [], quote: undefined, error: undefined, manager: undefined, lastSale: undefined, preview: undefined, serving: false });
        await get().refreshStatus();
      },

      async tap(cardId, identified) {
        if (!get().status?.session) return;
        const token = ++tapSeq;
        markTapReceived(token);
        let r = identified;
        if (!r) {
          set({ tapToken: token });
          r = await api.identifyCard(cardId);
          if (token !== tapSeq) return; // a newer tap won
        }
        // One state change per tap: one render, one paint.
        if (r.ok) {
          const samePupil = get().pupil?.accountNumber === r.value.accountNumber;
          const noShift = !get().status?.shift;
          set({
            tapToken: token, pupil: r.value, notice: undefined, lastSale: get().cart.length ? undefined : get().lastSale,
            awaitingTap: false, shiftPrompt: noShift, quoteError: undefined,
            // Errors before Enter: with no open shift the tap says so at once.
            error: noShift ? 'Смена не открыта: продажа невозможна. Откройте смену (PIN заведующего).' : undefined,
            allergenConfirmed: samePupil ? get().allergenConfirmed : [],
          });
          if (get().cart.length) {
            // Dishes keyed before the tap: the pupil's bans and allergies apply to them too.
            const menu = get().menu;
            for (const line of get().cart) {
              const item = menu?.items.find((i) => i.id === line.itemId);
              if (!item || get().allergenConfirmed.includes(item.id)) continue;
              const conflicts = itemAllergenConflicts(item, r.value);
              if (conflicts.length) { set({ pendingAllergen: { itemId: item.id, name: item.name, allergens: conflicts } }); break; }
            }
            void requote();
          }
        } else {
          // The cart stays: the cashier taps the right card or cancels with Esc.
          set({ tapToken: token, error: r.error.message, pupil: undefined, quote: undefined });
        }
        markTapPainted(token);
      },

      addItem(itemId) {
        const { cart, lastSale, pupil, awaitingTap, menu } = get();
        // After a paid sale nothing starts until the next card: a dish key must never charge the previous child.
        if (awaitingTap) { set({ error: 'Оплачено. Для новой покупки приложите карту учащегося', notice: undefined }); return; }
        const item = menu?.items.find((i) => i.id === itemId);
        if (item && pupil) {
          const barred = barredReason(item, pupil);
          if (barred) { set({ error: `${barred}. Блюдо не добавлено`, notice: undefined }); return; }
          const conflicts = itemAllergenConflicts(item, pupil);
          if (conflicts.length && !get().allergenConfirmed.includes(itemId)) {
            if (pupil.allergenPolicy === 'refuse') {
              set({ error: `Аллергия: «${item.name}» содержит ${conflicts.map(allergenLabel).join(', ').toLowerCase()}. Школа не продаёт такие блюда этому учащемуся`, notice: undefined });
              return;
            }
            set({ pendingAllergen: { itemId, name: item.name, allergens: conflicts }, notice: undefined });
            return;
          }
        }
        const base = lastSale && cart.length === 0 ? { lastSale: undefined } : {};
        const line = cart.find((l) => l.itemId === itemId);
        const next = line
          ? cart.map((l) => (l.itemId === itemId ? { ...l, quantity: l.quantity + 1 } : l))
          : [...cart, { itemId, quantity: 1 }];
        set({ ...base, cart: next, error: undefined, notice: undefined });
        void requote();
      },

      confirmAllergen(yes) {
        const p = get().pendingAllergen;
        if (!p) return;
        set({ pendingAllergen: undefined });
        if (!yes) {
          // Declined: a line keyed before the tap goes; nothing new is added.
          set({ cart: get().cart.filter((l) => l.itemId !== p.itemId), notice: `«${p.name}» не добавлено` });
          void requote();
          return;
        }
        set({ allergenConfirmed: [...get().allergenConfirmed, p.itemId] });
        if (get().cart.some((l) => l.itemId === p.itemId)) { void requote(); return; }
        get().addItem(p.itemId);
      },

      async openShiftInPlace(managerPin) {
        const r = await api.openShift(managerPin);
        if (!r.ok) { set({ error: r.error.message }); return false; }
        set({ shiftPrompt: false, error: undefined, notice: `Смена №${r.value.number} открыта` });
        await get().refreshStatus();
        if (get().cart.length) void requote();
        return true;
      },

      changeQuantity(itemId, delta) {
        const next = get().cart
          .map((l) => (l.itemId === itemId ? { ...l, quantity: l.quantity + delta } : l))
          .filter((l) => l.quantity > 0);
        set({ cart: next, error: undefined });
        void requote();
      },

      cancel() {
        quoteSeq++;
        set({
          cart: [], quote: undefined, quoteError: undefined, pupil: undefined, error: undefined, notice: undefined, saleId: newSaleId(),
          lastSale: undefined, pendingAllergen: undefined, allergenConfirmed: [], awaitingTap: false, shiftPrompt: false,
        });
      },

      async pay() {
        const { pupil, cart, saleId, paying, awaitingTap, quoteError, pendingAllergen } = get();
        if (paying || pendingAllergen) return;
        if (awaitingTap) { set({ error: 'Оплачено. Для новой покупки приложите карту учащегося' }); return; }
        if (cart.length === 0) { set({ error: 'Корзина пуста: выберите блюда' }); return; }
        if (!pupil) { set({ error: 'Приложите карту учащегося' }); return; }
        if (quoteError) { set({ error: quoteError.message }); return; }
        set({ paying: true });
        // The same saleId on a retry: the core answers with the first result, nothing is charged twice.
        const r = await api.sell({ saleId, cardId: pupil.cardId, lines: cart, tapId: pupil.tapId, allergenConfirmed: get().allergenConfirmed });
        if (!r.ok) { set({ paying: false, error: r.error.message }); return; }
        const sale = r.value;
        // The tap is used up: the panel shows the result until the next card, and no dish key starts anything.
        set({
          paying: false, cart: [], quote: undefined, quoteError: undefined, error: undefined, saleId: newSaleId(),
          lastSale: sale, preview: sale.receipt, awaitingTap: true, allergenConfirmed: [],
          pupil: {
            ...pupil, tapId: undefined, balance: sale.balanceAfter, spentToday: pupil.spentToday + sale.total,
            ...(pupil.reserved !== undefined ? { available: sale.balanceAfter - pupil.reserved } : {}),
          },
          notice: `Оплачено. Чек №${sale.receiptNumber}. Остаток ${formatMoney(sale.balanceAfter)}`,
        });
        void get().refreshStatus();
      },

      async reprintLast() {
        const receipts = await api.lastReceipts(1);
        if (!receipts.ok) { set({ error: receipts.error.message }); return; }
        const last = receipts.value[0];
        if (!last) { set({ error: 'Чеков в этой смене ещё нет' }); return; }
        const r = await api.reprint(last.receiptId);
        if (!r.ok) { set({ error: r.error.message }); return; }
        const doc = await api.receipt(last.receiptId);
        set({ notice: `Копия чека №${last.number} отправлена на печать`, error: undefined, preview: doc.ok ? { ...doc.value, copy: true } : get().preview });
      },

      showManager(tab = 'shift') { set({ manager: { tab } }); },
      showServing(on) { set({ serving: on }); },
      closeManager() { set({ manager: undefined }); void get().refreshStatus(); },
      setReport(report) { const m = get().manager; if (m) set({ manager: { ...m, report } }); },

      async managerCall(call, onOk) {
        const m = get().manager ?? { tab: 'shift' as ManagerTab };
        const r = await call(api);
        if (!r.ok) { set({ manager: { ...m, error: r.error.message, info: undefined } }); return undefined; }
        // A call without onOk is a quiet read (reloading a list): it must not wipe the last message.
        if (onOk) {
          const info = onOk(r.value) ?? undefined;
          set({ manager: { ...(get().manager ?? m), error: undefined, info } });
        }
        void get().refreshStatus();
        return r.value;
      },

      dismissError() { set({ error: undefined }); },
    };
  });
  return store;
}

