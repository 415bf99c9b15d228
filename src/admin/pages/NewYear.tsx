import { useState } from 'react';
import type { z } from 'zod';
import { api, ApiError, rub } from '../api.js';
import { Dialog, FormError } from '../components/Form.js';
import type { newSchoolYearAnswer } from '../../api/admin/pupils.js';

type Answer = z.infer<typeof newSchoolYearAnswer>;

/** The new school year: a preview of who goes up and who graduates (with money to return), then the act itself. */
export function NewYearDialog({ schoolId, onClose, onDone }: { schoolId: string; onClose: () => void; onDone: () => void }) {
  const now = new Date();
  const [year, setYear] = useState(String(now.getMonth() >= 5 ? now.getFullYear() : now.getFullYear() - 1));
  const [preview, setPreview] = useState<Answer | null>(null);
  const [done, setDone] = useState<Answer | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const send = async (confirm: boolean) => {
    setError(null);
    const y = Number(year);
    if (!Number.isInteger(y) || y < 2000 || y > 2100) { setError(new ApiError(0, 'CLIENT', 'Год: четыре цифры, например 2026')); return; }
    try {
      const r = await api<Answer>('POST', `/schools/${encodeURIComponent(schoolId)}/pupils/new-year`, { year: y, confirm });
      if (confirm) setDone(r); else setPreview(r);
    } catch (e) { setError(e instanceof ApiError ? e : new ApiError(0, 'CLIENT', String(e))); }
  };
  return (
    <Dialog title="Новый учебный год" onClose={onClose}>
      {done ? (
        <>
          <p className="notice" role="status">Готово: переведено {done.promoted}, выпущено {done.graduated}; задач на возврат остатка: {done.returnTasks.length}.</p>
          <button type="button" className="primary" onClick={onDone}>Закрыть</button>
        </>
      ) : (
        <>
          <p>Все классы переходят на год вперёд (3Б → 4Б), 11-е классы выпускаются: ученики уходят в архив, их карты блокируются, а для счетов с остатком создаются задачи на возврат денег.</p>
          <div className="field">
            <label htmlFor="ny-year">Учебный год начинается в году</label>
            <input id="ny-year" inputMode="numeric" value={year} onChange={(e) => { setYear(e.target.value); setPreview(null); }} />
          </div>
          <FormError error={error} />
          {preview && (
            <section aria-label="Что будет сделано">
              <p>Будет переведено: <b>{preview.promoted}</b>, выпущено: <b>{preview.graduated}</b>.</p>
              {preview.returnTasks.length > 0 && (
                <table aria-label="Остатки к возврату">
                  <thead><tr><th scope="col">Выпускник</th><th scope="col">Л/С</th><th scope="col" className="num">Остаток</th></tr></thead>
                  <tbody>{preview.returnTasks.map((t) => <tr key={t.accountNumber}><td>{t.fullName}</td><td>{t.accountNumber}</td><td className="num">{rub(t.amount)}</td></tr>)}</tbody>
                </table>
              )}
            </section>
          )}
          <div className="buttons">
            {!preview ? <button type="button" className="primary" onClick={() => { void send(false); }}>Проверить</button>
              : <button type="button" className="danger" onClick={() => { void send(true); }}>Начать {year}/{String((Number(year) + 1) % 100).padStart(2, '0')} учебный год</button>}
            <button type="button" onClick={onClose}>Отмена</button>
          </div>
        </>
      )}
    </Dialog>
  );
}
