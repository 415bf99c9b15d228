import { useEffect, useMemo, useState } from 'react';
import { api, ApiError, qs, rub } from '../api.js';
import type { PageProps } from '../App.js';
import { ExportJobButton } from '../components/ExportJob.js';
import { TrendChart } from '../components/TrendChart.js';
import type { DistrictDayReport } from '../../api/admin/reports.js';

export const today = () => new Date(Date.now() - new Date().getTimezoneOffset() * 60_000).toISOString().slice(0, 10);

/** The district's daily control: every school on one day, and the last 30 days as charts (district admin). */
export function ReportDistrictPage(_: PageProps) {
  const [day, setDay] = useState(today());
  const [r, setR] = useState<DistrictDayReport | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    setR(null);
    api<DistrictDayReport>('GET', `/reports/district-day${qs({ day })}`).then((x) => { setR(x); setError(''); }, (e: unknown) => setError(e instanceof ApiError ? e.message : String(e)));
  }, [day]);
  const days = useMemo(() => r?.trend.map((p) => p.day) ?? [], [r]);
  const fed = useMemo(() => (r ? [
    { name: 'Питалось', values: r.trend.map((p) => p.pupilsFed) },
    { name: 'Льготников', values: r.trend.map((p) => p.beneficiariesFed) },
    { name: '1–4 классы', values: r.trend.map((p) => p.grade14Fed) },
  ] : []), [r]);
  const money = useMemo(() => (r ? [
    { name: 'Продажи, ₽', values: r.trend.map((p) => p.salesTotal / 100) },
    { name: 'Дотация, ₽', values: r.trend.map((p) => p.subsidyTotal / 100) },
  ] : []), [r]);
  const warn = (n: number) => (n > 0 ? 'warn' : undefined);
  // Present = entitled pupils not marked absent; a school that marked no attendance that day has no figure.
  const present = (n: number | null) => (n === null ? <span className="muted">нет данных о посещаемости</span> : n);
  return (
    <>
      <div className="table-tools">
        <label>День: <input type="date" value={day} onChange={(e) => setDay(e.target.value)} /></label>
        <ExportJobButton path="/reports/exports" body={{ kind: 'districtDay', day, format: 'xlsx' }} label="Выгрузить XLSX" fileName={`контроль-${day}.xlsx`} />
        <ExportJobButton path="/reports/exports" body={{ kind: 'districtDay', day, format: 'pdf' }} label="PDF для подписи" fileName={`контроль-${day}.pdf`} />
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      {!r && !error && <p className="muted" role="status">Считается…</p>}
      {r && (
        <>
          <div className="table-scroll" tabIndex={0} role="region" aria-label="Таблица (прокрутка)">
            <table aria-label="Контроль питания по школам">
              <thead><tr>
                <th scope="col">Школа</th><th scope="col">Питалось</th><th scope="col">Льготники: питались / всего</th><th scope="col">Льготники в школе (посещаемость)</th><th scope="col">1–4 кл.: питались / всего</th>
                <th scope="col">Кассы без связи</th><th scope="col">С неотправленным</th><th scope="col">Нет Z-отчёта</th><th scope="col">Z не сходится</th>
                <th scope="col">Открытых отметок</th><th scope="col">Продажи</th><th scope="col">Дотация</th>
              </tr></thead>
              <tbody>
                {r.schools.map((s) => (
                  <tr key={s.schoolId}>
                    <th scope="row">{s.schoolName}</th><td>{s.pupilsFed}</td>
                    <td>{s.beneficiariesFed} / {s.beneficiariesEntitled}</td><td>{present(s.beneficiariesPresent)}</td><td>{s.grade14Fed} / {s.grade14Pupils}</td>
                    <td className={warn(s.tillsSilent)}>{s.tillsSilent} из {s.tills}</td><td className={warn(s.tillsUnsent)}>{s.tillsUnsent}</td>
                    <td className={warn(s.zMissing)}>{s.zMissing}</td><td className={warn(s.zMismatch)}>{s.zMismatch}</td>
                    <td className={warn(s.openFlags)}>{s.openFlags}</td><td>{rub(s.salesTotal)}</td><td>{rub(s.subsidyTotal)}</td>
                  </tr>
                ))}
              </tbody>
              <tfoot><tr>
                <th scope="row">Итого</th><td>{r.totals.pupilsFed}</td><td>{r.totals.beneficiariesFed} / {r.totals.beneficiariesEntitled}</td><td>{present(r.totals.beneficiariesPresent)}</td>
                <td>{r.totals.grade14Fed} / {r.totals.grade14Pupils}</td><td>{r.totals.tillsSilent} из {r.totals.tills}</td><td>{r.totals.tillsUnsent}</td>
                <td>{r.totals.zMissing}</td><td>{r.totals.zMismatch}</td><td>{r.totals.openFlags}</td><td>{rub(r.totals.salesTotal)}</td><td>{rub(r.totals.subsidyTotal)}</td>
              </tr></tfoot>
            </table>
          </div>
          <h3>Последние {r.trend.length} дней</h3>
          <TrendChart days={days} series={fed} label="Питалось по дням: всего, льготников, 1–4 классы" />
          <TrendChart days={days} series={money} label="Продажи и дотация по дням, рубли" />
        </>
      )}
    </>
  );
}
