import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import type { Db } from '../db/open.js';
import { formToken, formTokenValid } from './sessions.js';
import type { PaymentGateway } from './gateway.js';
import { TestGateway } from './test-gateway.js';
import { NO_MAILER, smtpFromUrl, type Mailer } from './mailer.js';
import { SECRET, sharedSecret } from '../secrets.js';
import { checkLowBalances } from './notifications.js';
import { registerAuthRoutes } from './routes-auth.js';
import { registerAccountRoutes } from './routes-account.js';
import { registerDietRoutes } from './routes-diet.js';
import { registerOrderRoutes } from './routes-orders.js';
import { notifyOrderShortfalls } from '../orders/notify.js';
import { registerPaymentRoutes } from './routes-payments.js';
import { securityHeaders, sendHtml, seeOther } from './web.js';
import { settlePayment, type SettleOutcome } from '../payments/settle.js';
import { pollPayments, type PollResult } from '../payments/poller.js';
import { autoTopUpHook, runAutoTopUps, type AutoTopUpRun } from '../payments/auto-topup.js';
import { registerAutoTopUpRoutes } from './routes-autopay.js';
import { messagePage } from '../../cabinet/views.js';
import { testGatewayPage } from '../../cabinet/money-views.js';
import { readRouter, type ReadRouter } from './replica.js';

export interface CabinetDeps {
  db: Db;
  /** A streaming replica (DATABASE_REPLICA_URL) for statements and the home page, with read-your-writes (replica.ts). */
  replica?: Db;
  /**
   * Card payments. Absent or null: no card top-up at all (the page says how
   * else to pay). The test gateway is only ever passed in explicitly (demo, tests).
   */
  gateway?: PaymentGateway | null;
  /** Outgoing mail; SMTP from CANTEEN_SMTP_URL, else none: "forgot password" then says it is unavailable. */
  mailer?: Mailer;
  /**
   * The cabinet's public address ("https://k.school.ru"), used in e-mailed
   * links. Without it, links use the request's Host only when it is a local
   * address (demo), so a forged Host header cannot poison reset links.
   */
  publicUrl?: string;
  /** HMAC key for CSRF tokens; by default one key in the database shared by every server process (src/server/secrets.ts). */
  secret?: string;
  /** Secure cookies (HTTPS). Default: true when publicUrl is https. */
  secureCookies?: boolean;
  now?: () => Date;
  /** How often to look for balances below parents' thresholds (ms); 0 = never (tests call it). */
  lowBalanceIntervalMs?: number;
  /** Login and "forgot password" POSTs per IP per minute, before any password is checked. */
  loginPerMinute?: number;
  /** How often the payment poller looks for pending payments that are due (ms); 0 = never (tests call it). */
  paymentPollMs?: number;
  /** How a throttled address's login waits (throttle.ts); tests record instead of sleeping. */
  delay?: (ms: number) => Promise<void>;
  log?: (line: string) => void;
}

export interface CabinetContext {
  db: Db;
  /** Where a read of a parent's money goes: the replica, or the primary until it has replayed this browser's last write. */
  reads: ReadRouter;
  gateway: PaymentGateway | null;
  /** The gateway can save cards (bindings): top-ups offer it, auto top-up is possible. */
  bindings: boolean;
  mailer: Mailer;
  /** False without SMTP: no letter can go, and the pages say so rather than pretend. */
  mailAvailable: boolean;
  secret: string;
  now: () => Date;
  secureCookies: boolean;
  https: boolean;
  publicUrl?: string;
  loginPerMinute: number;
  delay?: (ms: number) => Promise<void>;
  /** Runs the low-balance check now (also after every threshold change). */
  checkLowBalances(): Promise<number>;
  /** Asks the gateway about one payment and applies the answer (settlePayment). */
  settle(paymentId: string): Promise<SettleOutcome>;
  /** One round of the payment poller now. */
  pollPayments(): Promise<PollResult>;
  /** Charges saved cards of accounts below their auto top-up threshold (once a day each). */
  runAutoTopUps(): Promise<AutoTopUpRun>;
  /** Base URL for links that leave the browser (letters, gateway return). */
  baseUrlFor(host: string | undefined, protocol: string): string | null;
}

const CSS = readFileSync(new URL('../../cabinet/cabinet.css', import.meta.url), 'utf8');
const LOCAL_HOST = /^(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/;

/**
 * Mounts the parent cabinet (/cabinet/…) and, when the gateway is the test
 * one, its payment page (/test-gateway/…), each in an encapsulated fastify
 * context: their cookies, form parsing, headers and error pages touch no
 * other route of the server.
 */
export async function registerCabinet(app: FastifyInstance, deps: CabinetDeps): Promise<CabinetContext> {
  const now = deps.now ?? (() => new Date());
  const log = deps.log ?? ((line: string) => app.log.info(line));
  const configured = deps.mailer ?? (process.env.CANTEEN_SMTP_URL ? smtpFromUrl(process.env.CANTEEN_SMTP_URL) : undefined);
  const mailer = configured ?? NO_MAILER;
  // Behind a load balancer a form rendered by one process is posted to another: one key for all.
  const secret = deps.secret ?? (await sharedSecret(deps.db, SECRET.csrf)).toString('base64url');
  const gateway = deps.gateway ?? null;
  const publicUrl = deps.publicUrl?.replace(/\/+$/, '') ?? process.env.CANTEEN_PUBLIC_URL?.replace(/\/+$/, '');
  const https = publicUrl?.startsWith('https://') ?? false;
  const onSettled = autoTopUpHook(deps.db, mailer, () => publicUrl ?? '', now);
  const ctx: CabinetContext = {
    db: deps.db, reads: readRouter(deps.db, deps.replica), gateway, bindings: !!gateway && 'bindingsEnabled' in gateway && gateway.bindingsEnabled === true,
    mailer, mailAvailable: configured !== undefined, secret, now,
    secureCookies: deps.secureCookies ?? https, https, publicUrl,
    loginPerMinute: deps.loginPerMinute ?? 30,
    ...(deps.delay ? { delay: deps.delay } : {}),
    // Also the meal-order letters (orders/notify.ts): one per account and day whose balance won't cover the order.
    checkLowBalances: async () => (configured ? await checkLowBalances(deps.db, configured, now(), publicUrl ?? '') + await notifyOrderShortfalls(deps.db, configured, now(), publicUrl ?? '') : 0),
    settle: (id) => (gateway ? settlePayment(deps.db, gateway, id, now(), onSettled) : Promise.resolve({ kind: 'refused', reason: 'оплата картой не настроена' })),
    pollPayments: () => (gateway ? pollPayments(deps.db, gateway, now(), { onSettled }) : Promise.resolve({ checked: 0, outcomes: [] })),
    runAutoTopUps: () => (gateway ? runAutoTopUps(deps.db, gateway, now(), { baseUrl: publicUrl ?? 'http://127.0.0.1', onSettled }) : Promise.resolve({ charged: [] })),
    baseUrlFor(host, protocol) {
      if (publicUrl) return publicUrl;
      if (host && LOCAL_HOST.test(host)) return `${protocol}://${host}`;
      return null;
    },
  };

  await app.register(async (cab) => {
    await cab.register(cookie);
    await cab.register(formbody, { bodyLimit: 16 * 1024 });
    // Gateway notices are verified over their exact bytes: keep JSON bodies raw here.
    cab.removeContentTypeParser('application/json');
    cab.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) => done(null, body));
    const formTargets = gateway?.origin ? [gateway.origin] : [];
    cab.addHook('onRequest', async (_req, reply) => { securityHeaders(reply, formTargets, https); });
    if (deps.replica) {
      // A form (or a payment's return) wrote on the primary: this browser reads from it until the replica has caught up.
      cab.addHook('onSend', async (req, reply, payload) => {
        if ((req.method === 'POST' || req.url.startsWith('/cabinet/topup/return')) && reply.statusCode < 500) await ctx.reads.stampWrite(reply, ctx.secureCookies);
        return payload;
      });
    }
    cab.setErrorHandler((err, req, reply) => {
      const e = err as { statusCode?: number; message?: string };
      if (e.statusCode === 429) return sendHtml(reply, messagePage('Слишком много попыток', 'Слишком много запросов с вашего адреса. Подождите минуту и попробуйте снова.'), 429);
      if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
        return sendHtml(reply, messagePage('Неверный запрос', 'Запрос не принят. Вернитесь на предыдущую страницу и попробуйте ещё раз.'), e.statusCode);
      }
      req.log.error(err);
      return sendHtml(reply, messagePage('Ошибка', 'Внутренняя ошибка сервера. Попробуйте позже.'), 500);
    });
    cab.setNotFoundHandler((_req, reply) => sendHtml(reply, messagePage('Страница не найдена', 'Такой страницы в личном кабинете нет.'), 404));

    cab.get('/assets/cabinet.css', async (_req, reply) =>
      reply.header('content-type', 'text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(CSS));
    registerAuthRoutes(cab, ctx);
    registerAccountRoutes(cab, ctx);
    registerDietRoutes(cab, ctx);
    registerOrderRoutes(cab, ctx);
    registerPaymentRoutes(cab, ctx);
    registerAutoTopUpRoutes(cab, ctx);
  }, { prefix: '/cabinet' });

  if (gateway instanceof TestGateway) await registerTestGatewayPage(app, gateway, ctx);

  let timer: NodeJS.Timeout | null = null;
  const interval = deps.lowBalanceIntervalMs ?? 60_000;
  if (interval > 0 && configured) {
    timer = setInterval(() => { ctx.checkLowBalances().catch((err: unknown) => log(`проверка низкого остатка не удалась: ${(err as Error).message}`)); }, interval);
    timer.unref();
  }
  let pollTimer: NodeJS.Timeout | null = null;
  const pollMs = deps.paymentPollMs ?? 15_000;
  if (gateway && pollMs > 0) {
    let running = false;
    pollTimer = setInterval(() => {
      if (running) return;
      running = true;
      ctx.pollPayments().then(() => (ctx.bindings ? ctx.runAutoTopUps() : undefined))
        .catch((err: unknown) => log(`опрос банка о платежах не удался: ${(err as Error).message}`))
        .finally(() => { running = false; });
    }, pollMs);
    pollTimer.unref();
  }
  app.decorate('cabinet', ctx);
  app.addHook('onClose', async () => { if (timer) clearInterval(timer); if (pollTimer) clearInterval(pollTimer); (mailer as Mailer).close?.(); });
  return ctx;
}

/** The test bank's page: its own form token so another site cannot press "Оплатить" for the parent. */
async function registerTestGatewayPage(app: FastifyInstance, gateway: TestGateway, ctx: CabinetContext): Promise<void> {
  gateway.deliver ??= async (url, body, headers) => {
    // In-process "network": the notice still goes through routing, the raw-body parser and the signature check.
    const res = await app.inject({ method: 'POST', url: new URL(url, 'http://local').pathname, headers, payload: body });
    return { status: res.statusCode, body: res.body };
  };
  await app.register(async (tg) => {
    await tg.register(formbody, { bodyLimit: 16 * 1024 });
    tg.addHook('onRequest', async (_req, reply) => { securityHeaders(reply, [], ctx.https); });
    tg.get<{ Params: { id: string } }>('/pay/:id', async (req, reply) => {
      const order = gateway.order(req.params.id);
      if (!order) return sendHtml(reply, messagePage('Платёж не найден', 'Ссылка на оплату неверна или устарела.'), 404);
      return sendHtml(reply, testGatewayPage({
        externalId: order.externalId, amount: order.amount, description: order.description, token: formToken(ctx.secret, 'test-gateway', order.externalId), state: order.state,
      }));
    });
    tg.post<{ Params: { id: string }; Body: Record<string, string> }>('/pay/:id', async (req, reply) => {
      const order = gateway.order(req.params.id);
      if (!order || !formTokenValid(ctx.secret, 'test-gateway', req.params.id, req.body?.token)) {
        return sendHtml(reply, messagePage('Платёж не найден', 'Ссылка на оплату неверна или устарела.'), 404);
      }
      const { returnUrl } = await gateway.complete(order.externalId, req.body.action === 'cancel' ? 'failed' : 'paid');
      const u = new URL(returnUrl, 'http://local');
      return seeOther(reply, u.pathname + u.search);
    });
  }, { prefix: '/test-gateway' });
}

declare module 'fastify' {
  interface FastifyInstance { cabinet: CabinetContext }
}
