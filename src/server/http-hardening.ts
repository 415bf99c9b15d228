import type { Writable } from 'node:stream';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { HttpError } from './errors.js';

/**
 * What the server does with bytes before any route sees them, and what it
 * writes to its log. Issue 11: a NUL byte, JSON nested 10,000 deep or a parser
 * error answered 500 (a 500 on a till's batch blocks its queue for ever), and
 * the log held reset tokens, a till's token and every SQL parameter of a failed
 * query (pupils' names).
 */

/** Nesting deeper than any message of ours (a sale's receipt doc is ~5 levels). */
export const MAX_JSON_DEPTH = 32;

/**
 * The JSON body parser for the API: fastify's default refuses `__proto__`
 * keys; this one does too, and also answers 400 with a Russian reason for
 * nesting deeper than MAX_JSON_DEPTH (checked on the text, before parsing, so
 * neither JSON.parse nor zod recurses through it), for NUL characters (the
 * database's text type cannot hold them) and for numbers no integer kopeck
 * or sequence can be (not finite, or integers beyond 2^53).
 */
export function registerJsonParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, parseApiJson(body as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
}

export function parseApiJson(text: string): unknown {
  const depth = jsonDepth(text);
  if (depth > MAX_JSON_DEPTH) throw new HttpError(400, 'BAD_INPUT', `Неверный запрос: вложенность JSON больше ${MAX_JSON_DEPTH}`);
  if (text.trim() === '') throw new HttpError(400, 'BAD_INPUT', 'Неверный запрос: пустое тело JSON');
  try {
    return JSON.parse(text, (key, value: unknown) => {
      if (key === '__proto__' || (key === 'constructor' && value !== null && typeof value === 'object' && 'prototype' in value)) {
        throw new BadJson(`недопустимое имя поля «${key}»`);
      }
      if (key.includes('\u0000')) throw new BadJson('символ NUL в имени поля');
      if (typeof value === 'string' && value.includes('\u0000')) throw new BadJson(`символ NUL в поле «${key}»`);
      if (typeof value === 'number' && (!Number.isFinite(value) || (Number.isInteger(value) && !Number.isSafeInteger(value)))) {
        throw new BadJson(`число вне допустимого диапазона в поле «${key}»`);
      }
      return value;
    });
  } catch (err) {
    const reason = err instanceof BadJson ? err.message : `это не JSON (${(err as Error).message.slice(0, 120)})`;
    throw new HttpError(400, 'BAD_INPUT', `Неверный запрос: ${reason}`);
  }
}

class BadJson extends Error {}

/** Deepest nesting of arrays/objects in JSON text, strings skipped; one pass, no recursion. */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;            // backslash: skip the escaped char
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) { if (++depth > max) max = depth; }
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}

/**
 * SQLSTATE of a database error (drizzle wraps the driver's error in `cause`):
 * class 22 (data exception: NUL byte, out of range, bad text) and 54 (program
 * limit: too deep, too long) come from what a client sent, never from a
 * broken server: they are answered 400 with a reason, not 500.
 */
export function clientDataSqlState(err: unknown): string | undefined {
  for (let e: unknown = err, i = 0; e && i < 4; e = (e as { cause?: unknown }).cause, i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^(22|54)[0-9A-Z]{3}$/.test(code)) return code;
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// Logging

/** The request as logged: method, path without the query string (reset tokens, cursors), client address. */
export function serializeRequest(req: { method?: string; url?: string; ip?: string; socket?: { remoteAddress?: string } }): Record<string, unknown> {
  return { method: req.method, url: pathOnly(req.url ?? ''), remoteAddress: req.ip ?? req.socket?.remoteAddress };
}

export function pathOnly(url: string): string {
  const q = url.search(/[?#]/);
  return q < 0 ? url : url.slice(0, q);
}

/**
 * An error as logged. Database errors keep what says where it failed (the
 * SQL text with its $n placeholders, SQLSTATE, constraint, table, column),
 * never the parameters nor the driver's message and detail, which quote the
 * values ("Key (account_number)=(0242013137)", "invalid input syntax: \"Иванов\"").
 * Other errors keep their message and stack.
 */
export function serializeError(err: unknown, depth = 0): Record<string, unknown> {
  if (!err || typeof err !== 'object') return { message: String(err) };
  const e = err as Record<string, unknown> & { name?: string; message?: string; stack?: string; cause?: unknown };
  const type = e.constructor?.name ?? e.name ?? 'Error';
  const frames = typeof e.stack === 'string' ? e.stack.split('\n').filter((l) => /^\s+at /.test(l)).slice(0, 12).join('\n') : undefined;
  const isQuery = typeof e.query === 'string' && 'params' in e;
  const isDb = isQuery || (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) && ('severity' in e || 'routine' in e || 'schema' in e));
  if (isDb) {
    const out: Record<string, unknown> = { type, stack: frames };
    if (isQuery) out.query = e.query;
    for (const k of ['code', 'constraint', 'table', 'column', 'routine'] as const) if (typeof e[k] === 'string') out[k] = e[k];
    if (e.cause && depth < 3) out.cause = serializeError(e.cause, depth + 1);
    return out;
  }
  const out: Record<string, unknown> = { type, message: e.message, stack: e.stack };
  if (typeof e.code === 'string') out.code = e.code;
  if (typeof e.statusCode === 'number') out.statusCode = e.statusCode;
  if (e.cause && depth < 3) out.cause = serializeError(e.cause, depth + 1);
  return out;
}

/** fastify/pino logger options: the serializers above; `stream` (tests) instead of stdout. */
/** One log line a request, when it is answered: method, path (no query: it may carry a token), status, time. */
export function registerRequestLog(app: FastifyInstance): void {
  app.addHook('onResponse', (req, reply, done) => {
    req.log.info({ req, res: { statusCode: reply.statusCode }, responseTime: Math.round(reply.elapsedTime * 10) / 10 }, 'request completed');
    done();
  });
}

export function loggerOptions(opts: { level?: string; stream?: Writable } = {}): FastifyServerOptions['logger'] {
  // fastify's types want its own err shape; pino takes any object.
  return {
    level: opts.level ?? 'info',
    ...(opts.stream ? { stream: opts.stream } : {}),
    serializers: {
      req: serializeRequest,
      err: serializeError,
      error: serializeError,
    },
  } as unknown as FastifyServerOptions['logger'];
}
