import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { eq } from 'drizzle-orm';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import websocket from '@fastify/websocket';
import rateLimit from '@fastify/rate-limit';
import {
  enrollRequestSchema, pullQuerySchema, pushRequestSchema, RETRY_AFTER_MS_HEADER, SYNC_PATHS, SYNC_WIRE, SYNC_WIRE_HEADER, SYNC_WIRE_MIN, TILL_STATUS_HEADER, wireVersionOf,
} from '../api/sync.js';
import type { DbHandle } from './db/open.js';
import { HttpError, describeIssues } from './errors.js';
import { authenticateTerminal, bearerToken, redeemEnrollmentCode } from './auth.js';
import { terminals } from './db/schema.js';
import { sha256Hex } from './tokens.js';
import { clientDataSqlState, loggerOptions, registerJsonParser, registerRequestLog } from './http-hardening.js';
import { applyPush, type TerminalIdentity } from './ledger/push.js';
import { pullWithTouch } from './ledger/pull.js';
import { touchStatement } from './ledger/pull-touch.js';
import { PokeHub, SALES_POKE } from './poke.js';
import { Backpressure } from './backpressure.js';
import { TerminalCache } from './terminal-cache.js';
import { isDbUnavailable } from './db/failover-errors.js';
import { registerCabinet, type CabinetDeps } from './cabinet/index.js';
import { registerAdminApi } from './api/plugin.js';
import { ADMIN_ROUTES } from './api/routes.js';
import { DEFAULT_HOUSEKEEPING_INTERVAL_MS, startHousekeeping } from './housekeeping.js';
import { resealTotpSecrets } from './staff/totp-seal.js';
import { DEFAULT_ORDER_FIX_INTERVAL_MS, startOrderFixer } from './orders/scheduler.js';
import { registerAdminWeb } from './admin-web.js';
import { registerUpdates } from './releases/routes.js';
import { ExportWorker, type ExportWorkerOptions } from './reports/export-worker.js';
import { DIAGNOSTICS_BODY_LIMIT, DIAGNOSTICS_HEADER, DIAGNOSTICS_PATH, storeDiagnostics } from './releases/diagnostics.js';

/**
 * The largest legal push: the terminal sends at most MAX_PUSH_ENTRIES entries
 * a batch (and halves its batch on a 413); a sale entry with its receipt is
 * ~1-2 KiB, so 4 KiB an entry leaves room for long receipts.
 */
export const MAX_PUSH_ENTRIES = 2000;
export const PUSH_BODY_LIMIT = MAX_PUSH_ENTRIES * 4 * 1024;
/** Every other JSON body (enrolment, console API …); a route may set its own. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

export interface ServerConfig {
  /**
   * Log requests (pino, as fastify does): paths without query strings, errors
   * without SQL parameters (http-hardening.ts). Off in tests; `{ stream }`
   * writes the same log to a stream (the log-leak test greps it).
   */
  logger?: boolean | { stream: Writable; level?: string };
  /**
   * The reverse proxy's addresses (comma-separated IPs or CIDRs, or a list):
   * only from these is X-Forwarded-For/-Proto believed, so `req.ip` is the
   * parent's address and not the proxy's one (login throttling is per address).
   * From CANTEEN_TRUST_PROXY or `--trust-proxy`.
   */
  trustProxy?: string | string[];
  /** Whole request (headers and body) must arrive within this (ms); default 2 min. Socket idle timeout: the same. */
  requestTimeoutMs?: number;
  /** Enrolment attempts per IP per minute (guessing codes). */
  enrollPerMinute?: number;
  /** Extra plugins sharing this process and database (the parent cabinet registers here). */
  plugins?: ((app: FastifyInstance, ctx: ServerContext) => Promise<void>)[];
  /** Parent cabinet options (gateway, mailer, public URL …); the cabinet is always served under /cabinet. */
  cabinet?: Omit<CabinetDeps, 'db'>;
  /** Periodic housekeeping (housekeeping.ts): every `intervalMs` (default one hour; 0 = never), change log kept `changesKeepDays`. */
  housekeeping?: { intervalMs?: number; changesKeepDays?: number };
  /** The meal-order fixer (orders/scheduler.ts): every `intervalMs` (default one minute; 0 = never), on the cabinet's clock. */
  orderFix?: { intervalMs?: number };
  /**
   * Backpressure (PostgreSQL): a push is answered 503 with Retry-After while more than `maxDbWaiting`
   * queries wait for a pool connection, a pull already above half of it (a pull can wait, money
   * should not). Default 4 × the pool size; 0 = never. From CANTEEN_DB_QUEUE_MAX.
   */
  maxDbWaiting?: number;
  /** The built staff console served at /admin/ (default dist-admin/, see src/shell/ui-build.ts ensureAdminUi). */
  adminDir?: string;
  /** Till releases (`canteen server release add`) served to electron-updater at /api/v1/updates/; unset: not served. */
  releasesDir?: string;
  /** Report export files (reports/export-worker.ts), 0700; unset: a new private directory under the system's temp dir. */
  exportsDir?: string;
  /** The export worker's timings (tests). */
  exportJobs?: ExportWorkerOptions;
}

/** What plugins get: the database, and the hub to poke or watch a school. */
export interface ServerContext {
  handle: DbHandle;
  pokes: PokeHub;
  /** Resolves the Bearer token of a request to its terminal (401 HttpError otherwise). */
  terminalOf(req: FastifyRequest): Promise<TerminalIdentity>;
}

/**
 * The central server as a fastify instance over an open database. Tests call
 * `buildServer(handle)` and `listen({ port: 0 })`; `canteen server` does the same on a real port.
 */
export async function buildServer(handle: DbHandle, config: ServerConfig = {}): Promise<FastifyInstance> {
  const requestTimeout = config.requestTimeoutMs ?? 120_000;
  const app = Fastify({
    logger: config.logger ? loggerOptions(config.logger === true ? {} : config.logger) : false,
    // fastify logs two lines a request (incoming, completed); at a region's lunch (≈ 400 pushes and pulls a
    // second) that was about an eighth of the server's CPU. One line when the answer is sent says it all.
    disableRequestLogging: true,
    bodyLimit: DEFAULT_BODY_LIMIT,
    // A slow or stalled body (slowloris) is cut off instead of holding a connection for ever.
    requestTimeout,
    connectionTimeout: requestTimeout,
    ...(config.trustProxy ? { trustProxy: config.trustProxy } : {}),
  });
  registerJsonParser(app);
  if (config.logger) registerRequestLog(app);
  const pokes = new PokeHub();
  await pokes.start(handle);
  app.addHook('onClose', async () => { await pokes.stop(); });

  // The token comes in the Authorization header only: a URL with a token ends up in logs and proxies.
  const terminalOf = (req: FastifyRequest) => authenticateTerminal(handle.db, bearerToken(req.headers.authorization));
  // Push and pull resolve the token from a per-process cache (their first statement re-checks it in
  // the database: terminal-cache.ts); a poke of a school (a revoke, in any process) drops its tills.
  const tokens = new TerminalCache();
  pokes.onPoke((schoolId, kind) => { if (kind === 'all') tokens.dropSchool(schoolId); });
  const checkWire = (req: FastifyRequest, reply: FastifyReply) => {
    void reply.header(SYNC_WIRE_HEADER, String(SYNC_WIRE));
    const wire = wireVersionOf(req.headers[SYNC_WIRE_HEADER]);
    if (wire < SYNC_WIRE_MIN) throw new HttpError(426, 'BAD_INPUT', `Касса устарела: формат синхронизации ${wire}, сервер принимает не ниже ${SYNC_WIRE_MIN}. Обновите приложение кассы`);
  };
  // Before the body is read: an unauthenticated client cannot make the server parse megabytes.
  // A till too old for this server's sync wire format is told so (it can still fetch its update: /api/v1/updates).
  const authenticate = async (req: FastifyRequest, reply: FastifyReply) => {
    checkWire(req, reply);
    req.terminal = await terminalOf(req);
  };
  const authenticateCached = async (req: FastifyRequest, reply: FastifyReply) => {
    checkWire(req, reply);
    const token = bearerToken(req.headers.authorization);
    const hash = sha256Hex(token ?? '');
    req.tokenHash = hash;
    const hit = token ? tokens.get(hash) : undefined;
    if (hit) { req.terminal = hit; return; }
    req.terminal = await authenticateTerminal(handle.db, token);
    tokens.set(hash, req.terminal);
  };
  // Before authenticating (a token lookup is a query too): what the pool cannot take soon is sent back
  // for later, with a time to come back that follows the queue (backpressure.ts).
  const pressure = new Backpressure({ maxWaiting: config.maxDbWaiting ?? 4 * (handle.pool?.().size ?? 0) });
  const shedWhenBusy = (share: number) => async (_req: FastifyRequest, reply: FastifyReply) => {
    const pool = handle.pool?.();
    if (!pool) return;
    const ms = pressure.check(pool.waiting, share);
    if (ms === undefined) return;
    return reply.status(503).header('retry-after', String(Math.max(1, Math.ceil(ms / 1000)))).header(RETRY_AFTER_MS_HEADER, String(ms))
      .send({ error: { code: 'BUSY', message: 'Сервер перегружен, касса повторит позже' } });
  };
  const shedPush = shedWhenBusy(1);
  const shedPull = shedWhenBusy(0.5);
  // Throughput for the backpressure: every push and pull that got through.
  const served = async (_req: FastifyRequest, reply: FastifyReply) => { if (reply.statusCode !== 503) pressure.completed(); };
  const ctx: ServerContext = { handle, pokes, terminalOf };
  app.decorate('canteen', ctx);

  app.setErrorHandler((err, req, reply) => {
    if (err instanceof HttpError) return reply.status(err.status).send(err.body());
    const e = err as { statusCode?: number; code?: string; message?: string };
    const sqlState = clientDataSqlState(err);
    if (sqlState) {
      req.log.warn({ err }, 'data refused by the database');
      return reply.status(400).send({ error: { code: 'BAD_INPUT', message: `Данные не приняты: недопустимое значение (${dataProblem(sqlState)}, код ${sqlState})` } });
    }
    if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
      const message = e.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'Слишком большой запрос'
        : e.statusCode === 429 ? 'Слишком много попыток, подождите минуту'
        : e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'Ожидается JSON (Content-Type: application/json)'
        : `Неверный запрос: ${e.message ?? ''}`.trim();
      return reply.status(e.statusCode).send({ error: { code: e.statusCode === 429 ? 'RATE_LIMITED' : 'BAD_INPUT', message } });
    }
    // The database host went away or stopped being the primary (failover-errors.ts): the request's
    // transaction did not commit; the till re-pushes after Retry-After, by then on the new primary.
    if (isDbUnavailable(err)) {
      req.log.warn({ err }, 'database unavailable');
      return reply.status(503).header('retry-after', String(1 + Math.floor(Math.random() * 3)))
        .send({ error: { code: 'DB_UNAVAILABLE', message: 'База данных недоступна (переключение на резервный сервер), касса повторит позже' } });
    }
    req.log.error(err);
    return reply.status(500).send({ error: { code: 'INTERNAL', message: 'Внутренняя ошибка сервера' } });
  });
  app.setNotFoundHandler((req, reply) => reply.status(404).send({ error: { code: 'NOT_FOUND', message: `Нет такого адреса: ${req.method} ${req.url}` } }));

  await app.register(rateLimit, { global: false });
  await app.register(websocket);

  app.get('/api/v1/health', async () => ({ ok: true, db: handle.kind }));

  app.post(SYNC_PATHS.enroll, { config: { rateLimit: { max: config.enrollPerMinute ?? 20, timeWindow: '1 minute' } } }, async (req) => {
    const parsed = enrollRequestSchema.safeParse(req.body);
    if (!parsed.success) throw new HttpError(400, 'BAD_INPUT', 'Неверный запрос регистрации кассы', describeIssues(parsed.error.issues));
    return redeemEnrollmentCode(handle.db, parsed.data.code);
  });

  app.post(SYNC_PATHS.push, { onRequest: [shedPush, authenticateCached], onResponse: served, bodyLimit: PUSH_BODY_LIMIT }, async (req) => {
    const terminal = req.terminal!;
    const parsed = pushRequestSchema.safeParse(req.body);
    if (!parsed.success) {
      throw new HttpError(400, 'BAD_INPUT', `Пакет проводок не принят: ${describeIssues(parsed.error.issues)[0]}`, describeIssues(parsed.error.issues));
    }
    try {
      return await applyPush(handle.db, terminal, parsed.data, { tokenHash: req.tokenHash!, onSalesCommitted: (schoolId) => pokes.salesCommitted(schoolId) });
    } catch (err) {
      // Revoked or re-enrolled meanwhile: the cache must not keep answering for this till.
      if (err instanceof HttpError && err.status === 401) tokens.dropSchool(terminal.schoolId);
      throw err;
    }
  });

  app.get(SYNC_PATHS.pull, { onRequest: [shedPull, authenticateCached], onResponse: served }, async (req, reply) => {
    const terminal = req.terminal!;
    const parsed = pullQuerySchema.safeParse({ cursor: (req.query as Record<string, unknown>).cursor });
    if (!parsed.success) throw new HttpError(400, 'BAD_INPUT', 'Неверный курсор', describeIssues(parsed.error.issues));
    // "Last seen" with the token check rides in the pull's first message (ledger/pull-touch.ts).
    const touch = touchStatement(terminal.id, req.tokenHash!, req.headers[TILL_STATUS_HEADER]);
    const out = await pullWithTouch(handle.db, terminal, parsed.data.cursor, touch);
    if (!out.valid) {
      tokens.dropSchool(terminal.schoolId);
      throw new HttpError(401, 'UNAUTHORIZED', 'Токен кассы отозван администратором или заменён: зарегистрируйте кассу заново');
    }
    if (out.wanted) void reply.header(DIAGNOSTICS_HEADER, out.wanted);
    return out.pull;
  });

  app.post<{ Params: { id: string } }>(`${DIAGNOSTICS_PATH}/:id`, { onRequest: authenticate, bodyLimit: DIAGNOSTICS_BODY_LIMIT }, async (req) => {
    if (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body)) throw new HttpError(400, 'BAD_INPUT', 'Ожидается объект диагностики');
    await storeDiagnostics(handle.db, req.terminal!.id, req.params.id, req.body);
    return { ok: true };
  });

  app.get(SYNC_PATHS.poke, { websocket: true }, (socket, req) => {
    // Authenticate before subscribing; a bad token closes with 4401 and the reason.
    const tokenHash = sha256Hex(bearerToken(req.headers.authorization) ?? '');
    terminalOf(req).then((terminal) => {
      // Every poke first asks whether this token still stands: a revoke (which pokes the school)
      // or a re-enrolment closes the socket instead of keeping a cut-off till subscribed.
      const unsubscribe = pokes.subscribe(terminal.schoolId, (kind) => {
        // Another till's sales: no token check (a revoke always comes as an `all` poke).
        if (kind === 'sales') { socket.send(SALES_POKE); return; }
        tokenStillValid(handle, terminal.id, tokenHash).then((valid) => {
          if (valid) socket.send('');
          else socket.close(4401, truncateUtf8('Токен кассы отозван администратором', 120));
        }, () => { /* database down: the next poke asks again */ });
      });
      socket.on('close', unsubscribe);
    }, (err: unknown) => {
      socket.close(4401, err instanceof HttpError ? truncateUtf8(err.message, 120) : 'unauthorized');
    });
  });

  if (config.releasesDir) registerUpdates(app, { db: handle.db, dir: config.releasesDir, terminalOf });

  const cabinet = await registerCabinet(app, { db: handle.db, ...(handle.replica ? { replica: handle.replica } : {}), ...config.cabinet });
  // TOTP secrets written before they were sealed (or under another key) are sealed now: a data migration, idempotent.
  await resealTotpSecrets(handle.db);
  // The admin API shares the cabinet's CSRF key and cookie security (same host, same proxy).
  await registerAdminApi(app, { handle, secret: cabinet.secret, secureCookies: cabinet.secureCookies, now: cabinet.now, routes: ADMIN_ROUTES });
  await registerAdminWeb(app, config.adminDir, cabinet.https);
  const housekeepingMs = config.housekeeping?.intervalMs ?? DEFAULT_HOUSEKEEPING_INTERVAL_MS;
  if (housekeepingMs > 0) {
    const stop = startHousekeeping(handle.db, {
      intervalMs: housekeepingMs,
      ...(config.housekeeping?.changesKeepDays !== undefined ? { changesKeepDays: config.housekeeping.changesKeepDays } : {}),
      onError: (err) => app.log.error(err, 'housekeeping failed'),
    });
    app.addHook('onClose', async () => { stop(); });
  }
  // mkdtemp makes the directory 0700; one made here goes with the server.
  const exportsDir = config.exportsDir ?? mkdtempSync(path.join(tmpdir(), 'canteen-exports-'));
  const exports = new ExportWorker(handle, exportsDir, { now: cabinet.now, onError: (err) => app.log.error(err, 'report export failed'), ...config.exportJobs });
  await exports.start();
  app.addHook('onClose', async () => {
    await exports.stop();
    if (!config.exportsDir) rmSync(exportsDir, { recursive: true, force: true });
  });
  const orderFixMs = config.orderFix?.intervalMs ?? DEFAULT_ORDER_FIX_INTERVAL_MS;
  if (orderFixMs > 0) {
    const stop = startOrderFixer(handle.db, { intervalMs: orderFixMs, now: cabinet.now, onError: (err) => app.log.error(err, 'order fix failed') });
    app.addHook('onClose', async () => { stop(); });
  }
  for (const plugin of config.plugins ?? []) await plugin(app, ctx);
  return app;
}

async function tokenStillValid(handle: DbHandle, terminalId: string, tokenHash: string): Promise<boolean> {
  const [row] = await handle.db.select({ tokenHash: terminals.tokenHash, revokedAt: terminals.revokedAt }).from(terminals).where(eq(terminals.id, terminalId));
  return !!row && row.tokenHash === tokenHash && !row.revokedAt;
}

/** Russian words for the SQLSTATEs a client's data can cause. */
function dataProblem(sqlState: string): string {
  switch (sqlState) {
    case '22021': return 'недопустимый символ';
    case '22003': return 'число вне диапазона';
    case '22001': return 'слишком длинная строка';
    case '22P02': case '22007': case '22008': return 'неверный формат';
    case '54001': return 'слишком глубокая вложенность';
    default: return 'ошибка данных';
  }
}

/** WebSocket close reasons are limited to 123 bytes. */
function truncateUtf8(text: string, maxBytes: number): string {
  let out = text;
  while (Buffer.byteLength(out) > maxBytes) out = out.slice(0, -1);
  return out;
}

declare module 'fastify' {
  interface FastifyInstance { canteen: ServerContext }
  interface FastifyRequest {
    /** The authenticated till, set by the onRequest hook of the sync routes. */
    terminal?: TerminalIdentity;
    /** sha256 of its Bearer token (push and pull: checked again in their first statement). */
    tokenHash?: string;
  }
}
