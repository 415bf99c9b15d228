import type { FastifyReply, FastifyRequest } from 'fastify';
import { loadAccount, type AccountView } from './account.js';
import { inFamily, linkedChildren } from './family.js';
import { isAccountNumber } from '../account-number.js';
import { logEvent } from './auth.js';
import { csrfToken, csrfValid, destroySession, loadSession, PRE_COOKIE, SESSION_COOKIE, SESSION_TTL_MS, type Session } from './sessions.js';
import type { CabinetContext } from './index.js';
import { newToken } from '../tokens.js';
import { DEVICE_COOKIE, DEVICE_TTL_MS } from './known-device.js';
import { formField, sameOrigin, sendHtml, seeOther } from './web.js';
import { messagePage } from '../../cabinet/views.js';

/**
 * A request's session and the account it opens: `account` is the child the
 * request names (query or form field `account`, checked against the family)
 * or the login account; `account.loginAccount` and `account.family` say who
 * is looking and what else they may open.
 */
export interface Authed { session: Session; account: AccountView; csrf: string }

const cookieBase = (ctx: CabinetContext) => ({ path: '/cabinet', httpOnly: true, sameSite: 'strict' as const, secure: ctx.secureCookies });

export function setSessionCookie(reply: FastifyReply, ctx: CabinetContext, id: string): void {
  reply.setCookie(SESSION_COOKIE, id, { ...cookieBase(ctx), maxAge: Math.floor(SESSION_TTL_MS / 1000) });
}

/** The known-device cookie (known-device.ts): a year, HttpOnly, only for the cabinet's paths. */
export function setDeviceCookie(reply: FastifyReply, ctx: CabinetContext, value: string): void {
  reply.setCookie(DEVICE_COOKIE, value, { ...cookieBase(ctx), maxAge: Math.floor(DEVICE_TTL_MS / 1000) });
}

export function clearSessionCookie(reply: FastifyReply, ctx: CabinetContext): void {
  reply.clearCookie(SESSION_COOKIE, cookieBase(ctx));
}

function refuseForm(reply: FastifyReply): FastifyReply {
  return sendHtml(reply, messagePage('Форма устарела', 'Форма устарела или отправлена с другого сайта. Обновите страницу и повторите. Ничего не изменено.'), 403);
}

/**
 * The logged-in account for a request, or null after answering (redirect to
 * login, to the forced password page, 403 for a POST without a valid CSRF
 * token, 404 for an account outside the session's family). The account comes
 * from the session; a child's account named in the URL or form is opened only
 * when it is linked to the session's login account. `own: true` (password,
 * e-mail, family links) always means the login account and ignores any name.
 */
export async function authed(req: FastifyRequest, reply: FastifyReply, ctx: CabinetContext, opts: { allowTemporary?: boolean; own?: boolean } = {}): Promise<Authed | null> {
  const session = await loadSession(ctx.db, req.cookies[SESSION_COOKIE], ctx.now());
  if (!session) {
    if (req.cookies[SESSION_COOKIE]) clearSessionCookie(reply, ctx);
    seeOther(reply, '/cabinet/login');
    return null;
  }
  const own = await loadAccount(ctx.db, session.accountNumber);
  if (!own || !own.active) {
    await destroySession(ctx.db, session.idHash);
    clearSessionCookie(reply, ctx);
    seeOther(reply, '/cabinet/login');
    return null;
  }
  if (req.method === 'POST' && (!sameOrigin(req) || !csrfValid(ctx.secret, session.idHash, formField(req, '_csrf')))) {
    refuseForm(reply);
    return null;
  }
  if (!own.hasPermanentPassword && !opts.allowTemporary) {
    seeOther(reply, '/cabinet/password');
    return null;
  }
  const csrf = csrfToken(ctx.secret, session.idHash);
  own.family = [own.family[0]!, ...await linkedChildren(ctx.db, own.accountNumber)];
  const named = opts.own ? null : namedAccount(req);
  if (named === null || named === own.accountNumber) return { session, account: own, csrf };
  const child = named !== false && await inFamily(ctx.db, own.accountNumber, named) ? await loadAccount(ctx.db, named) : null;
  if (!child || !child.active) {
    await logEvent(ctx.db, { accountNumber: own.accountNumber, kind: 'familyRefused', ip: req.ip, ok: false, details: { named: String(named).slice(0, 20), url: req.url.slice(0, 200) } });
    sendHtml(reply, messagePage('Лицевой счёт не найден', 'Этот лицевой счёт не привязан к вашему личному кабинету. Ничего не изменено.', own, csrf), 404);
    return null;
  }
  child.loginAccount = own.accountNumber;
  child.family = own.family;
  return { session, account: child, csrf };
}

/** The account a request names: null when none, false when malformed or named twice differently (query and form). */
function namedAccount(req: FastifyRequest): string | null | false {
  const q = (req.query as Record<string, unknown> | undefined)?.account;
  const f = req.method === 'POST' ? (req.body as Record<string, unknown> | undefined)?.account : undefined;
  if ((q !== undefined && typeof q !== 'string') || (f !== undefined && typeof f !== 'string')) return false;
  if (q && f && q !== f) return false;
  const v = f || q || '';
  if (v === '') return null;
  return isAccountNumber(v) ? v : false;
}

/** CSRF token for forms shown before login, bound to an HttpOnly pre-login cookie. */
export function preLoginToken(req: FastifyRequest, reply: FastifyReply, ctx: CabinetContext): string {
  let pre = req.cookies[PRE_COOKIE];
  if (!pre || !/^[A-Za-z0-9_-]{43}$/.test(pre)) {
    pre = newToken();
    reply.setCookie(PRE_COOKIE, pre, { ...cookieBase(ctx), maxAge: 24 * 3600 });
  }
  return csrfToken(ctx.secret, pre);
}

/** Checks a pre-login form's token; answers 403 and returns false when it is missing or wrong. */
export function checkPreLogin(req: FastifyRequest, reply: FastifyReply, ctx: CabinetContext): boolean {
  if (sameOrigin(req) && csrfValid(ctx.secret, req.cookies[PRE_COOKIE], formField(req, '_csrf'))) return true;
  refuseForm(reply);
  return false;
}
