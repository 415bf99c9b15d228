import { useCallback, useEffect, useState } from 'react';
import { api, ApiError, dateTime, rub } from '../api.js';
import type { PageProps } from '../App.js';
import type { ClassDayView } from '../../api/admin/orders.js';
import { today } from './ReportDistrict.js';

function toBase64(buf: ArrayBuffer): string {
  const bytes = new Uint8Array(buf);
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

const BASIS: Record<string, string> = { preOrder: 'заказ родителей', benefit: 'льгота', primary: '1–4 класс, бесплатно' };
const STATE: Record<string, string> = { open: 'не подтверждена', confirmed: 'подтверждена', fixed: 'зафиксирована' };

/**
 * The class teacher's day on a phone (390×844): the class list with attendance (tap to mark, or
 * the e-journal's CSV), each pupil's meal, benefit and balance, and the confirmation by the cutoff.
 */
export function ClassDayPage({ me, schoolId }: PageProps) {
  const own = [...new Set(me.staff.grants.filter((g) => g.role === 'classTeacher' && (g.schoolId === schoolId || g.schoolId === null)).flatMap((g) => g.classNames ?? []))];
  const [className, setClassName] = useState(own[0] ?? '');
  const [day, setDay] = useState(today());
  const [v, setV] = useState<ClassDayView | null>(null);
  const [error, setError] = useState('');
  const [notice, setNotice] = useState('');
  const base = `/schools/${encodeURIComponent(schoolId)}/orders/classes/${encodeURIComponent(className)}/days/${day}`;
  const load = useCallback(() => {
    if (!className) return;
    api<ClassDayView>('GET', base).then((x) => { setV(x); setError(''); }, (e: unknown) => { setV(null); setError(e instanceof ApiError ? e.message : String(e)); });
  }, [base, className]);
  useEffect(load, [load]);
  const act = async (f: () => Promise<unknown>, done: string) => {
    try { await f(); setNotice(done); setError(''); load(); } catch (e) { setNotice(''); setError(e instanceof ApiError ? e.message : String(e)); }
  };
  const mark = (studentId: string, present: boolean) => act(() => api('PUT', `${base}/attendance`, { marks: [{ studentId, present }] }), present ? 'Отмечен присутствующим' : 'Отмечен отсутствующим');
  const journal = async (f: File | undefined) => {
    if (!f) return;
    const contentBase64 = toBase64(await f.arrayBuffer());
    await act(() => api('POST', `${base}/journal`, { fileName: f.name, contentBase64 }), 'Отметки первого урока загружены');
  };
  const confirm = () => act(() => api('POST', `${base}/confirm`), 'Заявка класса подтверждена');
  const absent = v?.pupils.filter((p) => p.present === false).length ?? 0;
  const eating = v?.pupils.filter((p) => p.present !== false && p.meals.length > 0).length ?? 0;
  return (
    <div className="class-day">
      <div className="table-tools">
        <label>Класс: {own.length
          ? <select value={className} onChange={(e) => setClassName(e.target.value)}>{own.map((c) => <option key={c}>{c}</option>)}</select>
          : <input value={className} size={4} onChange={(e) => setClassName(e.target.value.toUpperCase())} aria-label="Класс" />}</label>
        <label>День: <input type="date" value={day} onChange={(e) => setDay(e.target.value)} /></label>
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      {notice && <p className="notice" role="status">{notice}</p>}
      {v && (
        <>
          <p className="summary" data-testid="class-day-state">Заявка {STATE[v.state]}{v.closed ? ` · питания нет: ${v.closed}` : ''} · подать до {dateTime(v.cutoff)}
            {' '}· питаются {eating}, отсутствуют {absent}</p>
          {v.editable && (
            <div className="table-tools">
              <label className="file">Отметки из журнала (CSV): <input type="file" accept=".csv,text/csv" onChange={(e) => { void journal(e.target.files?.[0]); }} /></label>
              <button type="button" className="primary" onClick={() => { void confirm(); }} disabled={v.state === 'confirmed'}>Подтвердить заявку</button>
            </div>
          )}
          <ul className="pupil-cards" aria-label={`Класс ${v.className}`}>
            {v.pupils.map((p) => (
              <li key={p.studentId} className={p.present === false ? 'absent' : ''} data-testid="class-pupil">
                <div className="row"><strong>{p.fullName}</strong>
                  <span className="muted">{p.balance === null ? 'нет счёта' : `остаток ${rub(p.balance)}`}{p.reserved ? `, резерв ${rub(p.reserved)}` : ''}</span></div>
                <div className="row">{p.meals.length
                  ? p.meals.map((m) => <span key={m.sittingId} className={m.reversed ? 'reversed' : ''}>{m.name} ({BASIS[m.basis]}{m.parentAmount ? `, ${rub(m.parentAmount)}` : ''})</span>)
                  : <span className="muted">без питания по заявке</span>}
                  {p.benefits.length > 0 && <span className="badge">{p.benefits.join(', ')}</span>}</div>
                {v.editable ? (
                  <div className="row" role="group" aria-label={`Присутствие: ${p.fullName}`}>
                    <button type="button" aria-pressed={p.present !== false} onClick={() => { void mark(p.studentId, true); }}>Присутствует</button>
                    <button type="button" aria-pressed={p.present === false} onClick={() => { void mark(p.studentId, false); }}>Отсутствует</button>
                    {p.source === 'journal' && <span className="muted">из журнала</span>}
                  </div>
                ) : <div className="row muted">{p.present === false ? 'отсутствовал' : 'присутствовал'}</div>}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
