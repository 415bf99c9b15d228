import { createStore, type StoreApi } from 'zustand/vanilla';
import type {
  CartLine, Menu, MenuItem, PosEvent, PupilInfo, SaleResult, ShiftReport, TerminalStatus,
} from '../api/pos-api.js';
import type { PosBridge } from '../api/pos-bridge.js';
import type { Result } from '../api/result.js';
import type { Kopecks } from '../core/money.js';
import type { ReceiptDoc } from '../core/receipt.js';
import { markTapPainted, markTapReceived } from './perf.js';

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
  loginError?: string;
  paying: boolean;
  lastSale?: SaleResult;
  preview?: ReceiptDoc;
  notice?: string;
  manager?: { tab: ManagerTab; report?: ShiftReport; error?: string; info?: string };

  init(): Promise<void>;
  refreshStatus(): Promise<void>;
  login(pin: string): Promise<void>;
  logout(): Promise<void>;
  tap(cardId: string, identified?: Result<PupilInfo>): Promise<void>;
  addItem(itemId: string): void;
  changeQuantity(itemId: string, delta: number): void;
  cancel(): void;
  pay(): Promise<void>;
  reprintLast(): Promise<void>;
  showManager(tab?: ManagerTab): void;
  closeManager(): void;
  managerCall<T>(call: (api: PosBridge) => Promise<Result<T>>, onOk?: (v: T) => string | void): Promise<T | undefined>;
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
      const r = await api.quote({ saleId, cardId: pupil.cardId, lines: cart });
      if (mine !== quoteSeq) return;
      if (r.ok) set({ quote: r.value, error: undefined });
      else set({ quote: undefined, error: r.error.message });
    };

    const onEvent = (e: PosEvent) => {
      const status = get().status;
      switch (e.type) {
        case 'card':
          void get().tap(e.cardId, e.identified);
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
        set({ pupil: undefined, cart: [], quote: undefined, error: undefined, manager: undefined, lastSale: undefined, preview: undefined });
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
          set({ tapToken: token, pupil: r.value, error: undefined, notice: undefined, lastSale: get().cart.length ? undefined : get().lastSale });
          if (get().cart.length) void requote();
        } else {
          // The cart stays: the cashier taps the right card or cancels with Esc.
          set({ tapToken: token, error: r.error.message, pupil: undefined, quote: undefined });
        }
        markTapPainted(token);
      },

      addItem(itemId) {
        const { cart, lastSale } = get();
        // The first dish after a paid sale starts a new cart for the same pupil (the last receipt stays in the preview).
        const base = lastSale && cart.length === 0 ? { lastSale: undefined } : {};
        const line = cart.find((l) => l.itemId === itemId);
        const next = line
          ? cart.map((l) => (l.itemId === itemId ? { ...l, quantity: l.quantity + 1 } : l))
          : [...cart, { itemId, quantity: 1 }];
        set({ ...base, cart: next, error: undefined, notice: undefined });
        void requote();
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
        set({ cart: [], quote: undefined, pupil: undefined, error: undefined, notice: undefined, saleId: newSaleId(), lastSale: undefined });
      },

      async pay() {
        const { pupil, cart, saleId, paying } = get();
        if (paying) return;
        if (cart.length === 0) { set({ error: 'Корзина пуста: выберите блюда' }); return; }
        if (!pupil) { set({ error: 'Приложите карту учащегося' }); return; }
        set({ paying: true });
        // The same saleId on a retry: the core answers with the first result, nothing is charged twice.
        const r = await api.sell({ saleId, cardId: pupil.cardId, lines: cart });
        if (!r.ok) { set({ paying: false, error: r.error.message }); return; }
        const sale = r.value;
        set({
          paying: false, cart: [], quote: undefined, error: undefined, saleId: newSaleId(),
          lastSale: sale, preview: sale.receipt,
          pupil: { ...pupil, balance: sale.balanceAfter, spentToday: pupil.spentToday + sale.total },
          notice: `Оплачено. Чек №${sale.receiptNumber}`,
        });
        // Entitlements and warnings may have changed: ask the core, quietly.
        void api.identifyCard(pupil.cardId).then((p) => {
          if (p.ok && get().pupil?.cardId === p.value.cardId && get().cart.length === 0) set({ pupil: p.value });
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

