import type { FastifyInstance, FastifyRequest } from 'fastify';
import { logEvent } from './auth.js';
import type { CabinetContext } from './index.js';
import { authed } from './guard.js';
import { queryField, sendHtml, seeOther } from './web.js';
import { loadDiet, setAllergies, setBans } from './diet.js';
import { dietPage } from '../../cabinet/diet-views.js';
import { accountQuery } from '../../cabinet/views.js';

const MESSAGES: Record<string, string> = {
  allergies: 'Аллергии сохранены. Кассы школы учтут их после ближайшей синхронизации.',
  bans: 'Запреты сохранены. Кассы школы учтут их после ближайшей синхронизации.',
};

/** Every value of a repeated form field (checkboxes), at most 500. */
function formList(req: FastifyRequest, name: string): string[] {
  const v = (req.body as Record<string, unknown> | undefined)?.[name];
  const list = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return list.filter((x): x is string => typeof x === 'string').slice(0, 500).map((x) => x.slice(0, 100));
}

/** "Аллергии и запреты": the parent's allergies and bans for the pupil (server-rendered, no script). */
export function registerDietRoutes(cab: FastifyInstance, ctx: CabinetContext): void {
  cab.get('/diet', async (req, reply) => {
    const a = await authed(req, reply, ctx);
    if (!a) return reply;
    const diet = await loadDiet(ctx.db, a.account.accountNumber);
    if (!diet) return seeOther(reply, '/cabinet/');
    const m = queryField(req, 'm');
    return sendHtml(reply, dietPage({ csrf: a.csrf, account: a.account, diet, message: m ? MESSAGES[m] : undefined }));
  });

  cab.post('/diet/allergies', async (req, reply) => {
    const a = await authed(req, reply, ctx);
    if (!a) return reply;
    const ids = formList(req, 'allergen');
    await setAllergies(ctx.db, a.account.accountNumber, ids);
    await logEvent(ctx.db, { accountNumber: a.account.accountNumber, kind: 'allergies', ip: req.ip, details: { allergies: ids } });
    return seeOther(reply, `/cabinet/diet?m=allergies${accountQuery(a.account, '&')}`);
  });

  cab.post('/diet/bans', async (req, reply) => {
    const a = await authed(req, reply, ctx);
    if (!a) return reply;
    const items = formList(req, 'item');
    const categories = formList(req, 'category');
    const res = await setBans(ctx.db, a.account.accountNumber, items, categories);
    if (!res.ok) {
      const diet = await loadDiet(ctx.db, a.account.accountNumber);
      if (!diet) return seeOther(reply, '/cabinet/');
      return sendHtml(reply, dietPage({ csrf: a.csrf, account: a.account, diet, problems: ['Таких блюд или категорий нет в меню школы; запреты не изменены'] }), 400);
    }
    await logEvent(ctx.db, { accountNumber: a.account.accountNumber, kind: 'bans', ip: req.ip, details: { items, categories } });
    return seeOther(reply, `/cabinet/diet?m=bans${accountQuery(a.account, '&')}`);
  });
}
