import { forwardRef, useState } from 'react';
import { DEMO_CARDS, DEMO_SCHOOL } from '../../core/demo-school.js';
import { usePos, usePosStore } from '../context.js';
import { normalizeCardInput } from '../card-input.js';

/** For a card that will not read: the cashier types the number printed on it. */
export const CardEntry = forwardRef<HTMLInputElement>(function CardEntry(_props, ref) {
  const [value, setValue] = useState('');
  const store = usePosStore();
  return (
    <form
      className="card-entry"
      onSubmit={(e) => {
        e.preventDefault();
        const id = normalizeCardInput(value);
        if (!id) { store.setState({ error: 'Номер карты не распознан. Пример: EM:55007EE424 или Em-Marine[5500] 126,58404' }); return; }
        setValue('');
        e.currentTarget.querySelector('input')?.blur();
        void store.getState().tap(id);
      }}
    >
      <label>
        Номер карты <kbd>/</kbd>
        <input
          ref={ref}
          data-testid="card-input"
          value={value}
          onChange={(e) => setValue(e.target.value)}
          onKeyDown={(e) => { if (e.key === 'Escape') { setValue(''); e.currentTarget.blur(); e.stopPropagation(); } }}
          placeholder="EM:55007EE424"
          autoComplete="off"
        />
      </label>
    </form>
  );
});

const LABELS: Record<keyof typeof DEMO_CARDS, string> = {
  ivanov: 'обычная', freeBreakfast: 'бесплатный завтрак', barred: 'запреты родителей', blocked: 'заблокирована',
  lost: 'утеряна', lowBalance: 'мало денег', dailyLimit: 'дневной лимит', subsidised: 'дотация', allergic: 'аллергия',
};

/** Demo only (simulated reader): buttons that tap a card through the reader simulator. */
export function DemoCards() {
  const reader = usePos((s) => s.status?.reader);
  const api = usePos((s) => s.api);
  if (!reader?.simulated) return null;
  return (
    <section className="demo-cards" data-testid="demo-cards">
      <h3>Симулятор считывателя: приложить карту</h3>
      {(Object.keys(DEMO_CARDS) as (keyof typeof DEMO_CARDS)[]).map((k) => {
        const id = DEMO_CARDS[k];
        const acc = DEMO_SCHOOL.cards.find((c) => c.id === id)?.accountNumber;
        const st = DEMO_SCHOOL.students.find((s) => s.accountNumber === acc);
        return (
          <button key={id} type="button" tabIndex={-1} data-testid={`demo-card-${id}`} onClick={(e) => { e.currentTarget.blur(); void api.simulateTap(id); }}>
            {st ? st.fullName.split(' ')[0] : id} <small>{LABELS[k]}</small>
          </button>
        );
      })}
      <button type="button" tabIndex={-1} data-testid="demo-card-unknown" onClick={(e) => { e.currentTarget.blur(); void api.simulateTap('EM:00000DEAD1'); }}>
        Чужая карта <small>не зарегистрирована</small>
      </button>
    </section>
  );
}
