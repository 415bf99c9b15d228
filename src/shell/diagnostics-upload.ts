import { DIAGNOSTICS_HEADER, SYNC_PATHS } from '../api/sync.js';
import type { FetchFn } from '../terminal/sync/transport.js';

/**
 * The sync client's fetch, watching the pull's answers for the console's
 * request of a diagnostic bundle (header x-canteen-diagnostics): the bundle is
 * built and sent once per request, beside the sync, never in its way.
 */
export function diagnosticsFetch(o: { serverUrl: string; token: string; build: () => unknown; log?: (line: string) => void; fetch?: FetchFn }): FetchFn {
  const doFetch: FetchFn = o.fetch ?? ((input, init) => fetch(input, init));
  const seen = new Set<string>();
  const upload = async (id: string) => {
    const res = await doFetch(`${o.serverUrl.replace(/\/+$/, '')}${SYNC_PATHS.diagnostics}/${id}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${o.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(o.build()),
    });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    o.log?.(`диагностика ${id} отправлена`);
  };
  return async (input, init) => {
    const res = await doFetch(input, init);
    const id = res.headers.get(DIAGNOSTICS_HEADER);
    if (id && /^[0-9a-f-]{36}$/.test(id) && !seen.has(id)) {
      seen.add(id);
      upload(id).catch((err: unknown) => { seen.delete(id); o.log?.(`диагностика не отправлена: ${(err as Error).message}`); });
    }
    return res;
  };
}
