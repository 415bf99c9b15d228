import { memo } from 'react';
import { usePos, usePosStore } from '../context.js';
import { money } from '../format.js';

/** The menu by category; each tile shows its hotkey. Renders only when the menu or the barred list changes. */
export const MenuGrid = memo(function MenuGrid() {
  const menu = usePos((s) => s.menu);
  // A string, not the array: a new pupil with the same bans must not re-render the whole grid.
  const barredKey = usePos((s) => s.pupil?.barredItemIds.join(' ') ?? '');
  const barred = barredKey ? barredKey.split(' ') : undefined;
  const store = usePosStore();
  if (!menu) return <section className="menu-grid">Загрузка меню…</section>;
  return (
    <section className="menu-grid" data-testid="menu">
      {menu.categories.map((cat) => {
        const items = menu.items.filter((i) => i.categoryId === cat.id);
        if (items.length === 0) return null;
        return (
          <div key={cat.id} className="menu-category">
            <h3>{cat.name}</h3>
            <div className="menu-items">
              {items.map((item) => (
                <button
                  key={item.id}
                  type="button"
                  className={`menu-item ${barred?.includes(item.id) ? 'barred' : ''}`}
                  data-testid={`item-${item.id}`}
                  // Blur after a mouse click: a focused tile would take the next Enter (pay) as another click.
                  onClick={(e) => { if (e.detail > 0) e.currentTarget.blur(); store.getState().addItem(item.id); }}
                >
                  {item.hotkey && <kbd>{item.hotkey}</kbd>}
                  <span className="menu-item-name">{item.name}</span>
                  <span className="menu-item-price">{money(item.price)}</span>
                </button>
              ))}
            </div>
          </div>
        );
      })}
    </section>
  );
});
