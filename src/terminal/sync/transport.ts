import {
  apiErrorBodySchema, pullResponseSchema, pushResponseSchema, RETRY_AFTER_MS_HEADER, SYNC_PATHS, SYNC_WIRE, SYNC_WIRE_HEADER, SYNC_WIRE_MIN, TILL_STATUS_HEADER, wireVersionOf,
  type PullResponse, type PushRequest, type PushResponse, type TillStatus,
} from '../../api/sync.js';

/**
 * HTTP side of the sync client: push and pull over `fetch` (injected, so tests
 * can route it through a chaos proxy or a stub). Every failure becomes a
 * SyncError with a Russian message for the status bar and a kind that tells
 * the scheduler whether the server is unreachable or refused us.
 */
export type SyncErrorKind =
  | 'offline'        // no connection, timeout, cut reply: retry with backoff
  | 'server'         // 5xx: the server is up but failing; retry with backoff
  | 'unauthorized'   // 401: token forged or revoked; needs a new enrolment
  | 'rejected'       // 400/403: the server refuses this request as it is
  | 'protocol';      // an answer we cannot read (wrong server?)

export class SyncError extends Error {
  /**
   * When the server said to come back (503/429 under load), ms: its x-canteen-retry-after-ms, which
   * follows its queue, or else Retry-After. The till waits this instead of its own backoff.
   */
  retryAfterMs?: number;
  constructor(readonly kind: SyncErrorKind, message: string, readonly status?: number, readonly code?: string) {
    super(message);
    this.name = 'SyncError';
  }
}

/** Retry-After in seconds (what the server sends) or an HTTP date, as ms from now; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds, 3600) * 1000;
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.min(Math.max(0, at - now), 3_600_000) : undefined;
}

/** x-canteen-retry-after-ms: whole ms, at most an hour; undefined when absent or unreadable. */
export function retryAfterMsHeader(header: string | null): number | undefined {
  if (!header || !/^\d{1,10}$/.test(header.trim())) return undefined;
  return Math.min(Number(header), 3_600_000);
}

export type FetchFn = (input: string, init: RequestInit) => Promise<Response>;

export interface TransportOptions {
  serverUrl: string;
  token: string;
  fetch?: FetchFn;
  /** Abort a request that has not answered in this long (ms). */
  timeoutMs?: number;
}

export class SyncTransport {
  private readonly base: string;
  private readonly fetchFn: FetchFn;
  private readonly timeoutMs: number;

  constructor(private readonly opts: TransportOptions) {
    this.base = opts.serverUrl.replace(/\/+$/, '');
    this.fetchFn = opts.fetch ?? ((input, init) => fetch(input, init));
    this.timeoutMs = opts.timeoutMs ?? 30_000;
  }

  async push(req: PushRequest): Promise<PushResponse> {
    const body = await this.request('POST', SYNC_PATHS.push, JSON.stringify(req));
    return parse(pushResponseSchema, body, 'push');
  }

  async pull(cursor: string | undefined, status?: TillStatus): Promise<PullResponse> {
    const q = cursor ? `?cursor=${encodeURIComponent(cursor)}` : '';
    const body = await this.request('GET', SYNC_PATHS.pull + q, undefined, status ? { [TILL_STATUS_HEADER]: JSON.stringify(status) } : {});
    return parse(pullResponseSchema, body, 'pull');
  }

  private async request(method: 'GET' | 'POST', path: string, body?: string, extraHeaders: Record<string, string> = {}): Promise<unknown> {
    const ctrl = new AbortController();
    // Real timers on purpose: a hung socket is a wall-clock matter even under a test's fake clock.
    const timer = setTimeout(() => ctrl.abort(), this.timeoutMs);
    timer.unref?.();
    let res: Response;
    let text: string;
    try {
      res = await this.fetchFn(this.base + path, {
        method,
        headers: {
          authorization: `Bearer ${this.opts.token}`,
          accept: 'application/json',
          [SYNC_WIRE_HEADER]: String(SYNC_WIRE),
          ...extraHeaders,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body } : {}),
        signal: ctrl.signal,
      });
      // Reading the whole body inside the try: a reply cut midway is "offline", not a crash.
      text = await res.text();
    } catch (err) {
      throw new SyncError('offline', ctrl.signal.aborted
        ? 'Сервер не ответил вовремя'
        : `Нет связи с сервером (${describeNetworkError(err)})`);
    } finally {
      clearTimeout(timer);
    }
    let json: unknown;
    try {
      json = text.length ? JSON.parse(text) : undefined;
    } catch {
      // A 2xx with a broken body is most likely a reply cut by a proxy: retry.
      throw new SyncError(res.ok ? 'offline' : 'protocol', `Сервер прислал нечитаемый ответ (HTTP ${res.status})`, res.status);
    }
    if (res.ok) {
      const wire = wireVersionOf(res.headers.get(SYNC_WIRE_HEADER));
      if (wire < SYNC_WIRE_MIN) throw new SyncError('protocol', `Сервер устарел: формат синхронизации ${wire}, касса понимает не ниже ${SYNC_WIRE_MIN}. Обновите сервер`, res.status);
      return json;
    }
    const err = apiErrorBodySchema.safeParse(json);
    const message = err.success ? err.data.error.message : `HTTP ${res.status}`;
    const code = err.success ? err.data.error.code : undefined;
    if (res.status === 401) throw new SyncError('unauthorized', `Сервер не принимает ключ кассы: ${message}. Зарегистрируйте кассу заново`, 401, code);
    if (res.status >= 500 || res.status === 429) {
      const e = new SyncError('server', res.status === 503 || res.status === 429 ? `Сервер перегружен: ${message}` : `Ошибка сервера: ${message}`, res.status, code);
      const wait = retryAfterMsHeader(res.headers.get(RETRY_AFTER_MS_HEADER)) ?? retryAfterMs(res.headers.get('retry-after'));
      if (wait !== undefined) e.retryAfterMs = wait;
      throw e;
    }
    throw new SyncError('rejected', `Сервер отклонил запрос: ${message}`, res.status, code);
  }
}

function parse<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } } }, body: unknown, what: string): T {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const first = r.error.issues[0];
  throw new SyncError('protocol', `Ответ сервера на ${what} не по формату: ${first ? `${first.path.map(String).join('.')}: ${first.message}` : ''}`);
}

function describeNetworkError(err: unknown): string {
  const e = err as { cause?: { code?: string; message?: string }; code?: string; message?: string };
  return e?.cause?.code ?? e?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}
