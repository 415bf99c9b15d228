import { apiErrorBodySchema, enrollResponseSchema, SYNC_PATHS, type EnrollResponse } from '../../api/sync.js';

/**
 * Terminal side of enrolment: trades a one-time code for a token. Throws an
 * Error with the server's Russian reason (bad code, unreachable server …).
 * Storing the token (0600 file) is the caller's job: see src/terminal/sync/config.ts.
 */
export async function enrollTerminal(serverUrl: string, code: string, opts: { hostName?: string; signal?: AbortSignal } = {}): Promise<EnrollResponse> {
  let url: URL;
  try { url = new URL(SYNC_PATHS.enroll, serverUrl); } catch { throw new Error(`Неверный адрес сервера: ${serverUrl}`); }
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code, ...(opts.hostName ? { hostName: opts.hostName } : {}) }),
      signal: opts.signal ?? AbortSignal.timeout(15_000),
    });
  } catch (err) {
    throw new Error(`Сервер ${url.origin} недоступен: ${(err as Error).message}`, { cause: err });
  }
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const parsed = apiErrorBodySchema.safeParse(body);
    throw new Error(parsed.success ? parsed.data.error.message : `Сервер ответил ${res.status}`);
  }
  const parsed = enrollResponseSchema.safeParse(body);
  if (!parsed.success) throw new Error('Сервер прислал непонятный ответ на регистрацию кассы');
  return parsed.data;
}
