import { memo, useState } from 'react';
import { allergenLabel } from '../../core/allergens.js';
import { usePos, usePosStore } from '../context.js';
import { money } from '../format.js';
import { PinPad } from './PinPad.js';

/** The big panel: who tapped (photo, name, class), what they have, what stops them, what they must not eat. */
export const PupilPanel = memo(function PupilPanel() {
  const pupil = usePos((s) => s.pupil);
  const error = usePos((s) => s.error);
  const tapToken = usePos((s) => s.tapToken);
  const awaitingTap = usePos((s) => s.awaitingTap);
  const lastSale = usePos((s) => s.lastSale);
  const shiftPrompt = usePos((s) => s.shiftPrompt);
  if (!pupil) {
    return (
      <section className="pupil-panel empty" data-testid="pupil-panel" data-tap={tapToken} aria-label="Учащийся">
        <div className="pupil-hint">Приложите карту учащегося</div>
        <div className="pupil-sub">или нажмите «/» и введите номер карты</div>
        {error && <div className="pupil-error">{error}</div>}
      </section>
    );
  }
  const low = pupil.balance < 5000;
  const limitLeft = pupil.dailyLimit !== undefined ? pupil.dailyLimit - pupil.spentToday : undefined;
  const blocked = pupil.cardState !== 'active';
  const allergies = pupil.allergies ?? [];
  return (
    <section className={`pupil-panel ${blocked ? 'blocked' : ''} ${awaitingTap ? 'paid' : ''}`} data-testid="pupil-panel" data-tap={tapToken}
      data-card={pupil.cardId} aria-label="Учащийся">
      <div className="pupil-head">
        {pupil.photo
          ? <img className="pupil-photo" data-testid="pupil-photo" src={pupil.photo} alt={`Фото: ${pupil.fullName}`} />
          : <div className="pupil-photo placeholder" data-testid="pupil-photo-placeholder" role="img" aria-label="Фото нет" />}
        <div>
          <div className="pupil-name" data-testid="pupil-name">{pupil.fullName}</div>
          <div className="pupil-meta">
            <span className="pupil-class">{pupil.className}</span>
            <span>Л/С {pupil.accountNumber}</span>
            {/* 152-ФЗ: a neutral badge with what the benefit gives; never the social category. */}
            {pupil.benefitOffer && <span className="badge" data-testid="benefit-badge">Льгота: {pupil.benefitOffer}</span>}
          </div>
        </div>
      </div>
      {/* No shift: nothing can be sold yet, so the PIN pad takes the room of what only matters for a sale
          (allergies, the daily limit, warnings); balance and «доступно» stay, the cashier may be asked. */}
      {!shiftPrompt && allergies.length > 0 && (
        <div className="pupil-allergies" role="alert" data-testid="pupil-allergies">
          Аллергия: {allergies.map(allergenLabel).join(', ')}
        </div>
      )}
      <div className={`pupil-balance ${low ? 'low' : ''}`}>
        {awaitingTap ? 'Остаток' : 'Баланс'} <b data-testid="pupil-balance">{money(pupil.balance)}</b>
      </div>
      {/* The parents' open pre-orders hold part of it (docs/orders.md): a sale may spend only what is available. */}
      {pupil.available !== undefined && (
        <div className={`pupil-available ${pupil.available <= 0 ? 'low' : ''}`} data-testid="pupil-funds">
          Доступно <b data-testid="pupil-available">{money(pupil.available)}</b>
          {pupil.reserved !== undefined && <small className="muted">в резерве под заказы питания {money(pupil.reserved)}</small>}
        </div>
      )}
      {awaitingTap && lastSale && (
        <div className="pupil-paid" data-testid="pupil-paid" role="status">
          Оплачено {money(lastSale.total)}, чек №{lastSale.receiptNumber}. Следующая покупка — по карте.
        </div>
      )}
      {!awaitingTap && !shiftPrompt && limitLeft !== undefined && (
        <div className="pupil-limit" data-testid="pupil-limit">Осталось по дневному лимиту: {money(Math.max(0, limitLeft))}</div>
      )}
      {!awaitingTap && !shiftPrompt && pupil.warnings.map((w) => <div key={w} className="pupil-warning" data-testid="pupil-warning">{w}</div>)}
      {shiftPrompt && <OpenShiftInPlace />}
    </section>
  );
});

/** No open shift on a tap: say so at once and let the manager open it right here with the PIN. */
function OpenShiftInPlace() {
  const store = usePosStore();
  const [busy, setBusy] = useState(false);
  return (
    <div className="shift-prompt" data-testid="shift-prompt">
      <PinPad label="Смена не открыта. PIN заведующего, чтобы открыть:" submitLabel="Открыть" testId="shift-pin" disabled={busy}
        onSubmit={async (pin) => { setBusy(true); await store.getState().openShiftInPlace(pin); setBusy(false); }} />
    </div>
  );
}
