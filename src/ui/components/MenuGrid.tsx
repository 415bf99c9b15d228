import { memo, useMemo } from 'react';
import { allergenLabel } from '../../core/allergens.js';
import { usePos, usePosStore } from '../context.js';
import { money } from '../format.js';
import { barredReason, itemAllergenConflicts, tilesInOrder } from '../menu-order.js';

/**
 * The whole menu at once (24 tiles fit 1024×768 without scrolling), in reading order = hotkey order
 * (1…9, 0, F1…F12). With a pupil known, barred items show as unavailable and items with one of the
 * pupil's allergens are marked. Renders only when the menu or the pupil changes.
 */
export const MenuGrid = memo(function MenuGrid() {
  const menu = usePos((s) => s.menu);
  const pupil = usePos((s) => (s.awaitingTap ? undefined : s.pupil));
  const store = usePosStore();
  const tiles = useMemo(() => (menu ? tilesInOrder(menu) : []), [menu]);
  if (!menu) return <section className="menu-grid" aria-label="Меню">Загрузка меню…</section>;
  return (
    <section className="menu-grid" data-testid="menu" aria-label="Меню">
      <div className="menu-items">
        {tiles.map((item) => {
          const barred = barredReason(item, pupil);
          const allergens = itemAllergenConflicts(item, pupil);
          return (
            <button
              key={item.id}
              type="button"
              className={`menu-item ${item.hotkey ? '' : 'no-hotkey'} ${barred ? 'barred' : ''} ${allergens.length ? 'allergen' : ''}`}
              data-testid={`item-${item.id}`}
              data-kind={item.kind}
              aria-disabled={barred ? true : undefined}
              title={barred ?? (allergens.length ? `Аллерген: ${allergens.map(allergenLabel).join(', ')}` : undefined)}
              // Blur after a mouse click: a focused tile would take the next Enter (pay) as another click.
              onClick={(e) => { if (e.detail > 0) e.currentTarget.blur(); store.getState().addItem(item.id); }}
            >
              {item.hotkey && <kbd>{item.hotkey}</kbd>}
              <span className="menu-item-name">{item.name}</span>
              <span className="menu-item-price">{money(item.price)}</span>
              {barred && <span className="menu-item-flag" data-testid="barred-flag">недоступно: запрет родителей</span>}
              {!barred && allergens.length > 0 && (
                <span className="menu-item-flag" data-testid="allergen-flag">⚠ {allergens.map(allergenLabel).join(', ')}</span>
              )}
            </button>
          );
        })}
      </div>
    </section>
  );
});
