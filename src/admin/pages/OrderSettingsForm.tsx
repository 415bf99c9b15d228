import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { api, ApiError } from '../api.js';
import { FormError, issuesByField, type FieldErrors } from '../components/Form.js';
import {
  CUTOFF_KIND_NAMES, NOT_EATEN_POLICY_NAMES, orderSettingsInputSchema, type OrderSettingsView,
} from '../../api/admin/order-setup.js';

const SOURCES = { federal: 'федеральный бюджет', regional: 'региональный бюджет', municipal: 'муниципальный бюджет', sponsor: 'спонсор' } as const;
const ruDate = (d: string) => `${d.slice(8, 10)}.${d.slice(5, 7)}.${d.slice(0, 4)}`;

/**
 * The school's order settings: until when parents change an order (08:00 of the day, or 14:00 the
 * day before), what an order «заказано, не отменено, не съедено» costs, how far ahead they order,
 * the free meal of grades 1–4. Saved with the version read (409 shows who changed it meanwhile).
 */
export function OrderSettingsForm({ base, canEdit }: { base: string; canEdit: boolean }) {
  const [v, setV] = useState<OrderSettingsView | null>(null);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [serverError, setServerError] = useState<ApiError | null>(null);
  const [notice, setNotice] = useState('');
  const [busy, setBusy] = useState(false);
  const load = useCallback(() => { api<OrderSettingsView>('GET', `${base}/settings`).then(setV, (e: unknown) => setServerError(e instanceof ApiError ? e : null)); }, [base]);
  useEffect(load, [load]);
  if (!v) return <FormError error={serverError} />;
  const set = <K extends keyof OrderSettingsView>(k: K, value: OrderSettingsView[K]) => { setV({ ...v, [k]: value }); setErrors((e) => ({ ...e, [k]: '' })); setNotice(''); };
  const save = async (e: FormEvent) => {
    e.preventDefault();
    setServerError(null);
    const parsed = orderSettingsInputSchema.safeParse(v);
    if (!parsed.success) { setErrors(issuesByField(parsed.error.issues)); return; }
    setBusy(true);
    try {
      const saved = await api<OrderSettingsView>('PUT', `${base}/settings`, parsed.data);
      setV(saved);
      const closes = saved.closesNow?.length ? ` Заказ на ${saved.closesNow.map(ruDate).join(', ')} по новому сроку уже закрыт и будет зафиксирован в течение минуты.` : '';
      setNotice(`Настройки сохранены: заказ принимается до ${saved.cutoffText}.${closes}`);
    } catch (err) {
      setServerError(err instanceof ApiError ? err : new ApiError(0, 'CLIENT', String(err)));
    } finally { setBusy(false); }
  };
  const off = !canEdit;
  return (
    <form onSubmit={(e) => { void save(e); }} noValidate aria-label="Настройки заказа">
      <div className="form-grid">
        <div className="field"><label htmlFor="o-kind">Срок подачи и изменения заказа</label>
          <select id="o-kind" value={v.cutoffKind} disabled={off} onChange={(e) => set('cutoffKind', e.target.value as OrderSettingsView['cutoffKind'])}>
            {Object.entries(CUTOFF_KIND_NAMES).map(([k, n]) => <option key={k} value={k}>{n}</option>)}
          </select></div>
        <div className={`field${errors.cutoffTime ? ' has-error' : ''}`}><label htmlFor="o-time">до (время)</label>
          <input id="o-time" value={v.cutoffTime} placeholder="ЧЧ:ММ" inputMode="numeric" maxLength={5} disabled={off} onChange={(e) => set('cutoffTime', e.target.value)}
            aria-invalid={errors.cutoffTime ? true : undefined} aria-describedby={errors.cutoffTime ? 'o-time-err' : undefined} />
          {errors.cutoffTime && <small id="o-time-err" className="field-error">{errors.cutoffTime}</small>}</div>
        <div className={`field${errors.horizonDays ? ' has-error' : ''}`}><label htmlFor="o-horizon">Заказ вперёд, дней</label>
          <input id="o-horizon" type="number" min={1} max={31} value={v.horizonDays} disabled={off} onChange={(e) => set('horizonDays', Number(e.target.value))}
            aria-invalid={errors.horizonDays ? true : undefined} aria-describedby={errors.horizonDays ? 'o-horizon-err' : undefined} />
          {errors.horizonDays && <small id="o-horizon-err" className="field-error">{errors.horizonDays}</small>}</div>
      </div>
      <p className="muted">Сейчас: заказ принимается до {v.cutoffText}. Уже зафиксированные дни новый срок не меняет.</p>
      <fieldset className="choices">
        <legend>Заказано, не отменено, не съедено</legend>
        {Object.entries(NOT_EATEN_POLICY_NAMES).map(([k, n]) => (
          <label key={k}><input type="radio" name="notEatenPolicy" value={k} disabled={off} checked={v.notEatenPolicy === k}
            onChange={() => set('notEatenPolicy', k as OrderSettingsView['notEatenPolicy'])} /> {n}</label>
        ))}
      </fieldset>
      <div className="form-grid">
        <label><input type="checkbox" checked={v.primaryFree} disabled={off} onChange={(e) => set('primaryFree', e.target.checked)} /> 1–4 классы питаются бесплатно (завтрак или обед)</label>
        <div className="field"><label htmlFor="o-source">за счёт</label>
          <select id="o-source" value={v.primaryFundingSource} disabled={off || !v.primaryFree} onChange={(e) => set('primaryFundingSource', e.target.value)}>
            {Object.entries(SOURCES).map(([k, n]) => <option key={k} value={k}>{n}</option>)}
          </select></div>
      </div>
      <FormError error={serverError} />
      {notice && <p className="notice" role="status">{notice}</p>}
      {canEdit && <div className="buttons"><button type="submit" className="primary" disabled={busy}>Сохранить настройки</button></div>}
    </form>
  );
}
