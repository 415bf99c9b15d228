import { z } from 'zod';
import { okSchema } from '../../api/admin/common.js';
import {
  passwordSchema, sessionViewSchema, staffLoginRequestSchema, totpEnrollConfirmSchema, totpEnrollStartSchema, type SessionView,
} from '../../api/admin/staff.js';
import { confirmTotpEnrolment, destroyStaffSession, loadStaffSession, staffLogin, startTotpEnrolment } from '../staff/sessions.js';
import { setStaffPassword, staffView, type StaffRow } from '../staff/staff.js';
import { verifyPassword } from '../cabinet/passwords.js';
import { HttpError } from '../errors.js';
import { clearStaffCookie, csrfFor, setStaffCookie, STAFF_COOKIE } from './plugin.js';
import { defineRoute, type AnyRoute } from './route.js';
import type { AdminApiDeps } from './plugin.js';

function view(env: AdminApiDeps, idHash: string, person: StaffRow, verified: boolean): SessionView {
  return { staff: staffView(person), csrfToken: csrfFor(env, idHash), state: verified ? 'ok' : 'totpEnroll' };
}

export const authRoutes: AnyRoute[] = [
  defineRoute({
    method: 'POST', url: '/auth/login', summary: 'Вход сотрудника: логин, пароль и (для администраторов) код TOTP', tags: ['вход'],
    roles: 'any', scope: 'signedIn', auth: 'none',
    body: staffLoginRequestSchema, response: sessionViewSchema,
    async handler(c) {
      const r = await staffLogin(c.db, { ...c.body, ip: c.req.ip, userAgent: c.req.headers['user-agent'] }, c.now);
      setStaffCookie(c.reply, c.env, r.sessionId);
      return view(c.env, r.idHash, r.staff, r.verified);
    },
  }),
  defineRoute({
    method: 'GET', url: '/auth/session', summary: 'Текущий сеанс: кто вошёл, его роли, CSRF-токен', tags: ['вход'],
    roles: 'any', scope: 'signedIn', auth: 'unverified',
    response: sessionViewSchema,
    async handler(c) {
      const s = c.session!;
      return view(c.env, s.idHash, s.staff, s.verified);
    },
  }),
  defineRoute({
    method: 'POST', url: '/auth/logout', summary: 'Выход', tags: ['вход'],
    roles: 'any', scope: 'signedIn', auth: 'unverified',
    response: okSchema,
    async handler(c) {
      await destroyStaffSession(c.db, c.session!.idHash);
      clearStaffCookie(c.reply, c.env);
      return { ok: true as const };
    },
  }),
  defineRoute({
    method: 'POST', url: '/auth/totp/start', summary: 'Первый вход администратора: секрет и otpauth-ссылка для приложения-аутентификатора', tags: ['вход'],
    roles: 'any', scope: 'signedIn', auth: 'unverified',
    response: totpEnrollStartSchema,
    async handler(c) {
      if (c.session!.verified) throw new HttpError(409, 'CONFLICT', 'Вход уже завершён');
      return startTotpEnrolment(c.db, c.session!);
    },
  }),
  defineRoute({
    method: 'POST', url: '/auth/totp/confirm', summary: 'Подтверждение аутентификатора первым кодом; вход завершён', tags: ['вход'],
    roles: 'any', scope: 'signedIn', auth: 'unverified',
    body: totpEnrollConfirmSchema, response: sessionViewSchema,
    async handler(c) {
      await confirmTotpEnrolment(c.db, c.session!, c.body.totp, c.now, c.req.ip);
      const s = await loadStaffSession(c.db, c.req.cookies[STAFF_COOKIE], c.now);
      if (!s) throw new HttpError(401, 'UNAUTHORIZED', 'Сеанс истёк: войдите снова');
      return view(c.env, s.idHash, s.staff, s.verified);
    },
  }),
  defineRoute({
    method: 'POST', url: '/auth/password', summary: 'Смена своего пароля (другие сеансы завершаются)', tags: ['вход'],
    roles: 'any', scope: 'signedIn',
    body: z.object({ current: z.string().min(1).max(200), password: passwordSchema }), response: okSchema,
    async handler(c) {
      if (!(await verifyPassword(c.staff.passwordHash, c.body.current))) throw new HttpError(400, 'BAD_INPUT', 'Текущий пароль неверен');
      await setStaffPassword(c.db, c.actor, c.staff.id, c.body.password, c.session!.idHash);
      return { ok: true as const };
    },
  }),
];
