import type { FastifyInstance, FastifyReply } from 'fastify';
import { eq } from 'drizzle-orm';
import { parseMoney, MoneyFormatError } from '../../core/money.js';
import { accounts } from '../db/schema.js';
import { BAD_LOGIN, EMAIL_RE, logEvent } from './auth.js';
import { verifyPassword } from './passwords.js';
import { clearFailures, humanWait, lockedFor, POLICIES, recordFailure } from './throttle.js';
import { addDays, resolvePeriod } from '../../core/period.js';
import { buildStatement } from './statement.js';
import { cardsOf, reportLostCard, setDailyLimit, setLowBalanceThreshold, upsertProfile } from './controls.js';
import type { CabinetContext } from './index.js';
import { authed, type Authed } from './guard.js';
import { formField, queryField, sendHtml, seeOther } from './web.js';
import { controlsPage, homePage, profilePage, type HomeChild } from '../../cabinet/views.js';
import { statementPage, type StatementQuery } from '../../cabinet/money-views.js';
import { loadAccount } from './account.js';
import { linkChild, MAX_FAMILY, unlinkChild } from './family.js';
import { schoolDay } from '../../core/datetime.js';
import { statementPdf, PdfFontMissing } from '../../cabinet/pdf.js';
import { shortfallOf } from '../orders/notify.js';

const PROFILE_MESSAGES: Record<string, string> = {
  welcome: 'Постоянный пароль установлен. Добро пожаловать в личный кабинет!',
  linked: 'Ребёнок добавлен в кабинет: его счёт теперь виден после входа.',
  unlinked: 'Счёт убран из кабинета.',
  email: 'Адрес эл. почты сохранён.',
  'email-removed': 'Адрес эл. почты удалён.',
};
const CONTROL_MESSAGES: Record<string, string> = {
  lost: 'Карта заблокирована как утерянная. Кассы перестанут её принимать после ближайшей синхронизации.',
  'already-lost': 'Эта карта уже отмечена как утерянная.',
  limit: 'Дневной лимит сохранён.',
  'limit-off': 'Дневной лимит снят.',
  threshold: 'Порог уведомления сохранён.',
  'threshold-off': 'Уведомление о низком остатке отключено.',
};

/** Amount typed by a parent: empty = none; otherwise 0,01 … 100 000,00 ₽. */
function optionalAmount(text: string): { ok: true; value: number | null } | { ok: false } {
  const t = text.trim();
  if (t === '') return { ok: true, value: null };
  try {
    const v = parseMoney(t);
    return v > 0 && v <= 10_000_000 ? { ok: true, value: v } : { ok: false };
  } catch (err) {
    if (err instanceof MoneyFormatError) return { ok: false };
    throw err;
  }
}

export function registerAccountRoutes(cab: FastifyInstance, ctx: CabinetContext): void {
  // Linking a child checks a password: the same coarse per-IP request limit as login, before any argon2 work.
  const limited = { config: { rateLimit: { max: ctx.loginPerMinute, timeWindow: '1 minute' } } };
  /** The "card and limits" page with the pupil's cards, a notice or problems, as every controls route answers. */
  const sendControls = async (reply: FastifyReply, a: Authed, extra: { message?: string; problems?: string[] }, status?: number) =>
    sendHtml(reply, controlsPage({ csrf: a.csrf, account: a.account, cards: await cardsOf(ctx.db, a.account.accountNumber), ...extra }), status);

  /** The first page after login: each child's meals of today and yesterday, from the same query as the statement. */
  cab.get('/', async (req, reply) => {
    const a = await authed(req, reply, ctx, { own: true });
    if (!a) return reply;
    const now = ctx.now();
    const children: HomeChild[] = [];
    const reads = await ctx.reads.readDb(req);
    for (const m of a.account.family) {
      const acc = m.accountNumber === a.account.accountNumber ? a.account : await loadAccount(reads, m.accountNumber);
      if (!acc) continue;
      const today = schoolDay(now, acc.timeZone);
      const yesterday = addDays(today, -1);
      const res = resolvePeriod({ from: yesterday, to: today }, acc.timeZone, now);
      if (!res.ok) continue;
      const st = await buildStatement(reads, acc, res.period, true);
      const meals = st.lines.filter((l) => l.kind === 'sale' || l.kind === 'refund');
      const on = (day: string) => meals.filter((l) => schoolDay(new Date(l.at), acc.timeZone) === day);
      children.push({ member: m, shortBy: await shortfallOf(reads, m.accountNumber, now), days: [{ label: 'Сегодня', day: today, lines: on(today) }, { label: 'Вчера', day: yesterday, lines: on(yesterday) }] });
    }
    const msg = queryField(req, 'm');
    return sendHtml(reply, homePage({ csrf: a.csrf, account: a.account, children, message: msg ? PROFILE_MESSAGES[msg] : undefined }));
  });

  cab.get('/profile', async (req, reply) => {
    const a = await authed(req, reply, ctx);
    if (!a) return reply;
    const m = queryField(req, 'm');
    return sendHtml(reply, profilePage({ csrf: a.csrf, account: a.account, message: m ? PROFILE_MESSAGES[m] : undefined }));
  });

  cab.post('/profile/email', async (req, reply) => {
    const a = await authed(req, reply, ctx, { own: true });
    if (!a) return reply;
    const email = formField(req, 'email').trim();
    const fail = (problems: string[], status = 400) =>
      sendHtml(reply, profilePage({ csrf: a.csrf, account: a.account, problems, editEmail: true }), status);
    if (email !== '' && (email.length > 254 || !EMAIL_RE.test(email))) return fail(['Неверный адрес эл. почты']);
    // The current password guards the recovery address: a borrowed session cannot take the account over.
    const key = `acct:${a.account.accountNumber}`;
    const wait = await lockedFor(ctx.db, [key], ctx.now());
    if (wait > 0) return fail([`Слишком много неудачных попыток. Повторите через ${humanWait(wait)}.`], 429);
    const [acc] = await ctx.db.select({ hash: accounts.permanentPasswordHash }).from(accounts).where(eq(accounts.accountNumber, a.account.accountNumber));
    if (!(await verifyPassword(acc?.hash, formField(req, 'current')))) {
      await recordFailure(ctx.db, key, POLICIES.account, ctx.now());
      return fail(['Текущий пароль введён неверно']);
    }
    await clearFailures(ctx.db, key);
    await upsertProfile(ctx.db, a.account.accountNumber, { email: email || null });
    await logEvent(ctx.db, { accountNumber: a.account.accountNumber, kind: 'emailChanged', ip: req.ip });
    return seeOther(reply, `/cabinet/profile?m=${email ? 'email' : 'email-removed'}`);
  });

  cab.post('/family/link', limited, async (req, reply) => {
    const a = await authed(req, reply, ctx, { own: true });
    if (!a) return reply;
    const child = formField(req, 'child').replace(/\s/g, '').slice(0, 20);
    const fail = (problems: string[], status: number) =>
      sendHtml(reply, profilePage({ csrf: a.csrf, account: a.account, problems, linkAccount: /^\d{0,14}$/.test(child) ? child : '' }), status);
    const res = await linkChild(ctx.db, { login: a.account.accountNumber, accountNumber: child, password: formField(req, 'password'), ip: req.ip, now: ctx.now() });
    switch (res.kind) {
      case 'linked': return seeOther(reply, '/cabinet/profile?m=linked#family');
      case 'bad': return fail([BAD_LOGIN], 401);
      case 'locked': return fail([`Слишком много неудачных попыток. Повторите через ${humanWait(res.seconds)}.`], 429);
      case 'self': return fail(['Это счёт, с которым вы вошли: он уже в кабинете'], 400);
      case 'already': return fail(['Этот счёт уже добавлен в кабинет'], 400);
      case 'full': return fail([`В одном кабинете не больше ${MAX_FAMILY} счетов`], 400);
    }
  });

  cab.post('/family/unlink', async (req, reply) => {
    const a = await authed(req, reply, ctx, { own: true });
    if (!a) return reply;
    const child = formField(req, 'child').slice(0, 20);
    if (!(await unlinkChild(ctx.db, { login: a.account.accountNumber, accountNumber: child, ip: req.ip }))) {
      return sendHtml(reply, profilePage({ csrf: a.csrf, account: a.account, problems: ['Такого счёта в вашем кабинете нет. Ничего не изменено.'] }), 404);
    }
    return seeOther(reply, '/cabinet/profile?m=unlinked#family');
  });

  const statementQuery = (q: Record<string, unknown>, from: string, to: string): StatementQuery => {
    const bare = Object.keys(q).length === 0;
    return { from, to, range: typeof q.range === 'string' ? q.range : bare ? '30d' : undefined, details: bare || q.details === '1' };
  };

  cab.get('/statement', async (req, reply) => {
    const a = await authed(req, reply, ctx);
    if (!a) return reply;
    const q = (req.query ?? {}) as Record<string, unknown>;
    const bare = Object.keys(q).length === 0;
    const res = resolvePeriod(bare ? { range: '30d' } : q, a.account.timeZone, ctx.now());
    if (!res.ok) {
      const fallback = resolvePeriod({ range: '30d' }, a.account.timeZone, ctx.now());
      const p = fallback.ok ? fallback.period : { from: '', to: '' };
      return sendHtml(reply, statementPage({ csrf: a.csrf, account: a.account, query: { ...statementQuery(q, p.from, p.to), range: undefined }, error: res.message }), 400);
    }
    const query = statementQuery(q, res.period.from, res.period.to);
    const statement = await buildStatement(await ctx.reads.readDb(req), a.account, res.period, query.details);
    return sendHtml(reply, statementPage({ csrf: a.csrf, account: a.account, query, statement }));
  });

  cab.get('/statement.pdf', async (req, reply) => {
    const a = await authed(req, reply, ctx);
    if (!a) return reply;
    const q = (req.query ?? {}) as Record<string, unknown>;
    const res = resolvePeriod(q, a.account.timeZone, ctx.now());
    if (!res.ok) return sendHtml(reply, statementPage({ csrf: a.csrf, account: a.account, query: { from: '', to: '', details: false }, error: res.message }), 400);
    const statement = await buildStatement(await ctx.reads.readDb(req), a.account, res.period, q.details === '1');
    try {
      const pdf = await statementPdf(statement);
      return reply.header('content-type', 'application/pdf').header('cache-control', 'no-store')
        .header('content-disposition', `attachment; filename="statement-${a.account.accountNumber}-${res.period.from}-${res.period.to}.pdf"`)
        .send(pdf);
    } catch (err) {
      if (err instanceof PdfFontMissing) return sendHtml(reply, statementPage({ csrf: a.csrf, account: a.account, query: statementQuery(q, res.period.from, res.period.to), statement, error: err.message }), 503);
      throw err;
    }
  });

  cab.get('/controls', async (req, reply) => {
    const a = await authed(req, reply, ctx);
    if (!a) return reply;
    const m = queryField(req, 'm');
    return sendControls(reply, a, { message: m ? CONTROL_MESSAGES[m] : undefined });
  });

  cab.post('/controls/card-lost', async (req, reply) => {
    const a = await authed(req, reply, ctx);
    if (!a) return reply;
    const cardId = formField(req, 'card').slice(0, 64);
    const res = await reportLostCard(ctx.db, a.account.accountNumber, cardId);
    if (res === 'notFound') {
      await logEvent(ctx.db, { accountNumber: a.account.accountNumber, kind: 'cardLostRefused', ip: req.ip, ok: false, details: { cardId } });
      return sendControls(reply, a, { problems: ['Такой карты у этого лицевого счёта нет'] }, 404);
    }
    await logEvent(ctx.db, { accountNumber: a.account.accountNumber, kind: 'cardLost', ip: req.ip, details: { cardId } });
    return seeOther(reply, `/cabinet/controls?m=${res === 'lost' ? 'lost' : 'already-lost'}`);
  });

  cab.post('/controls/limit', async (req, reply) => {
    const a = await authed(req, reply, ctx);
    if (!a) return reply;
    const v = optionalAmount(formField(req, 'limit'));
    if (!v.ok) {
      return sendControls(reply, a, { problems: ['Неверная сумма лимита: например, 150 или 150,50'] }, 400);
    }
    await setDailyLimit(ctx.db, a.account.accountNumber, v.value);
    await logEvent(ctx.db, { accountNumber: a.account.accountNumber, kind: 'dailyLimit', ip: req.ip, details: { limit: v.value } });
    return seeOther(reply, `/cabinet/controls?m=${v.value === null ? 'limit-off' : 'limit'}`);
  });

  cab.post('/controls/threshold', async (req, reply) => {
    const a = await authed(req, reply, ctx);
    if (!a) return reply;
    const v = optionalAmount(formField(req, 'threshold'));
    if (!v.ok) {
      return sendControls(reply, a, { problems: ['Неверная сумма порога: например, 200 или 200,00'] }, 400);
    }
    await setLowBalanceThreshold(ctx.db, a.account.accountNumber, v.value);
    await logEvent(ctx.db, { accountNumber: a.account.accountNumber, kind: 'lowBalanceThreshold', ip: req.ip, details: { threshold: v.value } });
    ctx.checkLowBalances().catch((err: unknown) => req.log.error(err));
    return seeOther(reply, `/cabinet/controls?m=${v.value === null ? 'threshold-off' : 'threshold'}`);
  });

}
