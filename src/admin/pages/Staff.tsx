import { useEffect, useState } from 'react';
import { z } from 'zod';
import { api, ApiError } from '../api.js';
import type { PageProps } from '../App.js';
import { Dialog, Field, FormError, useZodForm } from '../components/Form.js';
import { ROLE_NAMES, STAFF_ROLES, type StaffRole } from '../../api/admin/common.js';
import { passwordSchema, pinSchema, staffPinSchema, type StaffView } from '../../api/admin/staff.js';

const TILL_ROLES: readonly StaffRole[] = ['cashier', 'manager'];

const createForm = z.object({
  fullName: z.string().trim().min(3, 'ФИО не короче 3 символов').max(200),
  role: z.enum(STAFF_ROLES),
  login: z.string().trim().toLowerCase(),
  password: z.string(),
  pin: z.string().trim(),
}).superRefine((v, ctx) => {
  const till = TILL_ROLES.includes(v.role);
  if (till) {
    const pin = pinSchema.safeParse(v.pin);
    if (!pin.success) ctx.addIssue({ code: 'custom', path: ['pin'], message: pin.error.issues[0]!.message });
  } else {
    if (!/^[a-z0-9._-]{3,40}$/.test(v.login)) ctx.addIssue({ code: 'custom', path: ['login'], message: 'Логин: от 3 до 40 латинских букв, цифр, точек, дефисов' });
    const pw = passwordSchema.safeParse(v.password);
    if (!pw.success) ctx.addIssue({ code: 'custom', path: ['password'], message: pw.error.issues[0]!.message });
  }
});

/**
 * Staff of the school: who has which role, the tills' cashiers and managers
 * with their PINs (a new PIN reaches the school's tills on their next sync), deactivation.
 */
export function StaffPage({ schoolId }: PageProps) {
  const [rows, setRows] = useState<StaffView[]>([]);
  const [error, setError] = useState('');
  const [open, setOpen] = useState<StaffView | 'new' | null>(null);
  const base = `/schools/${encodeURIComponent(schoolId)}/staff`;
  const reload = () => { api<StaffView[]>('GET', base).then(setRows, (e: unknown) => setError(e instanceof ApiError ? e.message : String(e))); };
  useEffect(reload, [base]);
  const done = () => { setOpen(null); reload(); };
  return (
    <>
      <div className="buttons"><button type="button" onClick={() => setOpen('new')}>Добавить сотрудника…</button></div>
      {error && <p className="error" role="alert">{error}</p>}
      <div className="table-scroll">
        <table aria-label="Сотрудники">
          <thead><tr><th scope="col">ФИО</th><th scope="col">Роли</th><th scope="col">Логин</th><th scope="col">ПИН кассы</th><th scope="col">Аутентификатор</th><th scope="col">Активен</th></tr></thead>
          <tbody>{rows.map((s) => (
            <tr key={s.id} className={`clickable${s.active ? '' : ' bad'}`} tabIndex={0} onClick={() => setOpen(s)} onKeyDown={(e) => { if (e.key === 'Enter') setOpen(s); }}>
              <td>{s.fullName}</td>
              <td>{[...new Set(s.grants.map((g) => ROLE_NAMES[g.role]))].join(', ')}</td>
              <td>{s.login ?? '—'}</td>
              <td>{s.hasPin ? 'задан' : '—'}</td>
              <td>{s.totpEnrolled ? 'подключён' : '—'}</td>
              <td>{s.active ? 'да' : 'нет'}</td>
            </tr>
          ))}</tbody>
        </table>
      </div>
      {open === 'new' && <CreateDialog base={base} schoolId={schoolId} onClose={() => setOpen(null)} onDone={done} />}
      {open && open !== 'new' && <PersonDialog base={base} person={open} onClose={() => setOpen(null)} onDone={done} />}
    </>
  );
}

function CreateDialog({ base, schoolId, onClose, onDone }: { base: string; schoolId: string; onClose: () => void; onDone: () => void }) {
  const form = useZodForm(createForm, { fullName: '', role: 'cashier', login: '', password: '', pin: '' });
  const till = TILL_ROLES.includes(form.values.role as StaffRole);
  const save = form.submit(async (v) => {
    const isTill = TILL_ROLES.includes(v.role);
    await api('POST', base, {
      fullName: v.fullName, grants: [{ role: v.role, schoolId, classNames: null }],
      login: isTill ? null : v.login, ...(isTill ? { pin: v.pin } : { password: v.password }),
    });
    onDone();
  });
  return (
    <Dialog title="Новый сотрудник" onClose={onClose}>
      <form onSubmit={save} noValidate>
        <Field name="fullName" label="ФИО" value={form.values.fullName!} onChange={form.set} error={form.errors.fullName} autoFocus />
        <Field name="role" label="Роль" value={form.values.role!} onChange={form.set} error={form.errors.role}
          options={STAFF_ROLES.filter((r) => r !== 'districtAdmin').map((r) => ({ value: r, label: ROLE_NAMES[r] }))} />
        {till ? (
          <Field name="pin" label="ПИН для кассы" value={form.values.pin!} onChange={form.set} error={form.errors.pin} inputMode="numeric" type="password" hint="6–8 цифр, не подряд и не одинаковые" />
        ) : (
          <>
            <Field name="login" label="Логин" value={form.values.login!} onChange={form.set} error={form.errors.login} autoComplete="off" />
            <Field name="password" label="Пароль" type="password" value={form.values.password!} onChange={form.set} error={form.errors.password} autoComplete="new-password" />
          </>
        )}
        <FormError error={form.serverError} />
        <div className="buttons"><button type="submit" className="primary" disabled={form.busy}>Создать</button><button type="button" onClick={onClose}>Отмена</button></div>
      </form>
    </Dialog>
  );
}

function PersonDialog({ base, person, onClose, onDone }: { base: string; person: StaffView; onClose: () => void; onDone: () => void }) {
  const url = `${base}/${encodeURIComponent(person.id)}`;
  const pin = useZodForm(staffPinSchema, { pin: '' });
  const [error, setError] = useState<ApiError | null>(null);
  const [notice, setNotice] = useState('');
  const tillPerson = person.grants.some((g) => TILL_ROLES.includes(g.role));
  const setPin = pin.submit(async (v) => {
    await api('PUT', `${url}/pin`, v);
    pin.setValues({ pin: '' });
    setNotice('ПИН изменён: кассы школы получат его при следующей синхронизации.');
  });
  const act = async (path: string, message: string) => {
    setError(null);
    try { await api('POST', `${url}/${path}`, {}); setNotice(message); onDone(); } catch (e) { setError(e instanceof ApiError ? e : new ApiError(0, 'CLIENT', String(e))); }
  };
  return (
    <Dialog title={person.fullName} onClose={onClose}>
      <p>{[...new Set(person.grants.map((g) => ROLE_NAMES[g.role]))].join(', ')}{person.login ? ` · логин ${person.login}` : ''}{person.active ? '' : ' · отключён'}</p>
      {notice && <p className="notice" role="status" data-testid="staff-notice">{notice}</p>}
      {tillPerson && person.active && (
        <form onSubmit={setPin} noValidate aria-label="ПИН кассы">
          <Field name="pin" label="Новый ПИН для кассы" type="password" value={pin.values.pin!} onChange={pin.set} error={pin.errors.pin} inputMode="numeric" autoComplete="new-password" />
          <FormError error={pin.serverError} />
          <div className="buttons"><button type="submit" className="primary" disabled={pin.busy}>Сменить ПИН</button></div>
        </form>
      )}
      <FormError error={error} />
      <div className="buttons">
        {person.totpEnrolled && <button type="button" onClick={() => { void act('totp-reset', 'Аутентификатор сброшен'); }}>Сбросить аутентификатор</button>}
        {person.active && <button type="button" className="danger" onClick={() => { void act('deactivate', 'Сотрудник отключён'); }}>Отключить</button>}
        <button type="button" onClick={onClose}>Закрыть</button>
      </div>
    </Dialog>
  );
}
