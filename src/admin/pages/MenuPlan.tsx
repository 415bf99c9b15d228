import { useEffect, useState } from 'react';
import { z } from 'zod';
import { api, rub } from '../api.js';
import { Dialog, Field, FormError, useZodForm } from '../components/Form.js';
import { apiMessage, rublesField } from '../components/zod-money.js';
import { ApiError } from '../api.js';
import { formatAmount } from '../../core/money.js';
import { CYCLE_LENGTHS } from '../../core/menu-cycle.js';

/** The menu's plan in the console: meal sets with their dishes, the cycle of 10 or 14 days, a date's own menu. */

export interface Category { id: string; name: string; sort: number; active: boolean }
export interface Dish { id: string; name: string; price: number; categoryId: string; portion: string; active: boolean; version: number; sort: number; allergens?: string[] }
export interface MealSet extends Omit<Dish, 'portion'> { dishIds: string[] }
export interface Catalogue { categories: Category[]; dishes: Dish[]; mealSets: MealSet[] }
interface DayMenu { date: string; source: 'override' | 'cycle' | 'none'; dayNo: number | null; note: string; dishIds: string[]; mealSetIds: string[]; version?: number | null }
interface CycleDay { dayNo: number; dishIds: string[]; mealSetIds: string[] }
interface Cycle { lengthDays: number; startsOn: string; weekdays: number[]; version: number; days: CycleDay[] }
export interface Picked { dishIds: string[]; mealSetIds: string[] }

const WEEKDAYS = ['пн', 'вт', 'ср', 'чт', 'пт', 'сб', 'вс'];
const today = () => new Date().toISOString().slice(0, 10);
const plusDays = (d: string, n: number) => new Date(Date.parse(`${d}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
const SOURCE: Record<DayMenu['source'], string> = { override: 'особое меню', cycle: 'по циклу', none: 'нет меню' };
const ruDay = (d: string) => new Date(`${d}T12:00:00Z`).toLocaleDateString('ru-RU', { weekday: 'short', day: 'numeric', month: 'long' });

export function itemsText(cat: Catalogue, p: Picked): string {
  const name = (list: { id: string; name: string }[], id: string) => list.find((x) => x.id === id)?.name ?? id;
  return [...p.mealSetIds.map((id) => name(cat.mealSets, id)), ...p.dishIds.map((id) => name(cat.dishes, id))].join('; ') || '—';
}

/** Checkboxes of the school's meal sets and dishes (active ones, and those already chosen). */
export function ItemPicker({ cat, value, onChange, sets = true, label }: { cat: Catalogue; value: Picked; onChange: (p: Picked) => void; sets?: boolean; label: string }) {
  const toggle = (key: keyof Picked, id: string, on: boolean) => onChange({ ...value, [key]: on ? [...value[key], id] : value[key].filter((x) => x !== id) });
  const box = (key: keyof Picked, item: { id: string; name: string; price: number; active: boolean }) => (
    (item.active || value[key].includes(item.id)) && (
      <label key={item.id}><input type="checkbox" checked={value[key].includes(item.id)} onChange={(e) => toggle(key, item.id, e.target.checked)} /> {item.name} <span className="muted">{rub(item.price)}</span></label>
    )
  );
  return (
    <fieldset className="picker" aria-label={label}>
      <legend>{label}</legend>
      {sets && cat.mealSets.length > 0 && <><b>Комплексы</b>{cat.mealSets.map((m) => box('mealSetIds', m))}</>}
      <b>Блюда</b>
      {cat.dishes.map((d) => box('dishIds', d))}
    </fieldset>
  );
}

const setForm = z.object({
  name: z.string().trim().min(1, 'Введите наименование').max(300),
  price: rublesField('Цена'),
  categoryId: z.string().min(1, 'Выберите категорию'),
});

export function MealSetDialog({ base, set, cat, onClose, onSaved }: { base: string; set: MealSet | null; cat: Catalogue; onClose: () => void; onSaved: () => void }) {
  const form = useZodForm(setForm, { name: set?.name ?? '', price: set ? formatAmount(set.price) : '', categoryId: set?.categoryId ?? cat.categories[0]?.id ?? '' });
  const [dishIds, setDishIds] = useState<string[]>(set?.dishIds ?? []);
  const [active, setActive] = useState(set?.active ?? true);
  const save = form.submit(async (data) => {
    if (!dishIds.length) { form.setErrors({ dishIds: 'В комплексе должно быть хотя бы одно блюдо' }); return; }
    await api('PUT', `${base}/mealSets${set ? `/${encodeURIComponent(set.id)}` : ''}`, {
      ...data, dishIds, active, sort: set?.sort ?? 0, allergens: set?.allergens ?? [], ...(set ? { id: set.id, version: set.version } : {}),
    });
    onSaved();
  });
  const sum = dishIds.reduce((s, id) => s + (cat.dishes.find((d) => d.id === id)?.price ?? 0), 0);
  return (
    <Dialog title={set ? set.name : 'Новый комплекс'} onClose={onClose}>
      <form onSubmit={save} noValidate>
        <Field name="name" label="Наименование комплекса" value={form.values.name!} onChange={form.set} error={form.errors.name} autoFocus />
        <div className="form-grid">
          <Field name="price" label="Цена комплекса, ₽" value={form.values.price!} onChange={form.set} error={form.errors.price} inputMode="decimal" hint={`Блюда по отдельности: ${rub(sum)}`} />
          <Field name="categoryId" label="Категория" value={form.values.categoryId!} onChange={form.set} error={form.errors.categoryId} options={cat.categories.map((c) => ({ value: c.id, label: c.name }))} />
        </div>
        <ItemPicker cat={cat} sets={false} value={{ dishIds, mealSetIds: [] }} onChange={(p) => { setDishIds(p.dishIds); form.setErrors({}); }} label="Состав комплекса" />
        {form.errors.dishIds && <p className="field-error">{form.errors.dishIds}</p>}
        <label><input type="checkbox" checked={active} onChange={(e) => setActive(e.target.checked)} /> В продаже</label>
        <FormError error={form.serverError} />
        <div className="buttons"><button type="submit" className="primary" disabled={form.busy}>Сохранить</button><button type="button" onClick={onClose}>Отмена</button></div>
      </form>
    </Dialog>
  );
}

const categoryForm = z.object({ name: z.string().trim().min(1, 'Введите название категории').max(300) });

export function CategoryForm({ base, onSaved }: { base: string; onSaved: () => void }) {
  const form = useZodForm(categoryForm, { name: '' });
  const save = form.submit(async (d) => { await api('PUT', `${base}/categories`, { name: d.name }); form.set('name', ''); onSaved(); });
  return (
    <form onSubmit={save} noValidate className="inline-form">
      <Field name="name" label="Новая категория меню" value={form.values.name!} onChange={form.set} error={form.errors.name} />
      <button type="submit" disabled={form.busy}>Добавить категорию</button>
      <FormError error={form.serverError} />
    </form>
  );
}

/** The menu of each date: its override or its cycle day; an editor sets a date's own menu or returns it to the cycle. */
export function MenuByDate({ base, cat, canEdit }: { base: string; cat: Catalogue; canEdit: boolean }) {
  const [from, setFrom] = useState(today());
  const [days, setDays] = useState<DayMenu[]>([]);
  const [error, setError] = useState('');
  const [open, setOpen] = useState<DayMenu | null>(null);
  const load = () => { api<DayMenu[]>('GET', `${base}/dates?from=${from}&to=${plusDays(from, 13)}`).then(setDays, (e: unknown) => setError(apiMessage(e))); };
  useEffect(load, [base, from]);
  return (
    <>
      <div className="field"><label htmlFor="menu-from">С даты</label><input id="menu-from" type="date" value={from} onChange={(e) => setFrom(e.target.value || today())} /></div>
      {error && <p className="error" role="alert">{error}</p>}
      <div className="table-scroll">
        <table aria-label="Меню по датам">
          <thead><tr><th scope="col">Дата</th><th scope="col">Откуда</th><th scope="col">Блюда и комплексы</th></tr></thead>
          <tbody>{days.map((d) => (
            <tr key={d.date} className={canEdit ? 'clickable' : undefined} tabIndex={canEdit ? 0 : undefined} data-testid={`menu-date-${d.date}`}
              onClick={() => canEdit && setOpen(d)} onKeyDown={(e) => { if (e.key === 'Enter' && canEdit) setOpen(d); }}>
              <td>{ruDay(d.date)}</td>
              <td>{SOURCE[d.source]}{d.dayNo ? `, день ${d.dayNo}` : ''}{d.note ? ` (${d.note})` : ''}</td>
              <td>{itemsText(cat, d)}</td>
            </tr>
          ))}</tbody>
        </table>
      </div>
      {open && <DateDialog base={base} day={open} cat={cat} onClose={() => setOpen(null)} onSaved={() => { setOpen(null); load(); }} />}
    </>
  );
}

function DateDialog({ base, day, cat, onClose, onSaved }: { base: string; day: DayMenu; cat: Catalogue; onClose: () => void; onSaved: () => void }) {
  const [picked, setPicked] = useState<Picked>({ dishIds: day.dishIds, mealSetIds: day.mealSetIds });
  const [note, setNote] = useState(day.note);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const run = (fn: () => Promise<unknown>) => { setBusy(true); setError(null); fn().then(onSaved, (e: unknown) => setError(e instanceof ApiError ? e : new ApiError(0, 'CLIENT', String(e)))).finally(() => setBusy(false)); };
  const save = () => run(() => api('PUT', `${base}/dates/${day.date}`, { ...picked, note, ...(day.version ? { version: day.version } : {}) }));
  const reset = () => run(() => api('DELETE', `${base}/dates/${day.date}`));
  return (
    <Dialog title={`Меню на ${ruDay(day.date)}`} onClose={onClose}>
      <p className="muted">{day.source === 'override' ? 'На эту дату задано особое меню.' : day.dayNo ? `Сейчас по циклу: день ${day.dayNo}. Сохранение задаст особое меню этой даты.` : 'На эту дату меню нет.'}</p>
      <div className="field"><label htmlFor="override-note">Пояснение</label><input id="override-note" value={note} maxLength={300} onChange={(e) => setNote(e.target.value)} placeholder="например, праздничный обед" /></div>
      <ItemPicker cat={cat} value={picked} onChange={setPicked} label="Что подаётся в этот день" />
      <FormError error={error} />
      <div className="buttons">
        <button type="button" className="primary" disabled={busy} onClick={save}>Сохранить меню даты</button>
        {day.source === 'override' && <button type="button" disabled={busy} onClick={reset}>Вернуть день цикла</button>}
        <button type="button" onClick={onClose}>Отмена</button>
      </div>
    </Dialog>
  );
}

/**
 * The cycle menu: its length (10 or 14 school days), the date of its day 1,
 * the weekdays it counts, and what each day serves. Saved whole, with the
 * version read (a cycle someone else saved meanwhile is refused with what changed).
 */
export function CycleEditor({ base, cat, canEdit }: { base: string; cat: Catalogue; canEdit: boolean }) {
  const [cycle, setCycle] = useState<Cycle | null | undefined>(undefined);
  const [draft, setDraft] = useState<Omit<Cycle, 'version'> & { version?: number }>({ lengthDays: 10, startsOn: today(), weekdays: [1, 2, 3, 4, 5], days: [] });
  const [editDay, setEditDay] = useState<number | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState('');
  const load = () => {
    api<Cycle | null>('GET', `${base}/cycle`).then((c) => {
      setCycle(c);
      if (c) setDraft({ lengthDays: c.lengthDays, startsOn: c.startsOn, weekdays: c.weekdays, days: c.days.map((d) => ({ dayNo: d.dayNo, dishIds: d.dishIds, mealSetIds: d.mealSetIds })), version: c.version });
    }, () => setCycle(null));
  };
  useEffect(load, [base]);
  if (cycle === undefined) return <p aria-busy="true">Загрузка…</p>;
  const dayOf = (n: number): Picked => draft.days.find((d) => d.dayNo === n) ?? { dishIds: [], mealSetIds: [] };
  const setDay = (n: number, p: Picked) => setDraft((d) => ({ ...d, days: [...d.days.filter((x) => x.dayNo !== n), { dayNo: n, ...p }].sort((a, b) => a.dayNo - b.dayNo) }));
  const save = () => {
    setError(null); setSaved('');
    const body = { ...draft, days: draft.days.filter((d) => d.dayNo <= draft.lengthDays) };
    api<Cycle>('PUT', `${base}/cycle`, body).then(() => { setSaved('Цикличное меню сохранено'); load(); }, (e: unknown) => setError(e instanceof ApiError ? e : new ApiError(0, 'CLIENT', String(e))));
  };
  return (
    <>
      {cycle === null && <p className="muted">Цикличное меню ещё не задано: выберите длину цикла и дату его первого дня, заполните дни и сохраните.</p>}
      <div className="form-grid">
        <div className="field">
          <label htmlFor="cycle-length">Длина цикла</label>
          <select id="cycle-length" value={draft.lengthDays} disabled={!canEdit} onChange={(e) => setDraft((d) => ({ ...d, lengthDays: Number(e.target.value) as 10 | 14 }))}>
            {CYCLE_LENGTHS.map((n) => <option key={n} value={n}>{n} учебных дней</option>)}
          </select>
        </div>
        <div className="field">
          <label htmlFor="cycle-start">Первый день цикла</label>
          <input id="cycle-start" type="date" value={draft.startsOn} disabled={!canEdit} onChange={(e) => setDraft((d) => ({ ...d, startsOn: e.target.value }))} />
        </div>
        <fieldset className="weekdays">
          <legend>Дни недели питания</legend>
          {WEEKDAYS.map((w, i) => (
            <label key={w}><input type="checkbox" disabled={!canEdit} checked={draft.weekdays.includes(i + 1)}
              onChange={(e) => setDraft((d) => ({ ...d, weekdays: e.target.checked ? [...d.weekdays, i + 1].sort() : d.weekdays.filter((x) => x !== i + 1) }))} /> {w}</label>
          ))}
        </fieldset>
      </div>
      <div className="table-scroll">
        <table aria-label="Дни цикла">
          <thead><tr><th scope="col">День</th><th scope="col">Блюда и комплексы</th>{canEdit && <th scope="col"><span className="skip">Изменить</span></th>}</tr></thead>
          <tbody>{Array.from({ length: draft.lengthDays }, (_, i) => i + 1).map((n) => (
            <tr key={n} data-testid={`cycle-day-${n}`}><td>{n}</td><td>{itemsText(cat, dayOf(n))}</td>
              {canEdit && <td><button type="button" onClick={() => setEditDay(n)} aria-label={`Изменить день ${n}`}>Изменить</button></td>}</tr>
          ))}</tbody>
        </table>
      </div>
      <FormError error={error} />
      {saved && <p className="notice" role="status">{saved}</p>}
      {canEdit && <div className="buttons"><button type="button" className="primary" onClick={save}>Сохранить цикл</button></div>}
      {editDay !== null && (
        <Dialog title={`День цикла ${editDay}`} onClose={() => setEditDay(null)}>
          <ItemPicker cat={cat} value={dayOf(editDay)} onChange={(p) => setDay(editDay, p)} label={`Что подаётся в день ${editDay}`} />
          <div className="buttons"><button type="button" className="primary" onClick={() => setEditDay(null)}>Готово</button></div>
        </Dialog>
      )}
    </>
  );
}
