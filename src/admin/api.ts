/**
 * The console's only way to the server: JSON to /api/v1 with the session
 * cookie and the CSRF token the session handed out. Errors come back as
 * ApiError with the server's Russian message (and, for a stale save, what changed).
 */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly details?: unknown) {
    super(message);
  }
}

let csrfToken = '';
/** Set from the session (login / whoami); sent on every write. */
export function setCsrf(token: string | undefined): void { csrfToken = token ?? ''; }

let onUnauthorized: (() => void) | undefined;
/** The app shows the login page again when a call answers 401 (session expired or revoked). */
export function whenUnauthorized(fn: () => void): void { onUnauthorized = fn; }

export async function api<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(`/api/v1${path}`, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, 'NETWORK', 'Сервер недоступен: проверьте сеть и попробуйте ещё раз');
  }
  const text = await res.text();
  let json: unknown = null;
  try { json = text ? JSON.parse(text) : null; } catch { /* not JSON: a proxy's error page */ }
  if (!res.ok) {
    const err = (json as { error?: { code?: string; message?: string; details?: unknown } } | null)?.error;
    if (res.status === 401 && !path.startsWith('/auth/')) onUnauthorized?.();
    throw new ApiError(res.status, err?.code ?? 'HTTP', err?.message ?? `Ошибка сервера (${res.status})`, err?.details);
  }
  return json as T;
}

/** "?a=1&b=x" from the set values only. */
export function qs(params: Record<string, string | number | boolean | undefined | null>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

export { formatMoney as rub, parseMoney } from '../core/money.js';

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString('ru-RU', { dateStyle: 'short', timeStyle: 'short' });
}
