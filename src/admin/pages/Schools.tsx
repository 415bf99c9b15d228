import { useEffect, useState } from 'react';
import { z } from 'zod';
import { api, rub } from '../api.js';
import type { PageProps } from '../App.js';
import { Dialog, Field, FormError, useZodForm } from '../components/Form.js';
import { apiMessage, rublesField } from '../components/zod-money.js';
import { isDistrict } from '../session.js';
import { formatAmount } from '../../core/money.js';
import type { SchoolView } from '../../api/admin/schools.js';

interface CalendarDay { date: string; kind: 'schoolDay' | 'holiday'; note: string }

const settingsForm = z.object({
  name: z.string().trim().min(3, 'Название: не короче 3 знаков').max(200),
  timeZone: z.string().trim().min(3, 'Часовой пояс, например Europe/Moscow').refine((tz) => {
    try { new Intl.DateTimeFormat('ru-RU', { timeZone: tz }); return true; } catch { return false; }
  }, 'Неизвестный часовой пояс (например, Europe/Moscow)'),
  cabinetUrl: z.union([z.literal(''), z.string().trim().url('Адрес кабинета: https://…')]),
  overdraftLimit: rublesField('Перерасход'),
  offlineWarnHours: z.string().trim().regex(/^\d{1,3}$/, 'Часы: целое число от 1 до 336').transform(Number).refine((h) => h >= 1 && h <= 336, 'Часы: от 1 до 336'),
  correctionApprovalLimit: rublesField('Порог'),
});
const createForm = settingsForm.extend({ code: z.string().trim().regex(/^\d{1,4}$/, 'Код школы: от 1 до 4 цифр') });

const KIND: Record<CalendarDay['kind'], string> = { schoolDay: 'учебный день', holiday: 'выходной / каникулы' };
const today = () => new Date().toISOString().slice(0, 10);
const plusDays = (d: string, n: number) => new Date(Date.parse(`${d}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
const ruDate = (d: string) => new Date(`${d}T12:00:00Z`).toLocaleDateString('ru-RU', { weekday: 'short', day: 'numeric', month: 'long', year: 'numeric' });

/** Schools: the list (a district admin adds schools), the chosen school's settings and its calendar. */
export function SchoolsPage({ me, schoolId }: PageProps) {
  const [list, setList] = useState<SchoolView[]>([]);
  const [error, setError] = useState('');
  const [dialog, setDialog] = useState<SchoolView | 'new' | null>(null);
  const [saved, setSaved] = useState('');
  const load = () => { api<SchoolView[]>('GET', '/schools').then(setList, (e: unknown) => setError(apiMessage(e))); };
  useEffect(load, []);
  const district = isDistrict(me);
  const current = list.find((s) => s.id === schoolId);
  return (
    <>
      {error && <p className="error" role="alert">{error}</p>}
      {saved && <p className="notice" role="status">{saved}</p>}
      {district && <div className="buttons"><button type="button" onClick={() => setDialog('new')}>Новая школа…</button></div>}
      <div className="table-scroll">
        <table aria-label="Школы">
          <thead><tr><th scope="col">Код</th><th scope="col">Школа</th><th scope="col">Часовой пояс</th><th scope="col" className="num">Перерасход</th><th scope="col" className="num">Без связи, ч</th><th scope="col" className="num">Порог двух подписей</th></tr></thead>
          <tbody>{list.map((s) => (
            <tr key={s.id} className="clickable" tabIndex={0} onClick={() => setDialog(s)} onKeyDown={(e) => { if (e.key === 'Enter') setDialog(s); }} data-testid={`school-${s.id}`}>
              <td>{s.code}</td><td>{s.name}</td><td>{s.timeZone}</td><td className="num">{rub(s.overdraftLimit)}</td><td className="num">{s.offlineWarnHours}</td><td className="num">{rub(s.correctionApprovalLimit)}</td>
            </tr>
          ))}</tbody>
        </table>
      </div>
      {current && <Calendar schoolId={current.id} name={current.name} />}
      {dialog && (
        <SchoolDialog school={dialog === 'new' ? null : dialog} onClose={() => setDialog(null)}
          onSaved={(s) => { setDialog(null); setSaved(`Сохранено: ${s.name}`); load(); }} />
      )}
    </>
  );
}

function SchoolDialog({ school, onClose, onSaved }: { school: SchoolView | null; onClose: () => void; onSaved: (s: SchoolView) => void }) {
  const form = useZodForm(school ? settingsForm : createForm, {
    code: '', name: school?.name ?? '', timeZone: school?.timeZone ?? 'Europe/Moscow', cabinetUrl: school?.cabinetUrl ?? '',
    overdraftLimit: formatAmount(school?.overdraftLimit ?? 0), offlineWarnHours: String(school?.offlineWarnHours ?? 24),
    correctionApprovalLimit: formatAmount(school?.correctionApprovalLimit ?? 100_000),
  });
  const save = form.submit(async (data) => {
    const saved = school
      ? await api<SchoolView>('PATCH', `/schools/${encodeURIComponent(school.id)}`, { ...data, version: school.version })
      : await api<SchoolView>('POST', '/schools', data);
    onSaved(saved);
  });
  const f = (name: string, label: string, hint?: string) => (
    <Field name={name} label={label} value={form.values[name]!} onChange={form.set} error={form.errors[name]} {...(hint ? { hint } : {})} />
  );
  return (
    <Dialog title={school ? `Настройки: ${school.name}` : 'Новая школа'} onClose={onClose}>
      <form onSubmit={save} noValidate>
        {!school && f('code', 'Код школы', 'От 1 до 4 цифр; входит в номера лицевых счетов и чеков')}
        {f('name', 'Название')}
        <div className="form-grid">
          {f('timeZone', 'Часовой пояс', 'Например, Europe/Moscow')}
          {f('offlineWarnHours', 'Касса без связи, часов', 'Предупреждение, если касса молчит дольше')}
          {f('overdraftLimit', 'Допустимый перерасход, ₽', 'Насколько счёт может уйти в минус, пока касса без связи')}
          {f('correctionApprovalLimit', 'Исправления без второй подписи до, ₽')}
        </div>
        {f('cabinetUrl', 'Адрес кабинета родителей', 'https://… или пусто')}
        <FormError error={form.serverError} />
        <div className="buttons"><button type="submit" className="primary" disabled={form.busy}>Сохранить</button><button type="button" onClick={onClose}>Отмена</button></div>
      </form>
    </Dialog>
  );
}

const dayForm = z.object({
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'Выберите дату'),
  kind: z.enum(['schoolDay', 'holiday']),
  note: z.string().trim().max(200, 'Пояснение длиннее 200 знаков'),
});

/** Dates that differ from the usual week: holidays on weekdays, school Saturdays. */
function Calendar({ schoolId, name }: { schoolId: string; name: string }) {
  const [days, setDays] = useState<CalendarDay[]>([]);
  const [error, setError] = useState('');
  const base = `/schools/${encodeURIComponent(schoolId)}/calendar`;
  const from = plusDays(today(), -31);
  const load = () => { api<CalendarDay[]>('GET', `${base}?from=${from}&to=${plusDays(from, 400)}`).then(setDays, (e: unknown) => setError(apiMessage(e))); };
  useEffect(load, [base]);
  const form = useZodForm(dayForm, { date: today(), kind: 'holiday', note: '' });
  const add = form.submit(async (d) => { await api('PUT', base, { days: [d] }); form.set('note', ''); load(); });
  const remove = (date: string) => { api('DELETE', `${base}/${date}`).then(load, (e: unknown) => setError(apiMessage(e))); };
  return (
    <>
      <h2>Календарь: {name}</h2>
      <p className="muted">Обычная неделя — понедельник–пятница. Здесь отмечаются дни, которые от неё отличаются.</p>
      <form onSubmit={add} noValidate className="form-grid">
        <Field name="date" label="Дата" type="date" value={form.values.date!} onChange={form.set} error={form.errors.date} />
        <Field name="kind" label="Что за день" value={form.values.kind!} onChange={form.set} options={Object.entries(KIND).map(([value, label]) => ({ value, label }))} />
        <Field name="note" label="Пояснение" value={form.values.note!} onChange={form.set} error={form.errors.note} />
        <div className="buttons"><button type="submit" disabled={form.busy}>Отметить день</button></div>
      </form>
      <FormError error={form.serverError} />
      {error && <p className="error" role="alert">{error}</p>}
      <div className="table-scroll">
        <table aria-label="Календарь школы">
          <thead><tr><th scope="col">Дата</th><th scope="col">День</th><th scope="col">Пояснение</th><th scope="col"><span className="skip">Действия</span></th></tr></thead>
          <tbody>
            {days.map((d) => (
              <tr key={d.date}><td>{ruDate(d.date)}</td><td>{KIND[d.kind]}</td><td>{d.note || '—'}</td>
                <td><button type="button" onClick={() => remove(d.date)} aria-label={`Убрать отметку ${d.date}`}>Убрать</button></td></tr>
            ))}
            {days.length === 0 && <tr><td colSpan={4} className="muted">Отметок нет</td></tr>}
          </tbody>
        </table>
      </div>
    </>
  );
}
