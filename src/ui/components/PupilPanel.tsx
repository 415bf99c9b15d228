import { memo } from 'react';
import { usePos } from '../context.js';
import { money } from '../format.js';

/** The big panel: who tapped, what they have, what stops them. */
export const PupilPanel = memo(function PupilPanel() {
  const pupil = usePos((s) => s.pupil);
  const error = usePos((s) => s.error);
  const tapToken = usePos((s) => s.tapToken);
  if (!pupil) {
    return (
      <section className="pupil-panel empty" data-testid="pupil-panel" data-tap={tapToken}>
        <div className="pupil-hint">Приложите карту учащегося</div>
        <div className="pupil-sub">или нажмите «/» и введите номер карты</div>
        {error && <div className="pupil-error">{error}</div>}
      </section>
    );
  }
  const low = pupil.balance < 5000;
  const limitLeft = pupil.dailyLimit !== undefined ? pupil.dailyLimit - pupil.spentToday : undefined;
  const blocked = pupil.cardState !== 'active';
  return (
    <section className={`pupil-panel ${blocked ? 'blocked' : ''}`} data-testid="pupil-panel" data-tap={tapToken} data-card={pupil.cardId}>
      <div className="pupil-name" data-testid="pupil-name">{pupil.fullName}</div>
      <div className="pupil-meta">
        <span className="pupil-class">{pupil.className}</span>
        <span>Л/С {pupil.accountNumber}</span>
        {pupil.benefits.map((b) => <span key={b} className="badge">{b}</span>)}
      </div>
      <div className={`pupil-balance ${low ? 'low' : ''}`}>
        Баланс <b data-testid="pupil-balance">{money(pupil.balance)}</b>
      </div>
      {limitLeft !== undefined && (
        <div className="pupil-limit" data-testid="pupil-limit">Осталось по дневному лимиту: {money(Math.max(0, limitLeft))}</div>
      )}
      {pupil.entitlements.filter((e) => !e.usedToday).length > 0 && (
        <div className="pupil-limit">Льготное питание сегодня: доступно</div>
      )}
      {pupil.warnings.map((w) => <div key={w} className="pupil-warning" data-testid="pupil-warning">{w}</div>)}
    </section>
  );
});
