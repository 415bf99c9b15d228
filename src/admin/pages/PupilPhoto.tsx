import { useEffect, useState } from 'react';
import { api, ApiError, dateTime } from '../api.js';
import { PHOTO_UPLOAD_MAX_BYTES, type PhotoView } from '../../api/admin/photos.js';

/** A file as base64, without the data: URL's prefix. */
function base64Of(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve((typeof r.result === 'string' ? r.result : '').replace(/^data:[^,]*,/, ''));
    r.onerror = () => reject(new Error('Не удалось прочитать файл'));
    r.readAsDataURL(file);
  });
}

/**
 * A pupil's photo in the pupil's card (issue 13): the school uploads one (any image up to 8 MB;
 * the server makes a 240×300 JPEG of it), and the school's tills show it on the card's tap after
 * their next pull. Admins upload and remove; the photo is shown as the tills get it.
 */
export function PupilPhoto({ schoolId, pupilId, canEdit }: { schoolId: string; pupilId: string; canEdit: boolean }) {
  const [photo, setPhoto] = useState<PhotoView | null>(null);
  const [file, setFile] = useState<File | null>(null);
  const [message, setMessage] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [inputKey, setInputKey] = useState(0);   // a new key empties the file input after an upload
  const path = `/schools/${encodeURIComponent(schoolId)}/pupils/${encodeURIComponent(pupilId)}/photo`;
  const fail = (e: unknown) => setError(e instanceof ApiError ? e.message : String(e));
  useEffect(() => {
    if (!canEdit) return;
    api<PhotoView>('GET', path).then(setPhoto, (e: unknown) => { if (!(e instanceof ApiError && e.status === 404)) fail(e); });
  }, [path, canEdit]);
  if (!canEdit) return null;
  const upload = async () => {
    if (!file) { setError('Выберите файл с фотографией'); return; }
    if (file.size > PHOTO_UPLOAD_MAX_BYTES) { setError('Файл больше 8 МБ'); return; }
    setBusy(true); setMessage(''); setError('');
    try {
      setPhoto(await api<PhotoView>('PUT', path, { fileName: file.name, contentBase64: await base64Of(file) }));
      setFile(null);
      setInputKey((k) => k + 1);
      setMessage('Фотография сохранена. Кассы школы покажут её после ближайшей синхронизации.');
    } catch (e) { fail(e); } finally { setBusy(false); }
  };
  const remove = async () => {
    if (!confirm('Удалить фотографию ученика?')) return;
    setBusy(true); setMessage(''); setError('');
    try {
      await api('DELETE', path);
      setPhoto(null);
      setMessage('Фотография удалена.');
    } catch (e) { fail(e); } finally { setBusy(false); }
  };
  return (
    <section className="pupil-photo" aria-label="Фотография ученика" data-testid="pupil-photo">
      {photo
        ? <img src={`data:${photo.mime};base64,${photo.dataBase64}`} width={120} height={150} alt="Фотография ученика" data-testid="pupil-photo-img" />
        : <p className="muted" data-testid="pupil-photo-none">Фотографии нет: на кассе вместо неё силуэт.</p>}
      {photo && <p className="muted">{Math.round(photo.bytes / 1024)} КБ, загружена {dateTime(photo.updatedAt)}</p>}
      <label>Новая фотография (JPEG, PNG, WebP, до 8 МБ)
        <input key={inputKey} type="file" accept="image/*" data-testid="pupil-photo-file" onChange={(e) => { setFile(e.target.files?.[0] ?? null); setMessage(''); }} />
      </label>
      <div className="buttons">
        <button type="button" disabled={busy || !file} onClick={() => { void upload(); }}>Загрузить фотографию</button>
        {photo && <button type="button" disabled={busy} onClick={() => { void remove(); }}>Удалить фотографию</button>}
      </div>
      {message && <p className="notice" role="status" data-testid="pupil-photo-saved">{message}</p>}
      {error && <p className="error" role="alert">{error}</p>}
    </section>
  );
}
