import { useEffect, useState } from 'react';
import { api, ApiError, qs, rub } from '../api.js';
import type { PageProps } from '../App.js';
import { ExportJobButton } from '../components/ExportJob.js';
import { FUNDING_SOURCE_NAMES, type ReimbursementReport } from '../../api/admin/reports.js';

/** The budget's reimbursement for a month at the chosen school (or the whole district for a district-wide grant). */
export function ReportReimbursementPage({ schoolId, me }: PageProps) {
  const [month, setMonth] = useState(new Date().toISOString().slice(0, 7));
  const district = me.staff.grants.some((g) => g.schoolId === null && (g.role === 'districtAdmin' || g.role === 'accountant'));
  const [all, setAll] = useState(false);
  const [r, setR] = useState<ReimbursementReport | null>(null);
  const [error, setError] = useState('');
  const path = () => (all && district ? `/reports/reimbursement${qs({ month })}` : `/schools/${encodeURIComponent(schoolId)}/reports/reimbursement${qs({ month })}`);
  const jobPath = all && district ? '/reports/exports' : `/schools/${encodeURIComponent(schoolId)}/report-exports`;
  useEffect(() => {
    setR(null);
    api<ReimbursementReport>('GET', path()).then((x) => { setR(x); setError(''); }, (e: unknown) => setError(e instanceof ApiError ? e.message : String(e)));
  }, [month, schoolId, all]);
  return (
    <>
      <div className="table-tools">
        <label>Месяц: <input type="month" value={month} onChange={(e) => setMonth(e.target.value)} /></label>
        {district && <label><input type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} /> все школы района</label>}
        {/* A month's file (a district's especially) is made by an export job on the server: progress, then «Скачать». */}
        <ExportJobButton path={jobPath} body={{ kind: 'reimbursement', month, format: 'xlsx' }} label="Выгрузить XLSX" fileName={`возмещение-${month}.xlsx`} />
        <ExportJobButton path={jobPath} body={{ kind: 'reimbursement', month, format: 'pdf' }} label="PDF для подписи" fileName={`возмещение-${month}.pdf`} />
        <ExportJobButton path={jobPath} body={{ kind: 'reimbursement', month, format: 'csv' }} label="CSV" fileName={`возмещение-${month}.csv`} />
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      {r && (
        <>
          <p className={r.matches ? 'notice' : 'error'} role="status">{r.statement}</p>
          <div className="table-scroll" tabIndex={0} role="region" aria-label="Таблица (прокрутка)">
            <table aria-label="Возмещение бюджета">
              <thead><tr><th scope="col">Школа</th><th scope="col">Источник</th><th scope="col">Категория</th><th scope="col">Питаний</th>
                <th scope="col">Учеников</th><th scope="col">Дней</th><th scope="col">Доля бюджета</th><th scope="col">К возмещению</th></tr></thead>
              <tbody>
                {r.rows.map((x) => (
                  <tr key={`${x.schoolId}/${x.fundingSource}/${x.categoryId}`}>
                    <td>{x.schoolName}</td><td>{FUNDING_SOURCE_NAMES[x.fundingSource] ?? x.fundingSource}</td><td>{x.categoryName}</td>
                    <td>{x.meals}</td><td>{x.pupils}</td><td>{x.days}</td><td>{x.budgetShare == null ? 'разная' : rub(x.budgetShare)}</td><td>{rub(x.sum)}</td>
                  </tr>
                ))}
                {r.rows.length === 0 && <tr><td colSpan={8} className="muted">Льготного питания за месяц нет</td></tr>}
              </tbody>
              <tfoot><tr><th scope="row" colSpan={7}>Итого</th><td>{rub(r.total)}</td></tr></tfoot>
            </table>
          </div>
          {r.details.length > 0 && <p className="muted">Ученики и дни (документ-основание): {r.details.length} строк — в выгрузке XLSX, лист «Основание».</p>}
        </>
      )}
    </>
  );
}
