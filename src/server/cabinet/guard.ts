import type { FastifyReply, FastifyRequest } from 'fastify';
import { loadAccount, type AccountView } from './account.js';
import { csrfToken, csrfValid, destroySession, loadSession, PRE_COOKIE, SESSION_COOKIE, SESSION_TTL_MS, type Session } from './sessions.js';
import type { CabinetContext } from './index.js';
import { newToken } from '../tokens.js';
import { formField, sameOrigin, sendHtml, seeOther } from './web.js';
import { messagePage } from '../../cabinet/views.js';

export interface Authed { session: Session; account: AccountView; csrf: string }

const cookieBase = (ctx: CabinetContext) => ({ path: '/cabinet', httpOnly: true, sameSite: 'strict' as const, secure: ctx.secureCookies });

export function setSessionCookie(reply: FastifyReply, ctx: CabinetContext, id: string): void {
  reply.setCookie(SESSION_COOKIE, id, { ...cookieBase(ctx), maxAge: Math.floor(SESSION_TTL_MS / 1000) });
}

export function clearSessionCookie(reply: FastifyReply, ctx: CabinetContext): void {
  reply.clearCookie(SESSION_COOKIE, cookieBase(ctx));
}

function refuseForm(reply: FastifyReply): FastifyReply {
  return sendHtml(reply, messagePage('Форма устарела', 'Форма устарела или отправлена с другого сайта. Обновите страницу и повторите. Ничего не изменено.'), 403);
}

/**
 * The logged-in account for a request, or null after answering (redirect to
 * login, to the forced password page, or 403 for a POST without a valid
 * CSRF token). The account always comes from the session, never from the URL.
 */
export async function authed(req: FastifyRequest, reply: FastifyReply, ctx: CabinetContext, opts: { allowTemporary?: boolean } = {}): Promise<Authed | null> {
  const session = await loadSession(ctx.db, req.cookies[SESSION_COOKIE], ctx.now());
  if (!session) {
    if (req.cookies[SESSION_COOKIE]) clearSessionCookie(reply, ctx);
    seeOther(reply, '/cabinet/login');
    return null;
  }
  const account = await loadAccount(ctx.db, session.accountNumber);
  if (!account || !account.active) {
    await destroySession(ctx.db, session.idHash);
    clearSessionCookie(reply, ctx);
    seeOther(reply, '/cabinet/login');
    return null;
  }
  if (req.method === 'POST' && (!sameOrigin(req) || !csrfValid(ctx.secret, session.idHash, formField(req, '_csrf')))) {
    refuseForm(reply);
    return null;
  }
  if (!account.hasPermanentPassword && !opts.allowTemporary) {
    seeOther(reply, '/cabinet/password');
    return null;
  }
  return { session, account, csrf: csrfToken(ctx.secret, session.idHash) };
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
