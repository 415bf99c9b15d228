import { createStore, type StoreApi } from 'zustand/vanilla';
import type { OrderClassList, OrderDay, ServeRequest } from '../api/pos-api.js';
import type { PosBridge } from '../api/pos-bridge.js';

/**
 * «Выдача по заявке» (issue 15): the screen's state. Today's sittings and classes, the picked class's list,
 * and the last mark's message. Every mark goes through the core (PosApi.serveOrders), which answers with
 * the class list as it now stands, so the screen never guesses what is served.
 */
export interface ServeState {
  day?: OrderDay;
  sittingId?: string;
  className?: string;
  list?: OrderClassList;
  /** Russian, from the core: "Выдано: …", "… уже выдано", "… заказа нет". */
  message?: string;
  /** The last card tap's pupil's money: balance and what is available (balance − reserved for pre-orders). */
  funds?: { balance: number; available: number };
  error?: string;
  busy: boolean;

  load(): Promise<void>;
  pick(sittingId: string, className: string): Promise<void>;
  serveCard(cardId: string): Promise<void>;
  serveLine(lineId: string): Promise<void>;
  serveAll(): Promise<void>;
}

export function createServeStore(api: PosBridge): StoreApi<ServeState> {
  return createStore<ServeState>()((set, get) => {
    const serve = async (req: Omit<ServeRequest, 'sittingId' | 'className'>) => {
      const { sittingId, className } = get();
      if (!sittingId || !className) { set({ error: 'Выберите смену питания и класс', message: undefined }); return; }
      set({ busy: true });
      const r = await api.serveOrders({ sittingId, className, ...req });
      if (r.ok) set({ list: r.value.list, message: r.value.message, funds: r.value.funds, error: undefined, busy: false });
      else set({ error: r.error.message, message: undefined, funds: fundsOf(r.error.details), busy: false });
      void refreshDay();
    };
    const refreshDay = async () => {
      const r = await api.orderDay();
      if (r.ok) set({ day: r.value });
    };
    return {
      busy: false,
      async load() {
        const r = await api.orderDay();
        if (!r.ok) { set({ error: r.error.message }); return; }
        set({ day: r.value, error: undefined });
        const { sittingId, className } = get();
        if (sittingId && className) await get().pick(sittingId, className);
      },
      async pick(sittingId, className) {
        set({ sittingId, className, message: undefined, error: undefined, funds: undefined });
        const r = await api.orderClass(sittingId, className);
        if (get().sittingId !== sittingId || get().className !== className) return;   // picked another meanwhile
        if (r.ok) set({ list: r.value });
        else set({ list: undefined, error: r.error.message });
      },
      serveCard: (cardId) => serve({ cardId }),
      serveLine: (lineId) => serve({ lineIds: [lineId] }),
      serveAll: () => serve({ all: true }),
    };
  });
}

/** A refused card tap (NO_ORDER) still says what the pupil's account allows (details.funds). */
function fundsOf(details: unknown): ServeState['funds'] {
  const f = (details as { funds?: { balance?: unknown; available?: unknown } } | undefined)?.funds;
  return f && typeof f.balance === 'number' && typeof f.available === 'number' ? { balance: f.balance, available: f.available } : undefined;
}
