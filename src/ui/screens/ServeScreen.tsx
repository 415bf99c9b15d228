import { useEffect, useMemo } from 'react';
import { useStore } from 'zustand';
import type { OrderPupil } from '../../api/pos-api.js';
import { usePosStore } from '../context.js';
import { createKeyRouter } from '../key-router.js';
import { createServeStore } from '../serve-store.js';
import { money } from '../format.js';

const PAID_BY: Record<OrderPupil['paidBy'], string> = { parents: 'оплачено', budget: 'бесплатно', both: 'частично бесплатно' };

/**
 * «Выдача по заявке» (issue 15): pick a sitting and class, see each pupil's meal, mark it served by a card tap,
 * by touching the pupil's row, or the whole class at once. A pupil with no order buys on the sale screen.
 * 1024×768, touch targets ≥ 44 px (.app button).
 */
export function ServeScreen() {
  const pos = usePosStore();
  const serve = useMemo(() => createServeStore(pos.getState().api), [pos]);
  const s = useStore(serve);

  useEffect(() => {
    void serve.getState().load();
    const api = pos.getState().api;
    // Card taps from the reader mark the pupil served while this screen is open (the sale screen ignores them).
    const off = api.onEvent((e) => {
      if (e.type === 'card') void serve.getState().serveCard(e.cardId);
      else if (e.type === 'dataChanged') void serve.getState().load();
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const router = createKeyRouter({
      now: () => performance.now(),
      setTimer: (fn, ms) => { clearTimeout(timer); timer = setTimeout(fn, ms); },
      onCard: (card) => {
        if (card.ok) void serve.getState().serveCard(card.cardId);
        else serve.setState({ error: card.message, message: undefined });
      },
      onAction: (action) => {
        if (action.kind === 'cancel') { pos.getState().showServing(false); return true; }
        return false;
      },
    });
    const onKey = (e: KeyboardEvent) => { if (router.keydown(e, false)) e.preventDefault(); };
    window.addEventListener('keydown', onKey);
    return () => { off(); clearTimeout(timer); window.removeEventListener('keydown', onKey); };
  }, [pos, serve]);

  const list = s.list;
  return (
    <main className="serve" data-testid="serve-screen">
      <aside className="serve-classes">
        <h2>Выдача по заявке</h2>
        {s.day && s.day.sittings.length === 0 && <p className="muted" data-testid="serve-empty">Смен питания нет: их задаёт школа на сервере.</p>}
        {s.day?.sittings.map((sit) => (
          <section key={sit.id}>
            <h3>{sit.name} <span className="muted">{sit.startsAt}–{sit.endsAt}</span></h3>
            <div className="serve-class-buttons">
              {sit.classes.map((c) => (
                <button key={c.className} type="button" data-testid={`serve-class-${sit.id}-${c.className}`}
                  className={s.sittingId === sit.id && s.className === c.className ? 'picked' : c.ordered === 0 ? 'none' : c.served === c.ordered ? 'done' : ''}
                  onClick={() => void serve.getState().pick(sit.id, c.className)}>
                  <b>{c.className}</b> <span>{c.served}/{c.ordered}</span>
                </button>
              ))}
            </div>
          </section>
        ))}
        <button type="button" className="serve-back" data-testid="serve-back" onClick={() => pos.getState().showServing(false)}>К продаже <kbd>Esc</kbd></button>
      </aside>
      <section className="serve-list">
        {!list && <p className="serve-hint">Выберите смену питания и класс. Ученик без заказа покупает на экране продажи, как обычно.</p>}
        {list && (
          <>
            <div className="serve-bar">
              <h2>{list.className} · {list.sittingName}</h2>
              <span data-testid="serve-count">Выдано {list.served} из {list.ordered}</span>
              <button type="button" className="serve-all" data-testid="serve-all" disabled={s.busy || list.served === list.ordered}
                onClick={() => void serve.getState().serveAll()}>Выдать всему классу</button>
            </div>
            <p className="serve-tip muted">
              {list.pupils.length === 0 ? 'На сегодня заявки класса на эту смену нет. Ученики покупают на экране продажи, как обычно.'
                : 'Приложите карту ученика или нажмите «Выдать» в строке.'}
            </p>
          </>
        )}
        {(s.message || s.error) && (
          <div className={s.error ? 'serve-msg bad' : 'serve-msg'} role="status" data-testid="serve-message">{s.error ?? s.message}</div>
        )}
        {s.funds && (
          <div className="serve-funds" data-testid="serve-funds">
            Баланс <b>{money(s.funds.balance)}</b> · доступно <b>{money(s.funds.available)}</b>
          </div>
        )}
        {list && (
          <table className="serve-table">
            <tbody>
              {list.pupils.map((p) => (
                <tr key={p.lineId} className={p.reversed ? 'reversed' : p.served ? 'served' : ''} data-testid="serve-row">
                  <td className="serve-name">{p.fullName}</td>
                  <td className="serve-meal"><b>{p.mealSetName}</b>{p.dishes.length > 0 && <small>{p.dishes.join(', ')}</small>}</td>
                  <td className="serve-paid muted">{PAID_BY[p.paidBy]}</td>
                  <td className="serve-state">
                    {p.reversed ? <span>отменён</span>
                      : p.served ? <span className="serve-done">✓ Выдано</span>
                      : <button type="button" disabled={s.busy} data-testid={`serve-line-${p.lineId}`} onClick={() => void serve.getState().serveLine(p.lineId)}>Выдать</button>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </main>
  );
}
