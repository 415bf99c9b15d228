import { useEffect, useState } from 'react';
import type { z } from 'zod';
import { api, dateTime, qs } from '../api.js';
import type { PageProps } from '../App.js';
import { Dialog } from '../components/Form.js';
import { apiMessage } from '../components/zod-money.js';
import { isDistrict } from '../session.js';
import type { auditRowSchema } from '../../api/admin/audit.js';

type AuditRow = z.infer<typeof auditRowSchema>;
interface Person { id: string; fullName: string }
const PAGE = 100;

/** The local day's start (or the next day's start) as an instant for the API. */
const dayStart = (d: string, plus = 0) => new Date(new Date(`${d}T00:00:00`).getTime() + plus * 86_400_000).toISOString();

/**
 * The audit log, read-only: every staff write with who, when, what, before
 * and after. Filters by school (a district admin may look at every school),
 * person, action and dates; newest first, "show more" pages back.
 */
export function AuditPage({ me, schoolId, schools, roles }: PageProps) {
  const [all, setAll] = useState(false);
  const [staffId, setStaffId] = useState('');
  const [action, setAction] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [rows, setRows] = useState<AuditRow[]>([]);
  const [more, setMore] = useState(false);
  const [people, setPeople] = useState<Person[]>([]);
  /** People met in the rows (a district admin is not on a school's staff list). */
  const [seen, setSeen] = useState<Map<string, string>>(new Map());
  const [error, setError] = useState('');
  const [open, setOpen] = useState<AuditRow | null>(null);
  const district = isDistrict(me);
  const path = all && district ? '/audit' : `/schools/${encodeURIComponent(schoolId)}/audit`;
  const filters = { staffId: staffId || undefined, action: action.trim() || undefined, from: from ? dayStart(from) : undefined, to: to ? dayStart(to, 1) : undefined, limit: PAGE };
  const load = (beforeId?: number) => {
    api<AuditRow[]>('GET', `${path}${qs({ ...filters, beforeId })}`).then((r) => {
      setRows((old) => (beforeId ? [...old, ...r] : r));
      setSeen((m) => {
        const add = r.filter((x) => x.staffId && !m.has(x.staffId));
        return add.length ? new Map([...m, ...add.map((x) => [x.staffId!, x.actor] as const)]) : m;
      });
      setMore(r.length === PAGE);
      setError('');
    }, (e: unknown) => setError(apiMessage(e)));
  };
  useEffect(() => { const t = setTimeout(() => load(), 250); return () => clearTimeout(t); }, [path, staffId, action, from, to]);
  useEffect(() => {
    if (!roles.has('districtAdmin') && !roles.has('schoolAdmin')) return;
    api<Person[]>('GET', `/schools/${encodeURIComponent(schoolId)}/staff`).then(setPeople, () => setPeople([]));
  }, [schoolId]);
  const schoolName = (id: string | null) => (id === null ? 'район' : schools.find((s) => s.id === id)?.name ?? id);
  const persons = new Map([...seen, ...people.map((p) => [p.id, p.fullName] as const)]);
  const actions = [...new Set(rows.map((r) => r.action))].sort();
  return (
    <>
      <div className="table-tools" role="search" aria-label="Отбор записей журнала">
        {district && <label><input type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} /> Все школы и район</label>}
        <label>Сотрудник:{' '}
          <select value={staffId} onChange={(e) => setStaffId(e.target.value)}>
            <option value="">все</option>
            {[...persons].sort((a, b) => a[1].localeCompare(b[1], 'ru')).map(([id, name]) => <option key={id} value={id}>{name}</option>)}
          </select>
        </label>
        <label>Действие: <input value={action} onChange={(e) => setAction(e.target.value)} list="audit-actions" placeholder="например, pupil.update" /></label>
        <datalist id="audit-actions">{actions.map((a) => <option key={a} value={a} />)}</datalist>
        <label>С <input type="date" value={from} onChange={(e) => setFrom(e.target.value)} /></label>
        <label>по <input type="date" value={to} onChange={(e) => setTo(e.target.value)} /></label>
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      <div className="table-scroll">
        <table aria-label="Журнал действий">
          <thead><tr><th scope="col">Когда</th><th scope="col">Кто</th><th scope="col">Школа</th><th scope="col">Действие</th><th scope="col">Запись</th></tr></thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.id} className="clickable" tabIndex={0} onClick={() => setOpen(r)} onKeyDown={(e) => { if (e.key === 'Enter') setOpen(r); }}>
                <td>{dateTime(r.at)}</td><td>{r.actor}</td><td>{schoolName(r.schoolId)}</td><td><code>{r.action}</code></td><td>{r.entity}{r.entityId ? ` ${r.entityId}` : ''}</td>
              </tr>
            ))}
            {rows.length === 0 && <tr><td colSpan={5} className="muted">Записей нет</td></tr>}
          </tbody>
        </table>
      </div>
      {more && <div className="buttons"><button type="button" onClick={() => load(rows.at(-1)?.id)}>Показать ещё</button></div>}
      {open && (
        <Dialog title={`Запись журнала №${open.id}`} onClose={() => setOpen(null)}>
          <p>{dateTime(open.at)} · {open.actor}{open.ip ? ` · ${open.ip}` : ''} · {schoolName(open.schoolId)}</p>
          <p><code>{open.action}</code> · {open.entity} {open.entityId ?? ''}</p>
          <div className="form-grid audit-diff">
            <div><h3>До</h3><pre tabIndex={0} aria-label="До" data-testid="audit-before">{open.before === null ? '—' : JSON.stringify(open.before, null, 2)}</pre></div>
            <div><h3>После</h3><pre tabIndex={0} aria-label="После" data-testid="audit-after">{open.after === null ? '—' : JSON.stringify(open.after, null, 2)}</pre></div>
          </div>
          <div className="buttons"><button type="button" onClick={() => setOpen(null)}>Закрыть</button></div>
        </Dialog>
      )}
    </>
  );
}
