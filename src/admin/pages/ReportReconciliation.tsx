import { useEffect, useState } from 'react';
import { api, ApiError, qs, rub } from '../api.js';
import type { PageProps } from '../App.js';
import { Download } from '../components/Download.js';
import { reconColumn, type ReconciliationReport } from '../../api/admin/reports.js';
import { today } from './ReportDistrict.js';

/** The reconciliations of a school: each with its differences, or «расхождений нет». */
export function ReportReconciliationPage({ schoolId }: PageProps) {
  const [from, setFrom] = useState(today());
  const [to, setTo] = useState(today());
  const [r, setR] = useState<ReconciliationReport | null>(null);
  const [error, setError] = useState('');
  const base = `/schools/${encodeURIComponent(schoolId)}/reports/reconciliation`;
  useEffect(() => {
    setR(null);
    api<ReconciliationReport>('GET', `${base}${qs({ from, to })}`).then((x) => { setR(x); setError(''); }, (e: unknown) => setError(e instanceof ApiError ? e.message : String(e)));
  }, [base, from, to]);
  return (
    <>
      <div className="table-tools">
        <label>С: <input type="date" value={from} onChange={(e) => setFrom(e.target.value)} /></label>
        <label>По: <input type="date" value={to} onChange={(e) => setTo(e.target.value)} /></label>
        <Download path={`${base}${qs({ from, to, format: 'pdf' })}`} label="PDF для подписи" fileName={`сверки-${from}.pdf`} />
        <Download path={`${base}${qs({ from, to, format: 'xlsx' })}`} label="XLSX" fileName={`сверки-${from}.xlsx`} />
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      {r?.sections.map((s) => {
        const keys = [...new Set(s.rows.flatMap((x) => Object.keys(x)))];
        return (
          <section key={s.id}>
            <h3>{s.title}</h3>
            <p className={s.ok ? 'notice' : 'error'}>{s.summary}</p>
            {!s.ok && s.rows.length > 0 && (
              <div className="table-scroll" tabIndex={0} role="region" aria-label="Таблица (прокрутка)"><table aria-label={s.title}>
                <thead><tr>{keys.map((k) => <th scope="col" key={k}>{reconColumn(k).header}</th>)}</tr></thead>
                <tbody>{s.rows.slice(0, 200).map((row, i) => <tr key={i}>{keys.map((k) => <td key={k} className={reconColumn(k).money ? 'num' : undefined}>{cell(k, row[k])}</td>)}</tr>)}</tbody>
              </table></div>
            )}
          </section>
        );
      })}
    </>
  );
}

/** Kopecks as roubles, an instant as the local date and time; the rest as it is. */
function cell(key: string, v: string | number | boolean | null | undefined): string {
  if (v == null) return '';
  if (reconColumn(key).money && typeof v === 'number') return rub(v);
  if (key === 'closedAt' && typeof v === 'string') return new Date(v).toLocaleString('ru-RU');
  return String(v);
}
