import { sql } from 'drizzle-orm';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import websocket from '@fastify/websocket';
import rateLimit from '@fastify/rate-limit';
import { enrollRequestSchema, pullQuerySchema, pushRequestSchema, SYNC_PATHS, TILL_STATUS_HEADER, tillStatusSchema } from '../api/sync.js';
import type { DbHandle } from './db/open.js';
import { HttpError, describeIssues } from './errors.js';
import { authenticateTerminal, bearerToken, redeemEnrollmentCode } from './auth.js';
import { applyPush, type TerminalIdentity } from './ledger/push.js';
import { buildPull } from './ledger/pull.js';
import { PokeHub } from './poke.js';
import { registerCabinet, type CabinetDeps } from './cabinet/index.js';
import { registerAdminApi } from './api/plugin.js';
import { ADMIN_ROUTES } from './api/routes.js';
import { DEFAULT_HOUSEKEEPING_INTERVAL_MS, startHousekeeping } from './housekeeping.js';
import { registerAdminWeb } from './admin-web.js';

export interface ServerConfig {
  /** Log requests (pino, as fastify does). Off in tests. */
  logger?: boolean;
  /** Enrolment attempts per IP per minute (guessing codes). */
  enrollPerMinute?: number;
  /** Extra plugins sharing this process and database (the parent cabinet registers here). */
  plugins?: ((app: FastifyInstance, ctx: ServerContext) => Promise<void>)[];
  /** Parent cabinet options (gateway, mailer, public URL …); the cabinet is always served under /cabinet. */
  cabinet?: Omit<CabinetDeps, 'db'>;
  /** Periodic housekeeping (housekeeping.ts): every `intervalMs` (default one hour; 0 = never), change log kept `changesKeepDays`. */
  housekeeping?: { intervalMs?: number; changesKeepDays?: number };
  /** The built staff console served at /admin/ (default dist-admin/, see src/shell/ui-build.ts ensureAdminUi). */
  adminDir?: string;
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
  const app = Fastify({
    logger: config.logger ? { level: 'info' } : false,
    // 5,000 entries with their receipts fit well below this.
    bodyLimit: 32 * 1024 * 1024,
  });
  const pokes = new PokeHub();
  await pokes.start(handle);
  app.addHook('onClose', async () => { await pokes.stop(); });

  const terminalOf = (req: FastifyRequest) => {
    const q = req.query as Record<string, unknown> | undefined;
    const token = bearerToken(req.headers.authorization) ?? (typeof q?.token === 'string' ? q.token : undefined);
    return authenticateTerminal(handle.db, token);
  };
  const ctx: ServerContext = { handle, pokes, terminalOf };
  app.decorate('canteen', ctx);

  app.setErrorHandler((err, req, reply) => {
    if (err instanceof HttpError) return reply.status(err.status).send(err.body());
    const e = err as { statusCode?: number; code?: string; message?: string };
    if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
      const message = e.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'Слишком большой запрос'
        : e.statusCode === 429 ? 'Слишком много попыток, подождите минуту'
        : e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'Ожидается JSON (Content-Type: application/json)'
        : `Неверный запрос: ${e.message ?? ''}`.trim();
      return reply.status(e.statusCode).send({ error: { code: e.statusCode === 429 ? 'RATE_LIMITED' : 'BAD_INPUT', message } });
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

  app.post(SYNC_PATHS.push, async (req) => {
    const terminal = await terminalOf(req);
    const parsed = pushRequestSchema.safeParse(req.body);
    if (!parsed.success) {
      throw new HttpError(400, 'BAD_INPUT', `Пакет проводок не принят: ${describeIssues(parsed.error.issues)[0]}`, describeIssues(parsed.error.issues));
    }
    return applyPush(handle.db, terminal, parsed.data);
  });

  app.get(SYNC_PATHS.pull, async (req) => {
    const terminal = await terminalOf(req);
    const parsed = pullQuerySchema.safeParse({ cursor: (req.query as Record<string, unknown>).cursor });
    if (!parsed.success) throw new HttpError(400, 'BAD_INPUT', 'Неверный курсор', describeIssues(parsed.error.issues));
    await touchTerminal(handle, terminal.id, req.headers[TILL_STATUS_HEADER]);
    return buildPull(handle.db, terminal, parsed.data.cursor);
  });

  app.get(SYNC_PATHS.poke, { websocket: true }, (socket, req) => {
    // Authenticate before subscribing; a bad token closes with 4401 and the reason.
    terminalOf(req).then((terminal) => {
      const unsubscribe = pokes.subscribe(terminal.schoolId, () => socket.send(''));
      socket.on('close', unsubscribe);
    }, (err: unknown) => {
      socket.close(4401, err instanceof HttpError ? truncateUtf8(err.message, 120) : 'unauthorized');
    });
  });

  const cabinet = await registerCabinet(app, { db: handle.db, ...config.cabinet });
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
  for (const plugin of config.plugins ?? []) await plugin(app, ctx);
  return app;
}

/**
 * Last seen, and what the till says about itself (header x-canteen-till-status,
 * optional): kept with the server's time and the clock skew it shows. A
 * malformed status is ignored — it must never cost the till its pull.
 */
async function touchTerminal(handle: DbHandle, terminalId: string, statusHeader: string | string[] | undefined): Promise<void> {
  let status: Record<string, unknown> | null = null;
  if (typeof statusHeader === 'string' && statusHeader.length < 2000) {
    try {
      const parsed = tillStatusSchema.safeParse(JSON.parse(statusHeader));
      if (parsed.success) {
        const now = Date.now();
        const sent = Date.parse(parsed.data.sentAt);
        status = { ...parsed.data, receivedAt: new Date(now).toISOString(), clockSkewMs: Number.isFinite(sent) ? sent - now : null };
      }
    } catch { /* not JSON: ignored */ }
  }
  await handle.db.execute(status
    ? sql`UPDATE terminals SET last_seen_at = now(), status = ${JSON.stringify(status)}::jsonb WHERE id = ${terminalId}`
    : sql`UPDATE terminals SET last_seen_at = now() WHERE id = ${terminalId}`);
}

/** WebSocket close reasons are limited to 123 bytes. */
function truncateUtf8(text: string, maxBytes: number): string {
  let out = text;
  while (Buffer.byteLength(out) > maxBytes) out = out.slice(0, -1);
  return out;
}

declare module 'fastify' {
  interface FastifyInstance { canteen: ServerContext }
}
