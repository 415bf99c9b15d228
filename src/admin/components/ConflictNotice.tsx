import type { ApiError } from '../api.js';

interface ConflictDetails { changed?: { field: string; label?: string; yours?: unknown; theirs?: unknown }[]; current?: Record<string, unknown>; by?: string; at?: string }

/**
 * A save refused because someone saved the record first (optimistic concurrency):
 * say who and what they changed, so the person re-opens it rather than overwrites.
 */
export function ConflictNotice({ error }: { error: ApiError }) {
  const d = (error.details ?? {}) as ConflictDetails;
  const show = (v: unknown) => (v === null || v === undefined || v === '' ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v as string | number | boolean | bigint | symbol));
  return (
    <div className="error conflict" role="alert" data-testid="conflict">
      <p>{error.message}</p>
      {d.changed && d.changed.length > 0 && (
        <table aria-label="Что изменилось">
          <thead><tr><th scope="col">Поле</th><th scope="col">Сейчас в базе</th><th scope="col">Ваше значение</th></tr></thead>
          <tbody>{d.changed.map((c) => <tr key={c.field}><td>{c.label ?? c.field}</td><td>{show(c.theirs)}</td><td>{show(c.yours)}</td></tr>)}</tbody>
        </table>
      )}
      <p className="muted">Откройте запись заново, чтобы увидеть текущие данные, и повторите правку.</p>
    </div>
  );
}
