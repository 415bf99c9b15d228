import { useEffect, useRef } from 'react';
import { Cart } from '../components/Cart.js';
import { CardEntry, DemoCards } from '../components/CardEntry.js';
import { MenuGrid } from '../components/MenuGrid.js';
import { PupilPanel } from '../components/PupilPanel.js';
import { ReceiptPreview } from '../components/ReceiptPreview.js';
import { usePos, usePosStore } from '../context.js';
import { keyAction } from '../keys.js';

const isTextField = (t: EventTarget | null): boolean =>
  t instanceof HTMLElement && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable);

export function SaleScreen() {
  const store = usePosStore();
  const shift = usePos((s) => s.status?.shift);
  const manager = usePos((s) => s.manager);
  const cardRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (manager) return undefined; // the manager dialog has its own keys
    const onKey = (e: KeyboardEvent) => {
      const action = keyAction(e, isTextField(e.target));
      const st = store.getState();
      switch (action.kind) {
        case 'item': {
          const item = st.hotkeys.get(action.hotkey.toUpperCase());
          if (item) { e.preventDefault(); st.addItem(item.id); }
          else if (action.hotkey.startsWith('F')) e.preventDefault();
          break;
        }
        case 'pay':
          // Enter on a focused button is that button's click, not a payment.
          if (e.target instanceof HTMLButtonElement) return;
          e.preventDefault(); void st.pay(); break;
        case 'cancel': e.preventDefault(); st.cancel(); break;
        case 'removeLast': {
          const last = st.cart.at(-1);
          if (last) { e.preventDefault(); st.changeQuantity(last.itemId, -1); }
          break;
        }
        case 'manualCard': e.preventDefault(); cardRef.current?.focus(); break;
        case 'reprint': e.preventDefault(); void st.reprintLast(); break;
        case 'manager': e.preventDefault(); st.showManager(); break;
        case 'none': break;
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [store, manager]);

  return (
    <main className="sale">
      {!shift && (
        <div className="no-shift" role="status" data-testid="no-shift">
          Смена не открыта. <button type="button" onClick={() => store.getState().showManager('shift')}>Открыть смену <kbd>Ctrl+M</kbd></button>
        </div>
      )}
      <div className="sale-left">
        <PupilPanel />
        <Cart />
        <CardEntry ref={cardRef} />
        <DemoCards />
      </div>
      <div className="sale-right">
        <MenuGrid />
      </div>
      <ReceiptPreview />
    </main>
  );
}
