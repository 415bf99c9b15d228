import { useEffect, useState } from 'react';
import { api, ApiError, dateTime, qs, rub } from '../api.js';
import type { PageProps } from '../App.js';
import { Download } from '../components/Download.js';
import type { SchoolDayReport } from '../../api/admin/reports.js';
import { today } from './ReportDistrict.js';

const PAY = { paid: 'платно', free: 'бесплатно', subsidised: 'с дотацией' } as const;

/** The school's day (or any days): meals, tills and cashiers, top-ups, refunds and corrections, flags. */
export function ReportSchoolDayPage({ schoolId }: PageProps) {
  const [from, setFrom] = useState(today());
  const [to, setTo] = useState(today());
  const [r, setR] = useState<SchoolDayReport | null>(null);
  const [error, setError] = useState('');
  const base = `/schools/${encodeURIComponent(schoolId)}/reports/day`;
  useEffect(() => {
    setR(null);
    api<SchoolDayReport>('GET', `${base}${qs({ from, to })}`).then((x) => { setR(x); setError(''); }, (e: unknown) => setError(e instanceof ApiError ? e.message : String(e)));
  }, [base, from, to]);
  return (
    <>
      <div className="table-tools">
        <label>С: <input type="date" value={from} onChange={(e) => setFrom(e.target.value)} /></label>
        <label>По: <input type="date" value={to} onChange={(e) => setTo(e.target.value)} /></label>
        <Download path={`${base}${qs({ from, to, format: 'xlsx' })}`} label="Выгрузить XLSX" fileName={`день-${from}.xlsx`} />
        <Download path={`${base}${qs({ from, to, format: 'pdf' })}`} label="PDF" fileName={`день-${from}.pdf`} />
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      {r && (
        <>
          <p>Продажи {rub(r.totals.salesTotal)}, возвраты {rub(r.totals.refundsTotal)}, дотация бюджета {rub(r.totals.subsidyTotal)},
            пополнения {rub(r.totals.topUpsTotal)}, исправления {rub(r.totals.correctionsTotal)}; комплексов выдано: {r.totals.mealsServed}.</p>
          <h3>Питание</h3>
          <div className="table-scroll" tabIndex={0} role="region" aria-label="Таблица (прокрутка)"><table aria-label="Питание">
            <thead><tr><th scope="col">Категория</th><th scope="col">Блюдо / комплекс</th><th scope="col">Оплата</th><th scope="col">Перемена</th>
              <th scope="col">Порций</th><th scope="col">Семьи</th><th scope="col">Дотация</th></tr></thead>
            <tbody>{r.meals.map((m) => (
              <tr key={`${m.itemId}/${m.pay}/${m.sitting}`}><td>{m.category}</td><td>{m.name}</td><td>{PAY[m.pay]}</td><td>{m.sitting}</td>
                <td>{m.quantity}</td><td>{rub(m.amount)}</td><td>{rub(m.subsidy)}</td></tr>
            ))}</tbody>
          </table></div>
          <h3>Кассы и кассиры</h3>
          <div className="table-scroll" tabIndex={0} role="region" aria-label="Таблица (прокрутка)"><table aria-label="Кассы и кассиры">
            <thead><tr><th scope="col">Касса</th><th scope="col">Кассир</th><th scope="col">Чеков</th><th scope="col">Продажи</th>
              <th scope="col">Возвратов</th><th scope="col">Возвраты</th><th scope="col">Дотация</th></tr></thead>
            <tbody>{r.tills.map((t) => (
              <tr key={`${t.terminalId}/${t.cashierId ?? ''}`}><td>{t.terminalName}</td><td>{t.cashierName}</td><td>{t.salesCount}</td><td>{rub(t.salesTotal)}</td>
                <td>{t.refundsCount}</td><td>{rub(t.refundsTotal)}</td><td>{rub(t.subsidyTotal)}</td></tr>
            ))}</tbody>
          </table></div>
          <h3>Пополнения</h3>
          <ul>{r.topUps.map((t) => <li key={t.source}>{t.source}: {t.count} на {rub(t.total)}</li>)}{r.topUps.length === 0 && <li className="muted">нет</li>}</ul>
          <h3>Возвраты и исправления</h3>
          <div className="table-scroll" tabIndex={0} role="region" aria-label="Таблица (прокрутка)"><table aria-label="Возвраты и исправления">
            <thead><tr><th scope="col">Когда</th><th scope="col">Вид</th><th scope="col">Ученик</th><th scope="col">Сумма</th><th scope="col">Чек</th><th scope="col">Причина</th></tr></thead>
            <tbody>{r.movements.map((m, i) => (
              <tr key={i}><td>{dateTime(m.at)}</td><td>{m.kind === 'refund' ? 'возврат' : 'исправление'}</td><td>{m.pupil}</td><td>{rub(m.amount)}</td>
                <td>{m.receiptNumber ?? ''}{m.refundOfNumber ? ` (к чеку ${m.refundOfNumber})` : ''}</td><td>{m.reason}</td></tr>
            ))}</tbody>
          </table></div>
          <h3>Отметки</h3>
          <ul>{r.flags.map((f) => <li key={f.reason}>{f.reason}: открыто {f.open}, за период {f.raisedInPeriod}</li>)}{r.flags.length === 0 && <li className="muted">нет</li>}</ul>
          {r.orderedServed.length > 0 && (
            <>
              <h3>Заказано и выдано</h3>
              <div className="table-scroll" tabIndex={0} role="region" aria-label="Таблица (прокрутка)"><table aria-label="Заказано и выдано">
                <thead><tr><th scope="col">День</th><th scope="col">Класс</th><th scope="col">Заказано</th><th scope="col">Выдано</th></tr></thead>
                <tbody>{r.orderedServed.map((o) => <tr key={`${o.day}/${o.className}`}><td>{o.day}</td><td>{o.className}</td><td>{o.ordered}</td><td>{o.served}</td></tr>)}</tbody>
              </table></div>
            </>
          )}
        </>
      )}
    </>
  );
}
