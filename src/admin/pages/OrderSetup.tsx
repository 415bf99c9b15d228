import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { z } from 'zod';
import { api, ApiError } from '../api.js';
import type { PageProps } from '../App.js';
import { Dialog, FormError, issuesByField, type FieldErrors } from '../components/Form.js';
import { SITTING_KIND_NAMES, sittingInputSchema, type SittingView, type sittingListSchema } from '../../api/admin/order-setup.js';
import { OrderSettingsForm } from './OrderSettingsForm.js';

/**
 * «Питание: режим»: the school's meal sittings (when, which classes, which menu category) and its
 * order settings (the cutoff, «заказано, не съедено»). The production manager and the school's
 * admins edit; the class teacher and the accountant read.
 */
type SittingList = z.infer<typeof sittingListSchema>;
export const EDITORS = ['districtAdmin', 'schoolAdmin', 'manager'] as const;

export function OrderSetupPage({ schoolId, roles }: PageProps) {
  const canEdit = EDITORS.some((r) => roles.has(r));
  const base = `/schools/${encodeURIComponent(schoolId)}/orders`;
  const [list, setList] = useState<SittingList | null>(null);
  const [error, setError] = useState('');
  const [notice, setNotice] = useState('');
  const [open, setOpen] = useState<SittingView | 'new' | null>(null);
  const load = useCallback(() => {
    api<SittingList>('GET', `${base}/sittings`).then((l) => { setList(l); setError(''); }, (e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, [base]);
  useEffect(load, [load]);
  const remove = (s: SittingView) => {
    if (!confirm(`Удалить приём пищи «${s.name}»? Открытые заказы родителей на него будут отменены.`)) return;
    api<{ released: number }>('DELETE', `${base}/sittings/${encodeURIComponent(s.id)}`).then((r) => {
      setNotice(`«${s.name}» удалён${r.released ? `; отменено заказов: ${r.released}` : ''}`); setError(''); load();
    }, (e: unknown) => { setNotice(''); setError(e instanceof Error ? e.message : String(e)); });
  };
  const category = (id: string | null) => (id === null ? 'все комплексы дня' : list?.categories.find((c) => c.id === id)?.name ?? id);
  return (
    <>
      <h2>Приёмы пищи</h2>
      {error && <p className="error" role="alert">{error}</p>}
      {notice && <p className="notice" role="status">{notice}</p>}
      {list && (
        <div className="table-scroll">
          <table aria-label="Приёмы пищи">
            <thead><tr><th scope="col">Приём пищи</th><th scope="col">Время</th><th scope="col">Классы</th><th scope="col">Меню</th>{canEdit && <th scope="col"><span className="skip">Действия</span></th>}</tr></thead>
            <tbody>
              {list.sittings.length === 0 && <tr><td colSpan={5} className="muted">Приёмов пищи нет: без них заказы не принимаются.</td></tr>}
              {list.sittings.map((s) => (
                <tr key={s.id} data-testid={`sitting-${s.name}`} className={s.active ? undefined : 'muted'}>
                  <td><b>{s.name}</b><br /><span className="muted">{SITTING_KIND_NAMES[s.kind]}{s.active ? '' : ' · отключён'}</span></td>
                  <td>{s.startsAt}–{s.endsAt}</td>
                  <td><span className="chips">{s.classNames.length ? s.classNames.map((c) => <span key={c} className="chip">{c}</span>) : <span className="muted">нет классов</span>}</span></td>
                  <td>{category(s.menuCategoryId)}</td>
                  {canEdit && <td className="nowrap">
                    <button type="button" onClick={() => setOpen(s)} aria-label={`Изменить «${s.name}»`}>Изменить</button>{' '}
                    <button type="button" onClick={() => remove(s)} aria-label={`Удалить «${s.name}»`}>Удалить</button>
                  </td>}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {canEdit && <div className="buttons"><button type="button" className="primary" onClick={() => setOpen('new')}>Добавить приём пищи</button></div>}
      {open && list && (
        <SittingDialog base={base} sitting={open === 'new' ? null : open} list={list} onClose={() => setOpen(null)}
          onSaved={(name) => { setOpen(null); setNotice(`Приём пищи «${name}» сохранён`); load(); }} />
      )}
      <h2>Настройки заказа</h2>
      <OrderSettingsForm base={base} canEdit={canEdit} />
    </>
  );
}

function SittingDialog({ base, sitting, list, onClose, onSaved }: {
  base: string; sitting: SittingView | null; list: SittingList; onClose: () => void; onSaved: (name: string) => void;
}) {
  const [v, setV] = useState({
    kind: sitting?.kind ?? 'lunch', name: sitting?.name ?? '', startsAt: sitting?.startsAt ?? '', endsAt: sitting?.endsAt ?? '',
    classNames: sitting?.classNames ?? [], menuCategoryId: sitting?.menuCategoryId ?? null, sort: sitting?.sort ?? list.sittings.length + 1,
    active: sitting?.active ?? true,
  });
  const [errors, setErrors] = useState<FieldErrors>({});
  const [serverError, setServerError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof typeof v>(k: K, value: (typeof v)[K]) => { setV((x) => ({ ...x, [k]: value })); setErrors((e) => ({ ...e, [k]: '' })); };
  const toggle = (c: string) => set('classNames', v.classNames.includes(c) ? v.classNames.filter((x) => x !== c) : [...v.classNames, c]);
  const save = async (e: FormEvent) => {
    e.preventDefault();
    setServerError(null);
    const parsed = sittingInputSchema.safeParse(v);
    if (!parsed.success) { setErrors(issuesByField(parsed.error.issues)); return; }
    setBusy(true);
    try {
      if (sitting) await api('PUT', `${base}/sittings/${encodeURIComponent(sitting.id)}`, { ...parsed.data, version: sitting.version });
      else await api('POST', `${base}/sittings`, parsed.data);
      onSaved(parsed.data.name);
    } catch (err) {
      setServerError(err instanceof ApiError ? err : new ApiError(0, 'CLIENT', String(err)));
    } finally { setBusy(false); }
  };
  const err = (k: string) => errors[k] ? <small id={`s-${k}-err`} className="field-error">{errors[k]}</small> : null;
  const aria = (k: string) => ({ 'aria-invalid': errors[k] ? true : undefined, 'aria-describedby': errors[k] ? `s-${k}-err` : undefined });
  return (
    <Dialog title={sitting ? sitting.name : 'Новый приём пищи'} onClose={onClose}>
      <form onSubmit={(e) => { void save(e); }} noValidate>
        <div className="form-grid">
          <div className="field"><label htmlFor="s-kind">Вид</label>
            <select id="s-kind" value={v.kind} onChange={(e) => set('kind', e.target.value as typeof v.kind)}>
              {Object.entries(SITTING_KIND_NAMES).map(([k, n]) => <option key={k} value={k}>{n}</option>)}
            </select></div>
          <div className={`field${errors.name ? ' has-error' : ''}`}><label htmlFor="s-name">Название</label>
            <input id="s-name" value={v.name} placeholder="Обед (2 смена)" onChange={(e) => set('name', e.target.value)} autoFocus {...aria('name')} />{err('name')}</div>
          <div className={`field${errors.startsAt ? ' has-error' : ''}`}><label htmlFor="s-start">Начало</label>
            <input id="s-start" value={v.startsAt} placeholder="ЧЧ:ММ" inputMode="numeric" maxLength={5} onChange={(e) => set('startsAt', e.target.value)} {...aria('startsAt')} />{err('startsAt')}</div>
          <div className={`field${errors.endsAt ? ' has-error' : ''}`}><label htmlFor="s-end">Конец</label>
            <input id="s-end" value={v.endsAt} placeholder="ЧЧ:ММ" inputMode="numeric" maxLength={5} onChange={(e) => set('endsAt', e.target.value)} {...aria('endsAt')} />{err('endsAt')}</div>
          <div className="field"><label htmlFor="s-cat">Комплексы из категории меню</label>
            <select id="s-cat" value={v.menuCategoryId ?? ''} onChange={(e) => set('menuCategoryId', e.target.value || null)}>
              <option value="">все комплексы дня</option>
              {list.categories.map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
            </select></div>
          <div className="field"><label htmlFor="s-sort">Порядок</label>
            <input id="s-sort" type="number" min={0} max={1000} value={v.sort} onChange={(e) => set('sort', Number(e.target.value))} /></div>
        </div>
        <fieldset className="chips-pick" aria-describedby={errors.classNames ? 's-classNames-err' : undefined}>
          <legend>Классы, которые едят в этот приём пищи</legend>
          {list.classes.length === 0 && <span className="muted">В школе ещё нет учащихся.</span>}
          {list.classes.map((c) => (
            <button key={c} type="button" className="chip" aria-pressed={v.classNames.includes(c)} onClick={() => toggle(c)}>{c}</button>
          ))}
          {err('classNames')}
        </fieldset>
        <label><input type="checkbox" checked={v.active} onChange={(e) => set('active', e.target.checked)} /> Действует (отключённый не принимает заказы; его открытые заказы отменяются)</label>
        <FormError error={serverError} />
        <div className="buttons"><button type="submit" className="primary" disabled={busy}>Сохранить</button><button type="button" onClick={onClose}>Отмена</button></div>
      </form>
    </Dialog>
  );
}
