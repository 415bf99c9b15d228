import { usePos, usePosStore } from '../context.js';
import { money } from '../format.js';
import { allergenLabel } from '../../core/allergens.js';

export function Cart() {
  const cart = usePos((s) => s.cart);
  const menu = usePos((s) => s.menu);
  const quote = usePos((s) => s.quote);
  const pupil = usePos((s) => s.pupil);
  const paying = usePos((s) => s.paying);
  const notice = usePos((s) => s.notice);
  const error = usePos((s) => s.error);
  const quoteError = usePos((s) => s.quoteError);
  const pending = usePos((s) => s.pendingAllergen);
  const awaitingTap = usePos((s) => s.awaitingTap);
  const confirmed = usePos((s) => s.allergenConfirmed);
  const store = usePosStore();
  const byId = new Map(menu?.items.map((i) => [i.id, i]) ?? []);
  // Without a pupil there is no quote yet: full prices, as a guide.
  const localTotal = cart.reduce((a, l) => a + (byId.get(l.itemId)?.price ?? 0) * l.quantity, 0);
  const total = quote?.total ?? localTotal;
  return (
    <section className="cart" data-testid="cart">
      <h2>Заказ</h2>
      {cart.length === 0 && <div className="cart-empty">Выберите блюда цифрами или F-клавишами</div>}
      <ul className="cart-lines">
        {cart.map((l, idx) => {
          const item = byId.get(l.itemId);
          const q = quote?.lines[idx];
          return (
            <li key={l.itemId} data-testid="cart-line">
              <span className="cart-name">{item?.name ?? l.itemId}{confirmed.includes(l.itemId) && <small className="cart-allergen"> аллерген подтверждён</small>}</span>
              <span className="cart-qty">
                <button type="button" tabIndex={-1} onClick={() => store.getState().changeQuantity(l.itemId, -1)} aria-label="меньше">−</button>
                {l.quantity}
                <button type="button" tabIndex={-1} onClick={() => store.getState().changeQuantity(l.itemId, 1)} aria-label="больше">+</button>
              </span>
              <span className="cart-amount">{money(q?.amount ?? (item?.price ?? 0) * l.quantity)}{q?.note ? ` (${q.note})` : ''}</span>
            </li>
          );
        })}
      </ul>
      {/* Errors before Enter: a cart the pupil cannot pay turns the total red and says why. */}
      <div className={`cart-total ${quoteError ? 'refused' : ''}`} data-testid="cart-total-row">
        <span>Итого</span><b data-testid="cart-total">{money(total)}</b>
      </div>
      {quoteError && !error && <div className="cart-error" role="alert" data-testid="pay-blocked">{quoteError.message}</div>}
      {pending && (
        <div className="allergen-confirm" role="alertdialog" aria-labelledby="allergen-confirm-title" data-testid="allergen-confirm">
          <div id="allergen-confirm-title"><b>Аллергия!</b> «{pending.name}» содержит: {pending.allergens.map(allergenLabel).join(', ')}.</div>
          <div className="cart-actions">
            <button type="button" className="danger" data-testid="allergen-confirm-yes" onClick={() => store.getState().confirmAllergen(true)}>Подтверждаю, добавить</button>
            <button type="button" autoFocus data-testid="allergen-confirm-no" onClick={() => store.getState().confirmAllergen(false)}>Не добавлять</button>
          </div>
        </div>
      )}
      {quote && quote.subsidy > 0 && <div className="cart-sub">Дотация бюджета: {money(quote.subsidy)}</div>}
      {quote && pupil && <div className="cart-sub">Останется на счёте: {money(quote.balanceAfter)}</div>}
      {error && <div className="cart-error" role="alert" data-testid="error">{error}</div>}
      {notice && !error && <div className="cart-notice" role="status" data-testid="notice">{notice}</div>}
      <div className="cart-actions">
        <button type="button" className="pay" data-testid="pay" disabled={paying || cart.length === 0 || !!quoteError || !!pending || awaitingTap}
          title={quoteError?.message} onClick={() => void store.getState().pay()}>
          Оплатить <kbd>Enter</kbd>
        </button>
        <button type="button" onClick={() => store.getState().cancel()}>Отмена <kbd>Esc</kbd></button>
      </div>
    </section>
  );
}
