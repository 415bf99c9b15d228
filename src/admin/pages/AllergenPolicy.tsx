import { useEffect, useState } from 'react';
import { api, ApiError } from '../api.js';
import { ALLERGEN_POLICY_NAMES, type SchoolView } from '../../api/admin/schools.js';

type Policy = SchoolView['allergenPolicy'];

/**
 * The school's setting for a dish with one of the pupil's allergens at the till (issue 13): the
 * cashier confirms the sale, or the till refuses it. Admins change it; the tills get it on their
 * next pull. A stale save (someone changed the school meanwhile) is refused by the version.
 */
export function AllergenPolicy({ schoolId, canEdit }: { schoolId: string; canEdit: boolean }) {
  const [school, setSchool] = useState<SchoolView | null>(null);
  const [choice, setChoice] = useState<Policy>('confirm');
  const [message, setMessage] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const path = `/schools/${encodeURIComponent(schoolId)}`;
  const fail = (e: unknown) => setError(e instanceof ApiError ? e.message : String(e));
  useEffect(() => {
    api<SchoolView>('GET', path).then((s) => { setSchool(s); setChoice(s.allergenPolicy); }, fail);
  }, [path]);
  const save = async () => {
    if (!school) return;
    setBusy(true); setMessage(''); setError('');
    try {
      const s = await api<SchoolView>('PATCH', path, { version: school.version, allergenPolicy: choice });
      setSchool(s);
      setMessage('Сохранено. Кассы школы получат настройку при ближайшей синхронизации.');
    } catch (e) { fail(e); } finally { setBusy(false); }
  };
  return (
    <section aria-labelledby="allergen-policy-title" data-testid="allergen-policy">
      <h2 id="allergen-policy-title">Аллергены на кассе</h2>
      <p className="muted">Если в заказе блюдо с аллергеном, который указан у ученика:</p>
      <fieldset className="choices" disabled={!canEdit || !school}>
        <legend>Что делает касса</legend>
        {(Object.keys(ALLERGEN_POLICY_NAMES) as Policy[]).map((p) => (
          <label key={p}>
            <input type="radio" name="allergen-policy" value={p} checked={choice === p} onChange={() => setChoice(p)} />{' '}
            {ALLERGEN_POLICY_NAMES[p]}
          </label>
        ))}
      </fieldset>
      {canEdit && (
        <div className="buttons">
          <button type="button" className="primary" disabled={busy || !school || choice === school.allergenPolicy} onClick={() => { void save(); }}>Сохранить</button>
        </div>
      )}
      {message && <p className="notice" role="status" data-testid="allergen-policy-saved">{message}</p>}
      {error && <p className="error" role="alert">{error}</p>}
    </section>
  );
}
