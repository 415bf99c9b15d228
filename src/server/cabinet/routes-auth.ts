import type { FastifyInstance, FastifyReply } from 'fastify';
import { changePassword, completeReset, EMAIL_RE, login, BAD_LOGIN, requestReset, resetTokenValid, logEvent } from './auth.js';
import { destroySession, SESSION_COOKIE } from './sessions.js';
import { humanWait } from './throttle.js';
import { sha256Hex } from '../tokens.js';
import type { CabinetContext } from './index.js';
import { authed, checkPreLogin, clearSessionCookie, preLoginToken, setDeviceCookie, setSessionCookie } from './guard.js';
import { DEVICE_COOKIE, isKnownDevice, rememberDevice } from './known-device.js';
import { formField, queryField, sendHtml, seeOther } from './web.js';
import { forgotPage, loginPage, messagePage, resetPage, setPasswordPage } from '../../cabinet/views.js';

const MESSAGES: Record<string, string> = {
  bye: 'Вы вышли из личного кабинета.',
  reset: 'Пароль изменён. Войдите с новым паролем.',
  expired: 'Сеанс завершён. Войдите снова.',
};

export function registerAuthRoutes(cab: FastifyInstance, ctx: CabinetContext): void {
  const limited = { config: { rateLimit: { max: ctx.loginPerMinute, timeWindow: '1 minute' } } };

  cab.get('/login', async (req, reply) => {
    const m = queryField(req, 'm');
    return sendHtml(reply, loginPage({ csrf: preLoginToken(req, reply, ctx), message: m ? MESSAGES[m] : undefined }));
  });

  cab.post('/login', limited, async (req, reply) => {
    if (!checkPreLogin(req, reply, ctx)) return reply;
    const accountNumber = formField(req, 'account').slice(0, 20);
    const deviceCookie = req.cookies[DEVICE_COOKIE];
    const res = await login(ctx.db, {
      accountNumber, password: formField(req, 'password'), ip: req.ip, userAgent: req.headers['user-agent'], now: ctx.now(),
      knownDevice: isKnownDevice(ctx.secret, deviceCookie, accountNumber.replace(/\s/g, ''), ctx.now()),
      ...(ctx.delay ? { delay: ctx.delay } : {}),
    });
    if (res.kind === 'ok') {
      setDeviceCookie(reply, ctx, rememberDevice(ctx.secret, deviceCookie, res.accountNumber, ctx.now()));
      // A fresh id on every login: a session id planted before login is worthless.
      const planted = req.cookies[SESSION_COOKIE];
      if (planted) await destroySession(ctx.db, sha256Hex(planted));
      setSessionCookie(reply, ctx, res.sessionId);
      return seeOther(reply, res.mustChangePassword ? '/cabinet/password' : '/cabinet/');
    }
    const error = res.kind === 'locked'
      ? `Слишком много неудачных попыток входа. Повторите через ${humanWait(res.seconds)}.`
      : res.kind === 'busy' ? 'Предыдущая попытка входа с вашего адреса ещё проверяется. Подождите несколько секунд и повторите.'
        : BAD_LOGIN;
    return sendHtml(reply, loginPage({ csrf: preLoginToken(req, reply, ctx), error, accountNumber: /^\d{0,14}$/.test(accountNumber) ? accountNumber : '' }), res.kind === 'bad' ? 401 : 429);
  });

  cab.post('/logout', async (req, reply) => {
    const a = await authed(req, reply, ctx, { allowTemporary: true, own: true });
    if (!a) return reply;
    await destroySession(ctx.db, a.session.idHash);
    await logEvent(ctx.db, { accountNumber: a.account.accountNumber, kind: 'logout', ip: req.ip });
    clearSessionCookie(reply, ctx);
    return seeOther(reply, '/cabinet/login?m=bye');
  });

  cab.get('/password', async (req, reply) => {
    const a = await authed(req, reply, ctx, { allowTemporary: true, own: true });
    if (!a) return reply;
    const m = queryField(req, 'm');
    return sendHtml(reply, setPasswordPage({ csrf: a.csrf, account: a.account, forced: !a.account.hasPermanentPassword, message: m === 'ok' ? 'Пароль изменён.' : undefined }));
  });

  cab.post('/password', limited, async (req, reply) => {
    const a = await authed(req, reply, ctx, { allowTemporary: true, own: true });
    if (!a) return reply;
    const forced = !a.account.hasPermanentPassword;
    const res = await changePassword(ctx.db, {
      accountNumber: a.account.accountNumber, sessionIdHash: a.session.idHash,
      password: formField(req, 'password'), confirm: formField(req, 'confirm'),
      current: forced ? undefined : formField(req, 'current'), ip: req.ip,
    });
    if (!res.ok) return sendHtml(reply, setPasswordPage({ csrf: a.csrf, account: a.account, forced, problems: res.problems }), 400);
    return seeOther(reply, forced ? '/cabinet/?m=welcome' : '/cabinet/password?m=ok');
  });

  // Without mail nothing can be sent: say so instead of "the letter is on its way" (and never log the letter instead).
  const noMail = (reply: FastifyReply, status: number) => sendHtml(reply, messagePage('Восстановление пароля недоступно',
    'Отправка писем с этого сервера не настроена. Чтобы получить новый пароль, обратитесь в школу: заведующий производством напечатает его на чеке.'), status);

  cab.get('/forgot', async (req, reply) => {
    if (!ctx.mailAvailable) return noMail(reply, 200);
    return sendHtml(reply, forgotPage({ csrf: preLoginToken(req, reply, ctx), sent: queryField(req, 'm') === 'sent' }));
  });

  cab.post('/forgot', limited, async (req, reply) => {
    if (!ctx.mailAvailable) return noMail(reply, 503);
    if (!checkPreLogin(req, reply, ctx)) return reply;
    const email = formField(req, 'email').trim().slice(0, 254);
    if (!EMAIL_RE.test(email)) return sendHtml(reply, forgotPage({ csrf: preLoginToken(req, reply, ctx), error: 'Неверный адрес эл. почты' }), 400);
    const base = ctx.baseUrlFor(req.headers.host, req.protocol);
    const res = base ? await requestReset(ctx.db, { accountNumber: formField(req, 'account').slice(0, 20), email, ip: req.ip, now: ctx.now() }) : null;
    if (res && base) {
      const link = `${base}/cabinet/reset?token=${res.token}`;
      await ctx.mailer.send({
        to: res.email,
        subject: 'Восстановление доступа к личному кабинету',
        text: ['Здравствуйте!', '', 'Чтобы задать новый пароль личного кабинета, откройте ссылку (действует 1 час, один раз):', link, '',
          'Если вы не запрашивали смену пароля, просто удалите это письмо.'].join('\n'),
      }).catch((err: unknown) => req.log.error(err));
    }
    // The same answer whether or not the account and e-mail matched.
    return seeOther(reply, '/cabinet/forgot?m=sent');
  });

  cab.get('/reset', async (req, reply) => {
    const token = queryField(req, 'token') ?? '';
    const valid = await resetTokenValid(ctx.db, token, ctx.now());
    return sendHtml(reply, resetPage({ csrf: preLoginToken(req, reply, ctx), token: valid ? token : '', valid }), valid ? 200 : 400);
  });

  cab.post('/reset', limited, async (req, reply) => {
    if (!checkPreLogin(req, reply, ctx)) return reply;
    const token = formField(req, 'token');
    const res = await completeReset(ctx.db, { token, password: formField(req, 'password'), confirm: formField(req, 'confirm'), ip: req.ip, now: ctx.now() });
    if (!res.ok) {
      const valid = await resetTokenValid(ctx.db, token, ctx.now());
      return sendHtml(reply, resetPage({ csrf: preLoginToken(req, reply, ctx), token: valid ? token : '', valid, problems: res.problems }), 400);
    }
    clearSessionCookie(reply, ctx);
    return seeOther(reply, '/cabinet/login?m=reset');
  });

}
