import { useState } from 'react';
import type { z } from 'zod';
import { api, ApiError } from '../api.js';
import { Dialog, FormError } from '../components/Form.js';
import { MAX_IMPORT_BYTES, type importAnswer } from '../../api/admin/pupils.js';

type Answer = z.infer<typeof importAnswer>;

function toBase64(buf: ArrayBuffer): string {
  const bytes = new Uint8Array(buf);
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/**
 * Import from CSV or XLSX in two steps: the preview (every bad row with its
 * line and reason, what each good row would do; nothing written), then the
 * confirmation, which writes the good rows.
 */
export function ImportDialog({ schoolId, onClose, onDone }: { schoolId: string; onClose: () => void; onDone: () => void }) {
  const [file, setFile] = useState<{ name: string; base64: string } | null>(null);
  const [preview, setPreview] = useState<Answer | null>(null);
  const [result, setResult] = useState<Answer | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const url = `/schools/${encodeURIComponent(schoolId)}/pupils/import`;

  const send = async (confirm: boolean) => {
    if (!file) return;
    setBusy(true); setError(null);
    try {
      const r = await api<Answer>('POST', url, { fileName: file.name, contentBase64: file.base64, confirm });
      if (confirm) setResult(r); else setPreview(r);
    } catch (e) { setError(e instanceof ApiError ? e : new ApiError(0, 'CLIENT', String(e))); } finally { setBusy(false); }
  };
  const pick = async (f: File | undefined) => {
    setPreview(null); setResult(null); setError(null);
    if (!f) { setFile(null); return; }
    if (f.size > MAX_IMPORT_BYTES) { setError(new ApiError(0, 'CLIENT', 'Файл больше 5 МБ')); setFile(null); return; }
    setFile({ name: f.name, base64: toBase64(await f.arrayBuffer()) });
  };

  return (
    <Dialog title="Импорт учеников" onClose={onClose}>
      {!result && (
        <>
          <p>Файл CSV или XLSX со столбцами <b>ФИО</b>, <b>Школа</b>, <b>Класс</b> и, по желанию, <b>Льготы</b>, <b>Лицевой счёт</b>, <b>Карта</b>. Сначала — проверка: ничего не записывается, пока вы не подтвердите.</p>
          <div className="field">
            <label htmlFor="import-file">Файл</label>
            <input id="import-file" type="file" accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
              onChange={(e) => { void pick(e.target.files?.[0]); }} data-testid="import-file" />
          </div>
          <div className="buttons">
            <button type="button" className="primary" disabled={!file || busy} onClick={() => { void send(false); }}>Проверить</button>
          </div>
        </>
      )}
      <FormError error={error} />
      {preview && !result && (
        <section aria-label="Результат проверки" data-testid="import-preview">
          <p>
            Будет добавлено: <b>{preview.rows.filter((r) => r.action === 'created').length}</b>,
            обновлено: <b>{preview.rows.filter((r) => r.action === 'updated').length}</b>,
            строк с ошибками: <b data-testid="import-bad-count">{preview.errors.length}</b>.
          </p>
          {preview.errors.length > 0 && (
            <>
              <h3>Строки с ошибками (не будут записаны)</h3>
              <table aria-label="Строки с ошибками" data-testid="import-errors">
                <thead><tr><th scope="col">Строка</th><th scope="col">Ошибка</th></tr></thead>
                <tbody>{preview.errors.map((e) => <tr key={`${e.line}:${e.message}`} className="bad"><td>{e.line}</td><td>{e.message}</td></tr>)}</tbody>
              </table>
            </>
          )}
          {preview.rows.length > 0 && (
            <details>
              <summary>Строки, которые будут записаны ({preview.rows.length})</summary>
              <table aria-label="Строки к записи">
                <thead><tr><th scope="col">Строка</th><th scope="col">ФИО</th><th scope="col">Класс</th><th scope="col">Л/С</th><th scope="col">Действие</th></tr></thead>
                <tbody>{preview.rows.map((r) => <tr key={r.line}><td>{r.line}</td><td>{r.fullName}</td><td>{r.className}</td><td>{r.accountNumber}</td><td>{r.action === 'created' ? 'новый' : 'обновление'}</td></tr>)}</tbody>
              </table>
            </details>
          )}
          <div className="buttons">
            <button type="button" className="primary" disabled={busy || preview.refused || preview.rows.length === 0} onClick={() => { void send(true); }}>
              Записать {preview.rows.length} {preview.errors.length ? 'верных строк (ошибочные пропустить)' : 'строк'}
            </button>
            <button type="button" onClick={onClose}>Отмена</button>
          </div>
        </section>
      )}
      {result && (
        <section aria-label="Импорт выполнен">
          <p className="notice" role="status">Импорт выполнен: добавлено {result.created}, обновлено {result.updated}{result.errors.length ? `, пропущено строк с ошибками: ${result.errors.length}` : ''}.</p>
          <button type="button" className="primary" onClick={onDone}>Готово</button>
        </section>
      )}
    </Dialog>
  );
}
