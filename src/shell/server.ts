import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { fail } from '../api/result.js';
import { callPos } from './pos-args.js';
import type { Runtime } from './runtime.js';

/**
 * PosApi calls that read pupils or receipts: any local program can reach
 * 127.0.0.1, so without a cashier logged in (PIN) they answer 401. The other
 * calls either need no secret data (status, menu, login) or check the session
 * in the core themselves (sell, refund, shifts …).
 */
export const NEEDS_CASHIER: ReadonlySet<string> = new Set(['identifyCard', 'lastReceipts', 'receipt']);

export interface ShellServerOptions {
  /** May still be opening: the UI is served at once and API calls wait for the core. */
  runtime: Runtime | Promise<Runtime>;
  /** The built UI (dist-ui). */
  uiDir: string;
  /** 0 = any free port. Always bound to 127.0.0.1. */
  port?: number;
  log?: boolean;
}

export interface ShellServer {
  app: FastifyInstance;
  url: string;
  port: number;
  close(): Promise<void>;
}

/** The renderer's policy; the same one index.html carries as a meta tag for Electron. */
function csp(port: number): string {
  return [
    "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "font-src 'self'",
    `connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}`,
    "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'", "object-src 'none'",
  ].join('; ');
}

/**
 * The browser shell: the cashier UI and the PosApi on 127.0.0.1.
 * `POST /api/pos/<method>` with `{ "args": [...] }` answers a Result;
 * `GET /api/events` (WebSocket) streams PosEvents.
 *
 * Only the local machine can reach it (loopback bind). Against web pages the
 * cashier might open in another tab: the Host header must name this server
 * (DNS rebinding), a browser's Origin must be this server, and calls must be
 * `application/json` (a cross-site page cannot send that without a CORS
 * preflight, which we never answer).
 */
export async function startShellServer(opts: ShellServerOptions): Promise<ShellServer> {
  const app = Fastify({ logger: opts.log ?? false, bodyLimit: 256 * 1024 });
  // A core that failed to open answers every call with a Result, never a hang.
  const runtimeReady: Promise<Runtime | undefined> = Promise.resolve(opts.runtime).catch(() => undefined);
  let port = opts.port ?? 0;
  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const allowedOrigins = () => new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);

  app.addHook('onRequest', async (req, reply) => {
    if (!allowedHosts().has(String(req.headers.host ?? ''))) {
      return reply.code(421).type('text/plain; charset=utf-8').send('Неверный адрес: откройте кассу по адресу 127.0.0.1');
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedOrigins().has(origin)) {
      return reply.code(403).type('text/plain; charset=utf-8').send('Запрос с чужой страницы отклонён');
    }
    return undefined;
  });
  app.addHook('onSend', async (req, reply, payload) => {
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('Referrer-Policy', 'no-referrer');
    reply.header('Cross-Origin-Opener-Policy', 'same-origin');
    reply.header('X-Frame-Options', 'DENY');
    if (!req.url.startsWith('/api/')) reply.header('Content-Security-Policy', csp(port));
    else reply.header('Cache-Control', 'no-store');
    return payload;
  });

  await app.register(fastifyWebsocket, { options: { maxPayload: 4096 } });

  app.post<{ Params: { method: string } }>('/api/pos/:method', async (req, reply) => {
    const type = String(req.headers['content-type'] ?? '');
    if (!/^application\/json\b/i.test(type)) {
      return reply.code(415).send(fail('BAD_INPUT', 'Нужен запрос в формате JSON'));
    }
    const body = req.body as { args?: unknown } | null;
    const args = body && typeof body === 'object' && 'args' in body ? body.args : undefined;
    const runtime = await runtimeReady;
    if (!runtime) return fail('INTERNAL', 'Кассовый модуль не запустился: смотрите сообщение в окне программы');
    if (NEEDS_CASHIER.has(req.params.method) && !runtime.loggedIn()) {
      return reply.code(401).send(fail('NOT_LOGGED_IN', 'Сначала войдите: введите PIN-код кассира'));
    }
    return callPos(runtime.api, req.params.method, args ?? []);
  });

  app.get('/api/shell/devices', async () => ({ devices: (await runtimeReady)?.devices ?? [] }));

  app.get('/api/events', { websocket: true }, (socket) => {
    let off: (() => void) | undefined;
    let closed = false;
    const stop = () => { closed = true; off?.(); };
    socket.on('close', stop);
    socket.on('error', stop);
    void runtimeReady.then((runtime) => {
      if (closed || !runtime) return;
      off = runtime.onEvent((event) => {
        if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(event));
      });
    });
    // The renderer never sends anything on this socket.
    socket.on('message', () => socket.close(1003, 'read-only'));
  });

  await app.register(fastifyStatic, { root: opts.uiDir, prefix: '/', index: ['index.html'], cacheControl: false });
  app.setNotFoundHandler((req, reply) => {
    if (req.url.startsWith('/api/')) return reply.code(404).send(fail('BAD_INPUT', 'Нет такой операции'));
    return reply.sendFile('index.html');
  });

  await app.listen({ host: '127.0.0.1', port });
  port = (app.server.address() as AddressInfo).port;
  return {
    app,
    port,
    url: `http://127.0.0.1:${port}/`,
    close: () => app.close(),
  };
}
