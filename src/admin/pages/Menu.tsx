import { useEffect, useState } from 'react';
import { z } from 'zod';
import { api, ApiError, rub } from '../api.js';
import type { PageProps } from '../App.js';
import { Dialog, Field, FormError, useZodForm } from '../components/Form.js';
import { parseMoney, formatAmount } from '../../core/money.js';
import { ALLERGENS, allergenLabel } from '../../core/allergens.js';
import { CategoryForm, CycleEditor, MealSetDialog, MenuByDate, itemsText, type Catalogue, type Category, type Dish, type MealSet } from './MenuPlan.js';

/** "49,61" → 4961 kopecks, with the form's Russian message when it is not a sum. */
const money = z.string().transform((v, ctx) => {
  try { return parseMoney(v); } catch { ctx.addIssue({ code: 'custom', message: 'Цена: сумма в рублях, например 49,61' }); return z.NEVER; }
}).refine((k) => k >= 0, 'Цена не может быть отрицательной');
const dishForm = z.object({
  name: z.string().trim().min(1, 'Введите наименование').max(300),
  portion: z.string().trim().max(40, 'Выход порции длиннее 40 знаков'),
  price: money,
  categoryId: z.string().min(1, 'Выберите категорию'),
});

type Tab = 'dishes' | 'sets' | 'dates' | 'cycle';

/** The school's menu: dishes and meal sets (the catalogue the tills sell), the cycle menu and the menu of each date. */
export function MenuPage({ schoolId, roles }: PageProps) {
  const [tab, setTab] = useState<Tab>('dishes');
  const [cat, setCat] = useState<Catalogue | null>(null);
  const [error, setError] = useState('');
  const [editing, setEditing] = useState<Dish | 'new' | null>(null);
  const [editingSet, setEditingSet] = useState<MealSet | 'new' | null>(null);
  const canEdit = roles.has('districtAdmin') || roles.has('schoolAdmin') || roles.has('manager');
  const base = `/schools/${encodeURIComponent(schoolId)}/menu`;
  const reload = () => { api<Catalogue>('GET', base).then(setCat, (e: unknown) => setError(e instanceof ApiError ? e.message : String(e))); };
  useEffect(reload, [base]);
  const catName = (id: string) => cat?.categories.find((c) => c.id === id)?.name ?? id;
  const tabs: [Tab, string][] = [['dishes', 'Блюда'], ['sets', 'Комплексы'], ['dates', 'Меню по датам'], ['cycle', 'Цикличное меню']];
  return (
    <>
      <div className="tabs" role="tablist" aria-label="Разделы меню">
        {tabs.map(([id, label]) => <button key={id} type="button" role="tab" aria-selected={tab === id} onClick={() => setTab(id)}>{label}</button>)}
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      {cat && tab === 'dishes' && (
        <>
          {canEdit && <CategoryForm base={base} onSaved={reload} />}
          {canEdit && <div className="buttons"><button type="button" onClick={() => setEditing('new')} disabled={!cat.categories.length}>Добавить блюдо…</button></div>}
          <div className="table-scroll">
            <table aria-label="Блюда">
              <thead><tr><th scope="col">Наименование</th><th scope="col">Выход</th><th scope="col">Категория</th><th scope="col" className="num">Цена</th><th scope="col">Аллергены</th><th scope="col">В продаже</th></tr></thead>
              <tbody>{cat.dishes.map((d) => (
                <tr key={d.id} className="clickable" tabIndex={0} onClick={() => canEdit && setEditing(d)} onKeyDown={(e) => { if (e.key === 'Enter' && canEdit) setEditing(d); }}>
                  <td>{d.name}</td><td>{d.portion || '—'}</td><td>{catName(d.categoryId)}</td><td className="num">{rub(d.price)}</td><td>{(d.allergens ?? []).map(allergenLabel).join(', ') || '—'}</td><td>{d.active ? 'да' : 'нет'}</td>
                </tr>
              ))}</tbody>
            </table>
          </div>
        </>
      )}
      {cat && tab === 'sets' && (
        <>
          {canEdit && <div className="buttons"><button type="button" onClick={() => setEditingSet('new')} disabled={!cat.dishes.length}>Добавить комплекс…</button></div>}
          <div className="table-scroll">
            <table aria-label="Комплексы">
              <thead><tr><th scope="col">Комплекс</th><th scope="col">Состав</th><th scope="col" className="num">Цена</th><th scope="col">В продаже</th></tr></thead>
              <tbody>{cat.mealSets.map((m) => (
                <tr key={m.id} className="clickable" tabIndex={0} onClick={() => canEdit && setEditingSet(m)} onKeyDown={(e) => { if (e.key === 'Enter' && canEdit) setEditingSet(m); }}>
                  <td>{m.name}</td><td>{itemsText(cat, { dishIds: m.dishIds, mealSetIds: [] })}</td><td className="num">{rub(m.price)}</td><td>{m.active ? 'да' : 'нет'}</td>
                </tr>
              ))}</tbody>
            </table>
          </div>
        </>
      )}
      {cat && tab === 'dates' && <MenuByDate base={base} cat={cat} canEdit={canEdit} />}
      {cat && tab === 'cycle' && <CycleEditor base={base} cat={cat} canEdit={canEdit} />}
      {editingSet && cat && <MealSetDialog base={base} set={editingSet === 'new' ? null : editingSet} cat={cat} onClose={() => setEditingSet(null)} onSaved={() => { setEditingSet(null); reload(); }} />}
      {editing && cat && <DishDialog base={base} dish={editing === 'new' ? null : editing} categories={cat.categories} onClose={() => setEditing(null)} onSaved={() => { setEditing(null); reload(); }} />}
    </>
  );
}

function DishDialog({ base, dish, categories, onClose, onSaved }: { base: string; dish: Dish | null; categories: Category[]; onClose: () => void; onSaved: () => void }) {
  const form = useZodForm(dishForm, {
    name: dish?.name ?? '', portion: dish?.portion ?? '', price: dish ? formatAmount(dish.price) : '', categoryId: dish?.categoryId ?? categories[0]?.id ?? '',
  });
  const [allergens, setAllergens] = useState<string[]>(dish?.allergens ?? []);
  const toggle = (id: string, on: boolean) => setAllergens((a) => (on ? [...a, id] : a.filter((x) => x !== id)));
  const save = form.submit(async (data) => {
    await api('PUT', `${base}/dishes${dish ? `/${encodeURIComponent(dish.id)}` : ''}`, { ...data, allergens, active: dish?.active ?? true, sort: dish?.sort ?? 0, ...(dish ? { id: dish.id, version: dish.version } : {}) });
    onSaved();
  });
  return (
    <Dialog title={dish ? dish.name : 'Новое блюдо'} onClose={onClose}>
      <form onSubmit={save} noValidate>
        <Field name="name" label="Наименование" value={form.values.name!} onChange={form.set} error={form.errors.name} autoFocus />
        <div className="form-grid">
          <Field name="portion" label="Выход порции" value={form.values.portion!} onChange={form.set} error={form.errors.portion} hint="Например, 150 г" />
          <Field name="price" label="Цена, ₽" value={form.values.price!} onChange={form.set} error={form.errors.price} inputMode="decimal" />
          <Field name="categoryId" label="Категория" value={form.values.categoryId!} onChange={form.set} error={form.errors.categoryId} options={categories.map((c) => ({ value: c.id, label: c.name }))} />
        </div>
        <fieldset className="allergens">
          <legend>Аллергены (ТР ТС 022/2011)</legend>
          {ALLERGENS.map((a) => (
            <label key={a.id}><input type="checkbox" checked={allergens.includes(a.id)} onChange={(e) => toggle(a.id, e.target.checked)} /> {a.label}</label>
          ))}
        </fieldset>
        <FormError error={form.serverError} />
        <div className="buttons"><button type="submit" className="primary" disabled={form.busy}>Сохранить</button><button type="button" onClick={onClose}>Отмена</button></div>
      </form>
    </Dialog>
  );
}
