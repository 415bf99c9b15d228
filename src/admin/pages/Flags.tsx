import { useEffect, useState } from 'react';
import type { z } from 'zod';
import { api, ApiError, dateTime, qs } from '../api.js';
import type { PageProps } from '../App.js';
import { Dialog, Field, FormError, useZodForm } from '../components/Form.js';
import { flagResolveSchema, type flagViewSchema } from '../../api/admin/flags.js';

type Flag = z.infer<typeof flagViewSchema>;

/** Review flags: what the server stored but would not have allowed; filter, read, resolve with a note. */
export function FlagsPage({ schoolId, roles }: PageProps) {
  const [state, setState] = useState<'open' | 'resolved' | 'all'>('open');
  const [account, setAccount] = useState('');
  const [rows, setRows] = useState<Flag[]>([]);
  const [error, setError] = useState('');
  const [open, setOpen] = useState<Flag | null>(null);
  const base = `/schools/${encodeURIComponent(schoolId)}/flags`;
  const canResolve = roles.has('districtAdmin') || roles.has('schoolAdmin') || roles.has('manager');
  const load = () => {
    const acc = /^\d{10}$/.test(account) ? account : undefined;
    api<Flag[]>('GET', `${base}${qs({ state, accountNumber: acc })}`).then((r) => { setRows(r); setError(''); }, (e: unknown) => setError(e instanceof ApiError ? e.message : String(e)));
  };
  useEffect(load, [base, state, account]);
  return (
    <>
      <div className="table-tools">
        <label>Показать:{' '}
          <select value={state} onChange={(e) => setState(e.target.value as typeof state)}>
            <option value="open">нерешённые</option><option value="resolved">решённые</option><option value="all">все</option>
          </select>
        </label>
        <label>Лицевой счёт: <input value={account} onChange={(e) => setAccount(e.target.value.trim())} inputMode="numeric" placeholder="10 цифр" /></label>
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      <div className="table-scroll">
        <table aria-label="Отметки для проверки">
          <thead><tr><th scope="col">Когда</th><th scope="col">Л/С</th><th scope="col">Касса</th><th scope="col">Что не так</th><th scope="col">Решение</th></tr></thead>
          <tbody>
            {rows.map((f) => (
              <tr key={f.id} className="clickable" tabIndex={0} onClick={() => setOpen(f)} onKeyDown={(e) => { if (e.key === 'Enter') setOpen(f); }}>
                <td>{dateTime(f.createdAt)}</td><td>{f.accountNumber ?? '—'}</td><td>{f.terminalId ?? '—'}</td><td>{f.message}</td>
                <td>{f.resolvedAt ? `${f.resolvedBy ?? ''}: ${f.resolutionNote ?? ''}` : '—'}</td>
              </tr>
            ))}
            {rows.length === 0 && <tr><td colSpan={5} className="muted">Нет отметок</td></tr>}
          </tbody>
        </table>
      </div>
      {open && <ResolveDialog base={base} flag={open} canResolve={canResolve} onClose={() => setOpen(null)} onDone={() => { setOpen(null); load(); }} />}
    </>
  );
}

function ResolveDialog({ base, flag, canResolve, onClose, onDone }: { base: string; flag: Flag; canResolve: boolean; onClose: () => void; onDone: () => void }) {
  const form = useZodForm(flagResolveSchema, { note: '' });
  const save = form.submit(async (v) => { await api('POST', `${base}/${flag.id}/resolve`, v); onDone(); });
  return (
    <Dialog title="Отметка для проверки" onClose={onClose}>
      <p>{flag.message}</p>
      <p className="muted">{dateTime(flag.createdAt)} · Л/С {flag.accountNumber ?? '—'} · касса {flag.terminalId ?? '—'} · проводка {flag.entryUuid}</p>
      {flag.resolvedAt ? <p className="notice">Решено {dateTime(flag.resolvedAt)} ({flag.resolvedBy}): {flag.resolutionNote}</p>
        : canResolve && (
          <form onSubmit={save} noValidate>
            <Field name="note" label="Что сделано" value={form.values.note!} onChange={form.set} error={form.errors.note} autoFocus />
            <FormError error={form.serverError} />
            <div className="buttons"><button type="submit" className="primary" disabled={form.busy}>Отметить решённой</button></div>
          </form>
        )}
      <div className="buttons"><button type="button" onClick={onClose}>Закрыть</button></div>
    </Dialog>
  );
}
