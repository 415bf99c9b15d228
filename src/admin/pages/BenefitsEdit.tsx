import { useEffect, useState, type FormEvent } from 'react';
import { z } from 'zod';
import { api, qs, rub } from '../api.js';
import { Dialog, Field, FormError, useZodForm } from '../components/Form.js';
import { apiMessage, rublesField } from '../components/zod-money.js';
import { FUNDING_SOURCE_NAMES } from '../../api/admin/benefits.js';
import { formatAmount } from '../../core/money.js';
import type { PupilRow } from '../../api/admin/pupils.js';

/** Editing benefits in the console: categories, what each gets, and a pupil's basis documents. */

export interface Rule { id: string; benefitCategoryId: string; mealSetId: string; mealSetName: string; parentPays: number; budgetPays: number | null; price: number | null; active: boolean; version: number }
export interface BenefitCategory { id: string; name: string; fundingSource: keyof typeof FUNDING_SOURCE_NAMES; active: boolean; version: number; rules: Rule[] }
interface MealSetRef { id: string; name: string; price: number; active: boolean }
interface PupilBenefit { benefitCategoryId: string; document: string; validFrom: string; validUntil: string | null; version: number }

const FUNDING = Object.entries(FUNDING_SOURCE_NAMES).map(([value, label]) => ({ value, label }));
const categoryForm = z.object({
  name: z.string().trim().min(1, 'Введите название категории').max(200),
  fundingSource: z.enum(['federal', 'regional', 'municipal', 'sponsor'], { error: 'Выберите источник финансирования' }),
  active: z.enum(['1', '0']).transform((v) => v === '1'),
});

export function CategoryDialog({ base, category, onClose, onSaved }: { base: string; category: BenefitCategory | null; onClose: () => void; onSaved: () => void }) {
  const form = useZodForm(categoryForm, { name: category?.name ?? '', fundingSource: category?.fundingSource ?? 'regional', active: category?.active === false ? '0' : '1' });
  const save = form.submit(async (d) => {
    await api('PUT', `${base}/categories`, { ...d, ...(category ? { id: category.id, version: category.version } : {}) });
    onSaved();
  });
  return (
    <Dialog title={category ? category.name : 'Новая льготная категория'} onClose={onClose}>
      <form onSubmit={save} noValidate>
        <Field name="name" label="Название категории" value={form.values.name!} onChange={form.set} error={form.errors.name} autoFocus hint="Например, «Многодетные семьи», «1–4 классы (бесплатное горячее питание)»" />
        <Field name="fundingSource" label="Источник финансирования" value={form.values.fundingSource!} onChange={form.set} error={form.errors.fundingSource} options={FUNDING} />
        <Field name="active" label="Действует" value={form.values.active!} onChange={form.set} options={[{ value: '1', label: 'да' }, { value: '0', label: 'нет (новым ученикам не назначается)' }]} />
        <FormError error={form.serverError} />
        <div className="buttons"><button type="submit" className="primary" disabled={form.busy}>Сохранить</button><button type="button" onClick={onClose}>Отмена</button></div>
      </form>
    </Dialog>
  );
}

const ruleForm = z.object({
  mealSetId: z.string().min(1, 'Выберите комплекс'),
  parentPays: rublesField('Доля родителей'),
  active: z.enum(['1', '0']).transform((v) => v === '1'),
});

/** What a category gets: a meal set, of which the parents pay a share and the budget the rest. */
export function RuleDialog({ base, schoolBase, category, rule, onClose, onSaved }: { base: string; schoolBase: string; category: BenefitCategory; rule: Rule | null; onClose: () => void; onSaved: () => void }) {
  const [sets, setSets] = useState<MealSetRef[]>([]);
  useEffect(() => { void api<{ mealSets: MealSetRef[] }>('GET', `${schoolBase}/menu`).then((c) => setSets(c.mealSets), () => setSets([])); }, [schoolBase]);
  const form = useZodForm(ruleForm, { mealSetId: rule?.mealSetId ?? '', parentPays: formatAmount(rule?.parentPays ?? 0), active: rule?.active === false ? '0' : '1' });
  const save = form.submit(async (d) => {
    await api('PUT', `${base}/rules`, { ...d, benefitCategoryId: category.id, ...(rule ? { id: rule.id, version: rule.version } : {}) });
    onSaved();
  });
  const chosen = sets.find((s) => s.id === form.values.mealSetId);
  return (
    <Dialog title={`${category.name}: что получает`} onClose={onClose}>
      <form onSubmit={save} noValidate>
        <Field name="mealSetId" label="Комплекс" value={form.values.mealSetId!} onChange={form.set} error={form.errors.mealSetId}
          options={[{ value: '', label: '— выберите —' }, ...sets.filter((s) => s.active || s.id === rule?.mealSetId).map((s) => ({ value: s.id, label: `${s.name} (${rub(s.price)})` }))]} />
        <Field name="parentPays" label="Платят родители, ₽" value={form.values.parentPays!} onChange={form.set} error={form.errors.parentPays} inputMode="decimal"
          hint={chosen ? `Остальное платит бюджет (цена комплекса ${rub(chosen.price)}); 0 — бесплатно` : '0 — бесплатно для семьи'} />
        <Field name="active" label="Действует" value={form.values.active!} onChange={form.set} options={[{ value: '1', label: 'да' }, { value: '0', label: 'нет' }]} />
        <FormError error={form.serverError} />
        <div className="buttons"><button type="submit" className="primary" disabled={form.busy}>Сохранить</button><button type="button" onClick={onClose}>Отмена</button></div>
      </form>
    </Dialog>
  );
}

const isoDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'Выберите дату');
const pupilBenefitForm = z.object({
  benefitCategoryId: z.string().min(1, 'Выберите категорию'),
  document: z.string().trim().min(3, 'Укажите документ-основание (например, «справка УСЗН № 123 от 01.09.2026»)').max(300),
  validFrom: isoDay,
  validUntil: z.union([z.literal(''), isoDay]).transform((v) => v || null),
}).refine((b) => !b.validUntil || b.validUntil >= b.validFrom, { message: 'Срок действия кончается раньше, чем начинается', path: ['validUntil'] });

/** A pupil's benefits: find the pupil, see each benefit's document and dates, grant, extend or take one off. */
export function PupilBenefits({ schoolBase, categories, canEdit }: { schoolBase: string; categories: BenefitCategory[]; canEdit: boolean }) {
  const [q, setQ] = useState('');
  const [found, setFound] = useState<PupilRow[]>([]);
  const [pupil, setPupil] = useState<PupilRow | null>(null);
  const [list, setList] = useState<PupilBenefit[]>([]);
  const [editing, setEditing] = useState<PupilBenefit | 'new' | null>(null);
  const [error, setError] = useState('');
  const search = (e: FormEvent) => {
    e.preventDefault();
    if (q.trim().length < 2) { setError('Введите хотя бы две буквы фамилии, класс или лицевой счёт'); return; }
    setError('');
    api<{ rows: PupilRow[] }>('GET', `${schoolBase}/pupils${qs({ q: q.trim(), limit: 20 })}`).then((r) => { setFound(r.rows); setPupil(null); }, (err: unknown) => setError(apiMessage(err)));
  };
  const path = pupil ? `${schoolBase}/pupils/${encodeURIComponent(pupil.id)}/benefits` : '';
  const load = () => { if (path) api<PupilBenefit[]>('GET', path).then(setList, (err: unknown) => setError(apiMessage(err))); };
  useEffect(load, [path]);
  const catName = (id: string) => categories.find((c) => c.id === id)?.name ?? id;
  const remove = (b: PupilBenefit) => { api('DELETE', `${path}/${encodeURIComponent(b.benefitCategoryId)}`).then(load, (err: unknown) => setError(apiMessage(err))); };
  return (
    <>
      <form className="table-tools" onSubmit={search} role="search">
        <label htmlFor="benefit-q">Ученик</label>
        <input id="benefit-q" type="search" value={q} onChange={(e) => setQ(e.target.value)} placeholder="Фамилия, класс или лицевой счёт" />
        <button type="submit">Найти</button>
      </form>
      {error && <p className="error" role="alert">{error}</p>}
      {!pupil && found.length > 0 && (
        <ul className="pick-list" aria-label="Найденные ученики">
          {found.map((p) => <li key={p.id}><button type="button" onClick={() => setPupil(p)}>{p.fullName}, {p.className}</button></li>)}
        </ul>
      )}
      {pupil && (
        <>
          <h3>{pupil.fullName}, {pupil.className}</h3>
          <div className="table-scroll">
            <table aria-label="Льготы ученика">
              <thead><tr><th scope="col">Льгота</th><th scope="col">Документ-основание</th><th scope="col">С</th><th scope="col">По</th>{canEdit && <th scope="col"><span className="skip">Действия</span></th>}</tr></thead>
              <tbody>
                {list.map((b) => (
                  <tr key={b.benefitCategoryId}><td>{catName(b.benefitCategoryId)}</td><td>{b.document}</td><td>{b.validFrom}</td><td>{b.validUntil ?? 'бессрочно'}</td>
                    {canEdit && <td><button type="button" onClick={() => setEditing(b)}>Изменить</button> <button type="button" onClick={() => remove(b)}>Снять</button></td>}</tr>
                ))}
                {list.length === 0 && <tr><td colSpan={canEdit ? 5 : 4} className="muted">Льгот нет</td></tr>}
              </tbody>
            </table>
          </div>
          {canEdit && <div className="buttons"><button type="button" onClick={() => setEditing('new')}>Назначить льготу…</button></div>}
        </>
      )}
      {editing && pupil && (
        <PupilBenefitDialog path={path} pupil={pupil} benefit={editing === 'new' ? null : editing} categories={categories.filter((c) => c.active || (editing !== 'new' && c.id === editing.benefitCategoryId))}
          onClose={() => setEditing(null)} onSaved={() => { setEditing(null); load(); }} />
      )}
    </>
  );
}

function PupilBenefitDialog({ path, pupil, benefit, categories, onClose, onSaved }: { path: string; pupil: PupilRow; benefit: PupilBenefit | null; categories: BenefitCategory[]; onClose: () => void; onSaved: () => void }) {
  const form = useZodForm(pupilBenefitForm, {
    benefitCategoryId: benefit?.benefitCategoryId ?? categories[0]?.id ?? '', document: benefit?.document ?? '',
    validFrom: benefit?.validFrom ?? new Date().toISOString().slice(0, 10), validUntil: benefit?.validUntil ?? '',
  });
  const save = form.submit(async (d) => { await api('PUT', path, { ...d, ...(benefit ? { version: benefit.version } : {}) }); onSaved(); });
  return (
    <Dialog title={`Льгота: ${pupil.fullName}`} onClose={onClose}>
      <form onSubmit={save} noValidate>
        {benefit ? <p>{categories.find((c) => c.id === benefit.benefitCategoryId)?.name}</p>
          : <Field name="benefitCategoryId" label="Категория" value={form.values.benefitCategoryId!} onChange={form.set} error={form.errors.benefitCategoryId} options={categories.map((c) => ({ value: c.id, label: c.name }))} />}
        <Field name="document" label="Документ-основание" value={form.values.document!} onChange={form.set} error={form.errors.document} autoFocus />
        <div className="form-grid">
          <Field name="validFrom" label="Действует с" type="date" value={form.values.validFrom!} onChange={form.set} error={form.errors.validFrom} />
          <Field name="validUntil" label="Действует по" type="date" value={form.values.validUntil!} onChange={form.set} error={form.errors.validUntil} hint="Пусто — бессрочно" />
        </div>
        <FormError error={form.serverError} />
        <div className="buttons"><button type="submit" className="primary" disabled={form.busy}>Сохранить</button><button type="button" onClick={onClose}>Отмена</button></div>
      </form>
    </Dialog>
  );
}
