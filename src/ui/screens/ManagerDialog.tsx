import { useEffect, useState } from 'react';
import type { ReceiptSummary, ShiftReport } from '../../api/pos-api.js';
import { usePos, usePosStore } from '../context.js';
import { money, time } from '../format.js';
import type { ManagerTab } from '../store.js';
import { PinPad } from '../components/PinPad.js';

const TABS: { tab: ManagerTab; label: string }[] = [
  { tab: 'shift', label: 'Смена и отчёты' },
  { tab: 'refund', label: 'Возврат чека' },
  { tab: 'block', label: 'Блокировка карты' },
  { tab: 'password', label: 'Пароль кабинета' },
];

export function ManagerDialog() {
  const manager = usePos((s) => s.manager);
  const session = usePos((s) => s.status?.session);
  const store = usePosStore();
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => { if (e.key === 'Escape') { e.preventDefault(); store.getState().closeManager(); } };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [store]);
  if (!manager) return null;
  return (
    <div className="dialog-backdrop">
      <div className="dialog" role="dialog" aria-label="Меню заведующего" data-testid="manager">
        <div className="dialog-head">
          <h2>Заведующий производством</h2>
          {session?.role !== 'manager' && <div className="muted">Вы вошли как кассир: возврат, блокировка и закрытие смены доступны заведующему.</div>}
          <button type="button" onClick={() => store.getState().closeManager()}>Закрыть <kbd>Esc</kbd></button>
        </div>
        <nav>
          {TABS.map((t) => (
            <button key={t.tab} type="button" className={manager.tab === t.tab ? 'active' : ''} data-testid={`tab-${t.tab}`}
              onClick={() => store.setState({ manager: { tab: t.tab } })}>{t.label}</button>
          ))}
        </nav>
        <div className="dialog-body">
          {manager.tab === 'shift' && <ShiftTab report={manager.report} />}
          {manager.tab === 'refund' && <RefundTab />}
          {manager.tab === 'block' && <BlockTab />}
          {manager.tab === 'password' && <PasswordTab />}
          {manager.error && <div className="cart-error" role="alert" data-testid="manager-error">{manager.error}</div>}
          {manager.info && <div className="cart-notice" role="status" data-testid="manager-info">{manager.info}</div>}
        </div>
      </div>
    </div>
  );
}

function ShiftTab({ report }: { report?: ShiftReport }) {
  const shift = usePos((s) => s.status?.shift);
  const role = usePos((s) => s.status?.session?.role);
  const store = usePosStore();
  const call = store.getState().managerCall;
  const [confirming, setConfirming] = useState(false);
  return (
    <div>
      <p data-testid="shift-state">{shift ? `Открыта смена №${shift.number} с ${time(shift.openedAt)} (${shift.openedBy})` : 'Смена закрыта'}</p>
      <div className="row">
        <button type="button" autoFocus data-testid="open-shift" disabled={!!shift}
          onClick={() => void call((a) => a.openShift(), (s) => { store.getState().setReport(undefined); return `Смена №${s.number} открыта`; })}>Открыть смену</button>
        <button type="button" data-testid="x-report" disabled={!shift}
          onClick={() => void call((a) => a.xReport(), () => undefined).then((r) => r && store.getState().setReport(r))}>X-отчёт</button>
        {!confirming
          ? <button type="button" data-testid="close-shift" disabled={!shift} onClick={() => setConfirming(true)}>Закрыть смену (Z-отчёт)</button>
          : role === 'manager'
            ? <button type="button" data-testid="confirm-close-shift" autoFocus className="danger"
                onClick={() => { setConfirming(false); void call((a) => a.closeShift(), () => undefined).then((r) => r && store.getState().setReport(r)); }}>Да, закрыть смену</button>
            : null}
      </div>
      {confirming && role !== 'manager' && (
        // A cashier cannot close the shift: the manager types the PIN right here (no logging out and in).
        <PinPad label="Закрыть смену может только заведующий: PIN заведующего" submitLabel="Закрыть смену" testId="close-shift-pin" autoFocus
          onSubmit={(pin) => { setConfirming(false); void call((a) => a.closeShift(pin), () => undefined).then((r) => r && store.getState().setReport(r)); }} />
      )}
      {report && (
        <div className="report" data-testid="report">
          <h3>{report.kind}-отчёт · смена №{report.shift.number}</h3>
          <table>
            <tbody>
              <tr><td>Продаж</td><td data-testid="report-sales-count">{report.salesCount}</td><td data-testid="report-sales-total">{money(report.salesTotal)}</td></tr>
              <tr><td>Дотация бюджета</td><td /><td>{money(report.subsidyTotal)}</td></tr>
              <tr><td>Возвратов</td><td>{report.refundsCount}</td><td>{money(report.refundsTotal)}</td></tr>
              <tr><td><b>Итого</b></td><td /><td data-testid="report-net"><b>{money(report.net)}</b></td></tr>
            </tbody>
          </table>
          <pre>{report.text.join('\n')}</pre>
          <button type="button" data-testid="print-report"
            onClick={() => void call((a) => a.printReport(report), () => `${report.kind}-отчёт отправлен на печать`)}>Печать</button>
        </div>
      )}
    </div>
  );
}

function RefundTab() {
  const store = usePosStore();
  const [list, setList] = useState<ReceiptSummary[]>([]);
  const [selected, setSelected] = useState<string>();
  const [reason, setReason] = useState('');
  const reload = () => void store.getState().managerCall((a) => a.lastReceipts(20)).then((r) => r && setList(r.filter((x) => x.kind === 'sale')));
  useEffect(reload, [store]);
  return (
    <div>
      <ul className="receipt-list" data-testid="receipt-list">
        {list.map((r) => (
          <li key={r.receiptId}>
            <label>
              <input type="radio" name="receipt" disabled={r.refunded} checked={selected === r.receiptId} onChange={() => setSelected(r.receiptId)} />
              №{r.number} · {time(r.issuedAt)} · {r.pupilName} · {money(r.total)}{r.refunded ? ' · возвращён' : ''}
            </label>
          </li>
        ))}
        {list.length === 0 && <li className="muted">Чеков нет</li>}
      </ul>
      <label>Причина <input data-testid="refund-reason" value={reason} onChange={(e) => setReason(e.target.value)} /></label>
      <button type="button" data-testid="do-refund" disabled={!selected}
        onClick={() => void store.getState().managerCall((a) => a.refund(selected!, reason || 'возврат'), (r) => {
          reload();
          return `Возврат оформлен: чек №${r.receiptNumber}, остаток ${money(r.balanceAfter)}`;
        })}>Вернуть</button>
    </div>
  );
}

function BlockTab() {
  const store = usePosStore();
  const pupil = usePos((s) => s.pupil);
  const [cardId, setCardId] = useState(pupil?.cardId ?? '');
  const [reason, setReason] = useState('');
  return (
    <form onSubmit={(e) => { e.preventDefault(); void store.getState().managerCall((a) => a.blockCard(cardId.trim().toUpperCase(), reason || 'по заявлению'), () => `Карта ${cardId} заблокирована`); }}>
      <label>Карта <input data-testid="block-card" autoFocus value={cardId} onChange={(e) => setCardId(e.target.value)} placeholder="EM:55007EE424" /></label>
      {pupil && <div className="muted">{pupil.fullName}, {pupil.className}</div>}
      <label>Причина <input value={reason} onChange={(e) => setReason(e.target.value)} placeholder="утеряна" /></label>
      <button type="submit" data-testid="do-block">Заблокировать</button>
    </form>
  );
}

function PasswordTab() {
  const store = usePosStore();
  const pupil = usePos((s) => s.pupil);
  const [account, setAccount] = useState(pupil?.accountNumber ?? '');
  return (
    <form onSubmit={(e) => { e.preventDefault(); void store.getState().managerCall((a) => a.newCabinetPassword(account.trim()), () => `Новый пароль для Л/С ${account} отправлен на печать`); }}>
      <label>Лицевой счёт <input data-testid="password-account" autoFocus value={account} onChange={(e) => setAccount(e.target.value)} placeholder="0242013137" /></label>
      <button type="submit" data-testid="do-password">Напечатать новый пароль</button>
    </form>
  );
}
