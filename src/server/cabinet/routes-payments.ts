import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { formatDateTime } from '../../core/datetime.js';
import { parseMoney, MoneyFormatError } from '../../core/money.js';
import { logEvent } from './auth.js';
import { paymentOf, recentPayments, startTopUp, TOP_UP_MAX, TOP_UP_MIN } from './payments.js';
import type { CabinetContext } from './index.js';
import { authed } from './guard.js';
import { formField, queryField, sendHtml, seeOther } from './web.js';
import { GatewayRefused, GatewayUnavailable, type PaymentGateway } from './gateway.js';
import { amountMismatch, flagAmountMismatch, loadPayment, sourceOf } from '../payments/settle.js';
import { topUpPage, topUpReturnPage, topUpUnavailablePage } from '../../cabinet/money-views.js';

export function registerPaymentRoutes(cab: FastifyInstance, ctx: CabinetContext): void {
  const page = async (a: NonNullable<Awaited<ReturnType<typeof authed>>>, gateway: PaymentGateway, extra: { error?: string; amount?: string } = {}) =>
    topUpPage({
      csrf: a.csrf, account: a.account, gatewayTitle: gateway.title, ...extra,
      payments: await recentPayments(ctx.db, a.account.accountNumber), when: (iso) => formatDateTime(iso, a.account.timeZone),
    });

  cab.get('/topup', async (req, reply) => {
    const a = await authed(req, reply, ctx);
    if (!a) return reply;
    if (!ctx.gateway) return sendHtml(reply, topUpUnavailablePage({ csrf: a.csrf, account: a.account }));
    return sendHtml(reply, await page(a, ctx.gateway));
  });

  cab.post('/topup', async (req, reply) => {
    const a = await authed(req, reply, ctx);
    if (!a) return reply;
    const gateway = ctx.gateway;
    if (!gateway) return sendHtml(reply, topUpUnavailablePage({ csrf: a.csrf, account: a.account }), 404);
    const text = formField(req, 'amount').slice(0, 20);
    let amount: number;
    try {
      amount = parseMoney(text);
    } catch (err) {
      if (!(err instanceof MoneyFormatError)) throw err;
      return sendHtml(reply, await page(a, gateway, { error: 'Неверная сумма: например, 500 или 500,00', amount: '' }), 400);
    }
    if (amount < TOP_UP_MIN || amount > TOP_UP_MAX) {
      return sendHtml(reply, await page(a, gateway, { error: 'Сумма должна быть от 1,00 до 15 000,00 руб.', amount: '' }), 400);
    }
    const base = ctx.baseUrlFor(req.headers.host, req.protocol) ?? `${req.protocol}://${req.headers.host ?? 'localhost'}`;
    let redirectUrl: string;
    try {
      ({ redirectUrl } = await startTopUp(ctx.db, gateway, {
        accountNumber: a.account.accountNumber, amount, baseUrl: base, now: ctx.now(), email: a.account.email,
        // The bank offers to save the card for this client on its page (the payer decides there).
        clientId: ctx.bindings ? a.account.accountNumber : null,
      }));
    } catch (err) {
      if (!(err instanceof GatewayUnavailable || err instanceof GatewayRefused)) throw err;
      await logEvent(ctx.db, { accountNumber: a.account.accountNumber, kind: 'topUpRefused', ip: req.ip, ok: false, details: { amount, reason: err.message } });
      const why = err instanceof GatewayUnavailable ? 'Банк сейчас не отвечает.' : 'Банк не принял заказ.';
      return sendHtml(reply, await page(a, gateway, { error: `${why} Деньги не списаны, попробуйте ещё раз через несколько минут.`, amount: text }), 502);
    }
    await logEvent(ctx.db, { accountNumber: a.account.accountNumber, kind: 'topUpStarted', ip: req.ip, details: { amount } });
    if (/^https?:\/\//.test(redirectUrl)) {
      return reply.status(303).header('location', redirectUrl).header('cache-control', 'no-store').send();
    }
    return seeOther(reply, redirectUrl);
  });

  cab.get('/topup/return', async (req, reply) => {
    const a = await authed(req, reply, ctx);
    if (!a) return reply;
    // Only the payments of the session's family: another account's payment id shows "not found".
    const find = async (id: string) => {
      for (const m of a.account.family) {
        const found = await paymentOf(ctx.db, id, m.accountNumber);
        if (found) return found;
      }
      return null;
    };
    let p = await find(queryField(req, 'payment') ?? '');
    if (p && p.status === 'pending' && ctx.gateway && p.source === sourceOf(ctx.gateway)) {
      // The parent is back: ask the bank now rather than wait for its callback (credited once whoever asks first).
      const out = await ctx.settle(p.id);
      if (out.kind !== 'pending' && out.kind !== 'retry') p = await find(p.id);
    }
    return sendHtml(reply, topUpReturnPage({ csrf: a.csrf, account: a.account, payment: p }), p ? 200 : 404);
  });

  /**
   * Server-to-server notice from the gateway (GET or POST): no cookies, no CSRF;
   * its signature or checksum authenticates it, and even then it only makes us
   * ask the gateway (settlePayment) before anything is credited.
   */
  const callback = async (req: FastifyRequest<{ Params: { provider: string } }>, reply: FastifyReply) => {
    const gateway = ctx.gateway;
    if (!gateway || req.params.provider !== gateway.id) return reply.status(404).send({ error: { code: 'NOT_FOUND', message: 'Неизвестный платёжный шлюз' } });
    const refuse = async (status: number, code: string, reason: string, details: Record<string, unknown> = {}) => {
      await logEvent(ctx.db, { kind: 'paymentNoticeRefused', ip: req.ip, ok: false, details: { reason, ...details } });
      return reply.status(status).send({ error: { code, message: `Уведомление отклонено: ${reason}` } });
    };
    const verified = gateway.verifyCallback({ rawBody: typeof req.body === 'string' ? req.body : '', params: callbackParams(req), headers: req.headers });
    if (!verified.ok) return refuse(400, 'BAD_SIGNATURE', verified.reason);
    const n = verified.notice;
    const p = await loadPayment(ctx.db, n.orderId);
    if (!p || p.source !== sourceOf(gateway)) return refuse(409, 'CONFLICT', 'неизвестный заказ', { orderId: n.orderId });
    if (p.externalId && p.externalId !== n.externalId) return refuse(409, 'CONFLICT', 'номер заказа банка не совпадает с нашим', { orderId: n.orderId });
    if (n.amount !== null && n.amount !== p.amount) {
      await flagAmountMismatch(ctx.db, p, n.amount, 'уведомление банка');
      return refuse(409, 'CONFLICT', amountMismatch(n.amount, p.amount), { orderId: n.orderId });
    }
    const out = await ctx.settle(p.id);
    if (out.kind === 'refused') return refuse(409, 'CONFLICT', out.reason, { orderId: n.orderId });
    // The bank could not be asked: answer an error so the bank repeats the notice (the poller asks too).
    if (out.kind === 'retry') return reply.status(503).send({ error: { code: 'UNAVAILABLE', message: 'Не удалось проверить платёж в банке, повторите позже' } });
    return reply.send({ ok: true, result: out.kind });
  };
  cab.get('/payments/callback/:provider', callback);
  cab.post('/payments/callback/:provider', callback);
}

/** Query and form fields of a callback, text only (Sberbank sends GET, or POST form-encoded). */
function callbackParams(req: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const src of [req.query, typeof req.body === 'object' ? req.body : null]) {
    if (!src || typeof src !== 'object') continue;
    for (const [k, v] of Object.entries(src as Record<string, unknown>)) if (typeof v === 'string') out[k] = v;
  }
  return out;
}
