import type { FastifyInstance } from 'fastify';
import { parseMoney, MoneyFormatError } from '../../core/money.js';
import { logEvent } from './auth.js';
import type { CabinetContext } from './index.js';
import { authed, type Authed } from './guard.js';
import { formField, sendHtml, seeOther, queryField } from './web.js';
import { TOP_UP_MAX, TOP_UP_MIN } from './payments.js';
import { autoTopUpOf, disableAutoTopUp, saveAutoTopUp, savedCards } from '../payments/auto-topup.js';
import { messagePage } from '../../cabinet/views.js';
import { autoTopUpPage } from '../../cabinet/money-views.js';

/** /cabinet/autopay: the parent turns auto top-up on (card, amount, threshold), off, or back on after a refusal. */
export function registerAutoTopUpRoutes(cab: FastifyInstance, ctx: CabinetContext): void {
  const view = async (a: Authed) => {
    const [cards, s] = await Promise.all([savedCards(ctx.db, a.account.accountNumber), autoTopUpOf(ctx.db, a.account.accountNumber)]);
    return { cards: cards.map((c) => ({ bindingId: c.bindingId, cardMask: c.cardMask })), settings: s };
  };
  const unavailable = (a: Authed) => messagePage('Автопополнение', 'Автопополнение недоступно: оплата картой с сохранением карты на этом сервере не настроена.', a.account, a.csrf);
  const MESSAGES: Record<string, string> = { saved: 'Автопополнение включено.', off: 'Автопополнение выключено.' };

  cab.get('/autopay', async (req, reply) => {
    const a = await authed(req, reply, ctx);
    if (!a) return reply;
    if (!ctx.bindings) return sendHtml(reply, unavailable(a));
    return sendHtml(reply, autoTopUpPage({ csrf: a.csrf, account: a.account, view: await view(a), message: MESSAGES[queryField(req, 'm') ?? ''] }));
  });

  cab.post('/autopay', async (req, reply) => {
    const a = await authed(req, reply, ctx);
    if (!a) return reply;
    if (!ctx.bindings) return sendHtml(reply, unavailable(a), 404);
    const accountNumber = a.account.accountNumber;
    if (formField(req, 'action') === 'off') {
      await disableAutoTopUp(ctx.db, accountNumber, ctx.now());
      await logEvent(ctx.db, { accountNumber, kind: 'autoTopUpOff', ip: req.ip });
      return seeOther(reply, '/cabinet/autopay?m=off');
    }
    const amountText = formField(req, 'amount').slice(0, 20);
    const thresholdText = formField(req, 'threshold').slice(0, 20);
    const fail = async (error: string) => sendHtml(reply, autoTopUpPage({ csrf: a.csrf, account: a.account, view: await view(a), error, amount: amountText, threshold: thresholdText }), 400);
    let amount: number;
    let threshold: number;
    try {
      amount = parseMoney(amountText);
      threshold = parseMoney(thresholdText);
    } catch (err) {
      if (!(err instanceof MoneyFormatError)) throw err;
      return fail('Неверная сумма: например, 500 или 500,00');
    }
    if (amount < TOP_UP_MIN || amount > TOP_UP_MAX) return fail('Сумма пополнения должна быть от 1,00 до 15 000,00 руб.');
    if (threshold <= 0 || threshold > TOP_UP_MAX) return fail('Порог должен быть от 0,01 до 15 000,00 руб.');
    if (!(await saveAutoTopUp(ctx.db, accountNumber, { amount, threshold, bindingId: formField(req, 'card') }, ctx.now()))) {
      return fail('Выберите сохранённую карту из списка');
    }
    await logEvent(ctx.db, { accountNumber, kind: 'autoTopUpOn', ip: req.ip, details: { amount, threshold } });
    return seeOther(reply, '/cabinet/autopay?m=saved');
  });
}
