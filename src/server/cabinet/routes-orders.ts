import type { FastifyInstance } from 'fastify';
import { logEvent } from './auth.js';
import type { CabinetContext } from './index.js';
import { authed } from './guard.js';
import { formField, queryField, sendHtml, seeOther } from './web.js';
import { orderPlan, setPreOrder } from '../orders/pre-orders.js';
import { shortfallOf } from '../orders/notify.js';
import { ordersPage } from '../../cabinet/orders-views.js';
import { accountQuery } from '../../cabinet/views.js';
import { isValidDay, ruDay } from '../../core/period.js';

/** «Заказ питания» (docs/orders.md): the parent's pre-orders, one form per day. */
export function registerOrderRoutes(cab: FastifyInstance, ctx: CabinetContext): void {
  cab.get('/orders', async (req, reply) => {
    const a = await authed(req, reply, ctx);
    if (!a) return reply;
    const now = ctx.now();
    const plan = await orderPlan(ctx.db, a.account.accountNumber, now);
    if (!plan) return seeOther(reply, '/cabinet/');
    const d = queryField(req, 'saved');
    const message = d && isValidDay(d) ? `Заказ на ${ruDay(d)} сохранён.` : undefined;
    const shortBy = await shortfallOf(ctx.db, a.account.accountNumber, now);
    return sendHtml(reply, ordersPage({ csrf: a.csrf, account: a.account, plan, message, shortBy }));
  });

  cab.post('/orders', async (req, reply) => {
    const a = await authed(req, reply, ctx);
    if (!a) return reply;
    const now = ctx.now();
    const acc = a.account.accountNumber;
    const day = formField(req, 'day');
    const plan = await orderPlan(ctx.db, acc, now);
    if (!plan) return seeOther(reply, '/cabinet/');
    const target = plan.days.find((x) => x.day === day);
    const problems: string[] = [];
    if (!target) problems.push(isValidDay(day) ? `На ${ruDay(day)} заказ не принимается` : 'Не указан день заказа');
    const changes: { sittingId: string; mealSetId: string | null; cancel: boolean }[] = [];
    for (const s of target?.sittings ?? []) {
      const v = formField(req, `s_${s.sittingId}`).slice(0, 100);
      const want = v === '' ? undefined : v === 'none' ? null : v;
      const have = s.entitled && s.chosen === s.entitled.mealSet.id ? undefined : s.chosen;
      if (want === have) continue;
      changes.push({ sittingId: s.sittingId, mealSetId: want ?? null, cancel: want === undefined });
    }
    for (const c of changes) {
      const res = await setPreOrder(ctx.db, acc, { day, ...c }, now);
      if (!res.ok) problems.push(res.message);
    }
    if (changes.length) await logEvent(ctx.db, { accountNumber: acc, kind: 'preOrder', ip: req.ip, details: { day, changes } });
    if (problems.length) {
      const fresh = (await orderPlan(ctx.db, acc, now))!;
      return sendHtml(reply, ordersPage({ csrf: a.csrf, account: a.account, plan: fresh, problems, shortBy: await shortfallOf(ctx.db, acc, now) }), 400);
    }
    return seeOther(reply, `/cabinet/orders?saved=${day}${accountQuery(a.account, '&')}#day-${day}`);
  });
}
