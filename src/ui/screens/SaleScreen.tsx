import { useEffect, useRef } from 'react';
import { Cart } from '../components/Cart.js';
import { CardEntry, DemoCards } from '../components/CardEntry.js';
import { MenuGrid } from '../components/MenuGrid.js';
import { PupilPanel } from '../components/PupilPanel.js';
import { ReceiptPreview } from '../components/ReceiptPreview.js';
import { usePos, usePosStore } from '../context.js';
import { createKeyRouter } from '../key-router.js';

const isTextField = (t: EventTarget | null): boolean =>
  t instanceof HTMLElement && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable);

export function SaleScreen() {
  const store = usePosStore();
  const shift = usePos((s) => s.status?.shift);
  const manager = usePos((s) => s.manager);
  const shiftPrompt = usePos((s) => s.shiftPrompt);
  const cardRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (manager) return undefined; // the manager dialog has its own keys
    let timer: ReturnType<typeof setTimeout> | undefined;
    const router = createKeyRouter({
      now: () => performance.now(),
      setTimer: (fn, ms) => { clearTimeout(timer); timer = setTimeout(fn, ms); },
      onCard: (card) => {
        if (card.ok) void store.getState().tap(card.cardId);
        else store.setState({ error: card.message });
      },
      onAction: (action, target) => {
        const st = store.getState();
        switch (action.kind) {
          case 'item': {
            const item = st.hotkeys.get(action.hotkey.toUpperCase());
            if (item) st.addItem(item.id);
            // An unbound F-key must not reach the browser (F5 reloads, F11 leaves full screen …).
            return !!item || action.hotkey.startsWith('F');
          }
          case 'pay':
            // Enter on a focused button is that button's click, not a payment.
            if (target instanceof HTMLButtonElement) return false;
            void st.pay(); return true;
          case 'cancel':
            if (st.pendingAllergen) { st.confirmAllergen(false); return true; }
            st.cancel(); return true;
          case 'removeLast': {
            const last = st.cart.at(-1);
            if (last) st.changeQuantity(last.itemId, -1);
            return !!last;
          }
          case 'manualCard': cardRef.current?.focus(); return true;
          case 'reprint': void st.reprintLast(); return true;
          case 'manager': st.showManager(); return true;
          case 'none': return false;
        }
      },
    });
    const onKey = (e: KeyboardEvent) => {
      if (router.keydown(e, isTextField(e.target))) e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => { clearTimeout(timer); window.removeEventListener('keydown', onKey); };
  }, [store, manager]);

  return (
    <main className={shiftPrompt ? 'sale shift-prompting' : 'sale'}>
      {!shift && (
        <div className="no-shift" role="status" data-testid="no-shift">
          Смена не открыта. <button type="button" onClick={() => store.getState().showManager('shift')}>Открыть смену <kbd>Ctrl+M</kbd></button>
        </div>
      )}
      <div className="sale-left">
        <PupilPanel />
        <Cart />
        <CardEntry ref={cardRef} />
      </div>
      <div className="sale-right">
        <MenuGrid />
        <DemoCards />
      </div>
      <ReceiptPreview />
    </main>
  );
}
