import { useEffect, useState } from 'react';
import { api, ApiError, dateTime } from '../api.js';
import type { PageProps } from '../App.js';
import type { TillView } from '../../api/admin/tills.js';
import { AllergenPolicy } from './AllergenPolicy.js';
import { TillDiagnostics } from '../components/TillDiagnostics.js';

const REFRESH_MS = 30_000;

function skew(ms: number | null): string {
  if (ms === null) return '—';
  const s = Math.round(ms / 1000);
  return Math.abs(s) < 2 ? 'в норме' : `${s > 0 ? '+' : '−'}${Math.abs(s)} с`;
}

/** The school's tills, live: last seen, version, what waits to be sent, last Z report, devices, clock; a silent till stands out. */
export function TillsPage({ schoolId, roles }: PageProps) {
  const [rows, setRows] = useState<TillView[]>([]);
  const [error, setError] = useState('');
  const [code, setCode] = useState<{ code: string; terminalName: string; expiresAt: string } | null>(null);
  // The till whose diagnostics are shown (the viewer opens on its last bundle, or asks for one).
  const [diag, setDiag] = useState<TillView | null>(null);
  const base = `/schools/${encodeURIComponent(schoolId)}/tills`;
  // Enrolment, revocation and diagnostics are the admins' (the API refuses a manager).
  const canEnrol = roles.has('districtAdmin') || roles.has('schoolAdmin');
  const load = () => { api<TillView[]>('GET', base).then((r) => { setRows(r); setError(''); }, (e: unknown) => setError(e instanceof ApiError ? e.message : String(e))); };
  useEffect(() => { load(); const t = setInterval(load, REFRESH_MS); return () => clearInterval(t); }, [base]);
  const newCode = async () => {
    try { setCode(await api('POST', `${base}/enrollment-codes`, {})); } catch (e) { setError(e instanceof ApiError ? e.message : String(e)); }
  };
  const revoke = async (t: TillView) => {
    if (!confirm(`Отозвать кассу «${t.name}»? Она перестанет синхронизироваться.`)) return;
    try { await api('POST', `${base}/${encodeURIComponent(t.id)}/revoke`, {}); load(); } catch (e) { setError(e instanceof ApiError ? e.message : String(e)); }
  };
  const silent = rows.filter((t) => t.silentTooLong && !t.revokedAt);
  return (
    <>
      {silent.length > 0 && <p className="warn" role="alert" data-testid="silent-warning">Давно не выходили на связь: {silent.map((t) => t.name).join(', ')}</p>}
      {error && <p className="error" role="alert">{error}</p>}
      {canEnrol && <div className="buttons"><button type="button" onClick={() => { void newCode(); }}>Код регистрации новой кассы</button></div>}
      {code && <p className="notice" role="status">Код для «{code.terminalName}»: <code>{code.code}</code>, действует до {dateTime(code.expiresAt)}.</p>}
      <div className="table-scroll">
        <table aria-label="Кассы">
          <thead><tr>
            <th scope="col">Касса</th><th scope="col">Серия чеков</th><th scope="col">На связи</th><th scope="col">Версия</th>
            <th scope="col" className="num">Не отправлено</th><th scope="col">Последний Z-отчёт</th><th scope="col">Принтер</th><th scope="col">Считыватель</th><th scope="col">Часы</th><th scope="col"></th>
          </tr></thead>
          <tbody>{rows.map((t) => (
            <tr key={t.id} className={t.revokedAt ? 'bad' : t.silentTooLong ? 'silent' : undefined} data-testid={`till-${t.id}`}>
              <td>{t.name}{t.revokedAt ? ' (отозвана)' : ''}</td>
              <td>{t.receiptSeries || '—'}</td>
              <td>{t.lastSeenAt ? dateTime(t.lastSeenAt) : 'ни разу'}{t.silentTooLong && !t.revokedAt ? ' ⚠ молчит' : ''}</td>
              <td>{t.appVersion ?? '—'}{t.update ? <><br /><small data-testid="till-update">{updateText(t.update)}</small></> : null}</td>
              <td className="num">{t.pendingEntries ?? '—'}</td>
              <td>{dateTime(t.lastZAt)}</td>
              <td>{t.printer ?? '—'}</td>
              <td>{t.reader ?? '—'}</td>
              <td>{skew(t.clockSkewMs)}</td>
              <td className="row-actions">{canEnrol && !t.revokedAt && <>
                <button type="button" onClick={() => setDiag(t)} aria-label={`Диагностика кассы ${t.name}`}>Диагностика</button>
                <button type="button" onClick={() => { void revoke(t); }}>Отозвать</button>
              </>}</td>
            </tr>
          ))}</tbody>
        </table>
      </div>
      {diag && <TillDiagnostics key={diag.id} base={base} till={diag} onClose={() => setDiag(null)} />}
      <AllergenPolicy schoolId={schoolId} canEdit={canEnrol} />
    </>
  );
}

/** The till's update state in Russian (the till reports short ASCII codes, src/shell/updates.ts statusWord). */
export function updateText(code: string): string {
  const [what = '', arg = '', , reason = ''] = code.split(' ');
  const [from = '', to = ''] = arg.split('>');
  switch (what) {
    case 'downloaded': return `скачано ${arg}${reason === 'shift' ? ', ждёт закрытия смены' : reason === 'pending' ? ', ждёт отправки продаж' : ''}`;
    case 'installed': return `обновлена с ${from} до ${to}`;
    case 'rolledBack': return `⚠ ${from} не запустилась, возврат к ${to}`;
    case 'rollbackFailed': return `⚠ ${from} не запустилась, возврат к ${to} не удался`;
    case 'notInstalled': return `⚠ ${to} не установилась`;
    default: return code;
  }
}
