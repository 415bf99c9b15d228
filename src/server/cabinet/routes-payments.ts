import type { FastifyInstance } from 'fastify';
import { formatDateTime } from '../../core/datetime.js';
import { parseMoney, MoneyFormatError } from '../../core/money.js';
import { logEvent } from './auth.js';
import { applyNotice, paymentOf, recentPayments, startTopUp, TOP_UP_MAX, TOP_UP_MIN } from './payments.js';
import type { CabinetContext } from './index.js';
import { authed } from './guard.js';
import { formField, queryField, sendHtml, seeOther } from './web.js';
import { topUpPage, topUpReturnPage } from '../../cabinet/views.js';

export function registerPaymentRoutes(cab: FastifyInstance, ctx: CabinetContext): void {
  const page = async (a: NonNullable<Awaited<ReturnType<typeof authed>>>, extra: { error?: string; amount?: string } = {}) =>
    topUpPage({
      csrf: a.csrf, account: a.account, gatewayTitle: ctx.gateway.title, ...extra,
      payments: await recentPayments(ctx.db, a.account.accountNumber), when: (iso) => formatDateTime(iso, a.account.timeZone),
    });

  cab.get('/topup', async (req, reply) => {
    const a = await authed(req, reply, ctx);
    if (!a) return reply;
    return sendHtml(reply, await page(a));
  });

  cab.post('/topup', async (req, reply) => {
    const a = await authed(req, reply, ctx);
    if (!a) return reply;
    const text = formField(req, 'amount').slice(0, 20);
    let amount: number;
    try {
      amount = parseMoney(text);
    } catch (err) {
      if (!(err instanceof MoneyFormatError)) throw err;
      return sendHtml(reply, await page(a, { error: 'Неверная сумма: например, 500 или 500,00', amount: '' }), 400);
    }
    if (amount < TOP_UP_MIN || amount > TOP_UP_MAX) {
      return sendHtml(reply, await page(a, { error: 'Сумма должна быть от 1,00 до 15 000,00 руб.', amount: '' }), 400);
    }
    const base = ctx.baseUrlFor(req.headers.host, req.protocol) ?? `${req.protocol}://${req.headers.host ?? 'localhost'}`;
    const { redirectUrl } = await startTopUp(ctx.db, ctx.gateway, { accountNumber: a.account.accountNumber, amount, baseUrl: base, now: ctx.now() });
    await logEvent(ctx.db, { accountNumber: a.account.accountNumber, kind: 'topUpStarted', ip: req.ip, details: { amount } });
    if (/^https?:\/\//.test(redirectUrl)) {
      return reply.status(303).header('location', redirectUrl).header('cache-control', 'no-store').send();
    }
    return seeOther(reply, redirectUrl);
  });

  cab.get('/topup/return', async (req, reply) => {
    const a = await authed(req, reply, ctx);
    if (!a) return reply;
    // Only the session's own payments: another account's payment id shows "not found".
    const p = await paymentOf(ctx.db, queryField(req, 'payment') ?? '', a.account.accountNumber);
    return sendHtml(reply, topUpReturnPage({ csrf: a.csrf, account: a.account, payment: p }), p ? 200 : 404);
  });

  /** Server-to-server notice from the gateway: no cookies, no CSRF; the signature is the authentication. */
  cab.post<{ Params: { provider: string } }>('/payments/callback/:provider', async (req, reply) => {
    if (req.params.provider !== ctx.gateway.id) return reply.status(404).send({ error: { code: 'NOT_FOUND', message: 'Неизвестный платёжный шлюз' } });
    const raw = typeof req.body === 'string' ? req.body : '';
    const verified = ctx.gateway.verifyCallback(raw, req.headers);
    if (!verified.ok) {
      await logEvent(ctx.db, { kind: 'paymentNoticeRefused', ip: req.ip, ok: false, details: { reason: verified.reason } });
      return reply.status(400).send({ error: { code: 'BAD_SIGNATURE', message: `Уведомление отклонено: ${verified.reason}` } });
    }
    const out = await applyNotice(ctx.db, ctx.gateway.id, verified.notice, ctx.now());
    if (out.kind === 'refused') {
      await logEvent(ctx.db, { kind: 'paymentNoticeRefused', ip: req.ip, ok: false, details: { reason: out.reason, orderId: verified.notice.orderId } });
      return reply.status(409).send({ error: { code: 'CONFLICT', message: `Уведомление отклонено: ${out.reason}` } });
    }
    return reply.send({ ok: true, result: out.kind });
  });
}
