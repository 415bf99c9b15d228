import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import { z } from 'zod';
import { safeParse } from 'zod/v4/core';
import { jsonSchemaTransform, jsonSchemaTransformObject, serializerCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { DbHandle, Tx } from '../db/open.js';
import { HttpError } from '../errors.js';
import { csrfToken, csrfValid, SESSION_TTL_MS } from '../cabinet/sessions.js';
import { loadStaffSession, type StaffSession } from '../staff/sessions.js';
import { accessAt, actorOf, allowedRoles, auditFor, ERROR_RESPONSES, requireDistrict, type AnyRoute, type ApiCall, type SchoolAccess } from './route.js';

/**
 * The admin API under /api/v1 (issue 14), in its own fastify context: JSON
 * validated by the routes' zod schemas (errors in Russian), the OpenAPI 3
 * document made from the same schemas at /api/v1/openapi.json, staff sessions
 * in an HttpOnly cookie, CSRF header on every write. The sync routes of the
 * tills share the prefix but not this context.
 */

export const STAFF_COOKIE = 'staff_sid';
export const CSRF_HEADER = 'x-csrf-token';
const COOKIE_PATH = '/api/v1';

export interface AdminApiDeps {
  handle: DbHandle;
  /** HMAC key for CSRF tokens (the cabinet's). */
  secret: string;
  secureCookies: boolean;
  now: () => Date;
  routes: AnyRoute[];
}

const RU = z.locales.ru().localeError;

/** The request's session as the route helper and the auth routes see it. */
export async function sessionOf(req: FastifyRequest, deps: AdminApiDeps): Promise<StaffSession | null> {
  return loadStaffSession(deps.handle.db, req.cookies[STAFF_COOKIE], deps.now());
}

export function setStaffCookie(reply: FastifyReply, deps: AdminApiDeps, id: string): void {
  reply.setCookie(STAFF_COOKIE, id, { path: COOKIE_PATH, httpOnly: true, sameSite: 'strict', secure: deps.secureCookies, maxAge: Math.floor(SESSION_TTL_MS / 1000) });
}

export function clearStaffCookie(reply: FastifyReply, deps: AdminApiDeps): void {
  reply.clearCookie(STAFF_COOKIE, { path: COOKIE_PATH, httpOnly: true, sameSite: 'strict', secure: deps.secureCookies });
}

export function csrfFor(deps: AdminApiDeps, idHash: string): string {
  return csrfToken(deps.secret, `staff:${idHash}`);
}

/** What the route's onRequest found out about the caller, for its handler. */
const CALLERS = new WeakMap<FastifyRequest, { now: Date; session: StaffSession | null; school: SchoolAccess | null }>();

class ValidationIssues extends Error {
  constructor(readonly lines: string[]) { super(lines[0] ?? 'неверные данные'); }
}

export async function registerAdminApi(app: FastifyInstance, deps: AdminApiDeps): Promise<void> {
  await app.register(async (api) => {
    await api.register(cookie);
    api.setValidatorCompiler(({ schema }) => (data) => {
      const r = safeParse(schema as z.ZodType, data, { error: RU });
      if (r.success) return { value: r.data };
      return { error: new ValidationIssues(r.error.issues.slice(0, 20).map((i) => (i.path.length ? `${i.path.map(String).join('.')}: ${i.message}` : i.message))) };
    });
    api.setSerializerCompiler(serializerCompiler);
    await api.register(swagger, {
      openapi: {
        openapi: '3.0.3',
        info: { title: 'canteen admin API', version: '1', description: 'Администрирование школьного питания: сотрудники, школы, кассы, счета. Вход: POST /api/v1/auth/login (cookie staff_sid); каждое изменение — с заголовком x-csrf-token.' },
        components: { securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: STAFF_COOKIE } } },
      },
      transform: jsonSchemaTransform,
      transformObject: jsonSchemaTransformObject,
    });
    api.setErrorHandler((err, req, reply) => {
      if (err instanceof HttpError) return reply.status(err.status).send(err.body());
      const e = err as { statusCode?: number; code?: string; validation?: unknown; validationContext?: string };
      if (err instanceof ValidationIssues || e.code === 'FST_ERR_VALIDATION') {
        const lines = err instanceof ValidationIssues ? err.lines : [String((err as Error).message)];
        const where = e.validationContext === 'querystring' ? 'в параметрах запроса' : e.validationContext === 'params' ? 'в адресе' : 'в данных';
        return reply.status(400).send({ error: { code: 'BAD_INPUT', message: `Ошибка ${where}: ${lines[0]}`, details: lines } });
      }
      throw err;
    });

    const typed = api.withTypeProvider<ZodTypeProvider>();
    for (const route of deps.routes) mount(typed as unknown as FastifyInstance, route, deps);
    api.get('/openapi.json', { schema: { hide: true } }, async () => api.swagger());
  }, { prefix: '/api/v1' });
}

// The routes are one heterogeneous list (AnyRoute = RouteSpec<any, …>); each route's own zod schemas check its input and output at run time.
/* eslint-disable @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-return */
function mount(api: FastifyInstance, route: AnyRoute, deps: AdminApiDeps): void {
  const roles = allowedRoles(route);
  api.route({
    method: route.method,
    url: route.url,
    ...(route.bodyLimit ? { bodyLimit: route.bodyLimit } : {}),
    schema: {
      summary: route.summary,
      ...(route.tags ? { tags: route.tags } : {}),
      ...(route.params ? { params: route.params } : {}),
      ...(route.query ? { querystring: route.query } : {}),
      ...(route.body ? { body: route.body } : {}),
      response: { [route.status ?? 200]: route.response, ...ERROR_RESPONSES },
      ...(route.auth === 'none' ? {} : { security: [{ session: [] }] }),
      // Read by the role-matrix test (tests/server/admin-api-roles.test.ts) and by people.
      'x-roles': route.auth === 'none' ? [] : roles,
      'x-scope': route.auth === 'none' ? 'public' : route.scope,
    },
    // Who may call is decided before the body is even parsed: a refused caller gets 401/403, never a 400 that tells the shape.
    onRequest: async (req) => {
      const now = deps.now();
      let session: StaffSession | null = null;
      let school: SchoolAccess | null = null;
      if (route.auth !== 'none') {
        session = await sessionOf(req, deps);
        if (!session) throw new HttpError(401, 'UNAUTHORIZED', 'Войдите в систему: сеанс не начат или истёк');
        if (!session.verified && route.auth !== 'unverified') {
          throw new HttpError(401, 'UNAUTHORIZED', 'Сначала подключите приложение-аутентификатор (вход не завершён)', { totpEnroll: true });
        }
        if (req.method !== 'GET' && !csrfValid(deps.secret, `staff:${session.idHash}`, req.headers[CSRF_HEADER])) {
          throw new HttpError(403, 'FORBIDDEN', 'Запрос без действительного CSRF-токена (заголовок x-csrf-token): обновите страницу');
        }
        if (route.auth !== 'unverified') {
          const params = (req.params ?? {}) as Record<string, unknown>;
          if (route.scope === 'school') school = accessAt(session.staff.grants, roles, String(params.schoolId));
          else if (route.scope === 'district') requireDistrict(session.staff.grants, roles);
        }
      }
      CALLERS.set(req, { now, session, school });
    },
    handler: async (req, reply) => {
      const { now, session, school } = CALLERS.get(req)!;
      const db = deps.handle.db;
      const params = (req.params ?? {}) as Record<string, unknown>;
      const run = async (tx: Tx) => {
        const actor = session ? { ...actorOf(session.staff, req.ip), atSchool: school?.schoolId ?? null } : { staffId: null, name: 'anonymous', ip: req.ip, grants: [] };
        const c: ApiCall<unknown, unknown, unknown> = {
          params, query: req.query, body: req.body, db: tx, handle: deps.handle,
          staff: session?.staff as ApiCall<unknown, unknown, unknown>['staff'],
          school: school as SchoolAccess, actor, audit: auditFor(tx, actor), now, req, reply, session, env: deps,
          requireClass(className) {
            if (school?.classNames && !school.classNames.includes(className)) throw new HttpError(403, 'FORBIDDEN', `Нет доступа к классу ${className}`);
          },
        };
        return route.handler(c);
      };
      const result = req.method === 'GET' ? await run(db) : await db.transaction(run);
      (reply as FastifyReply).code(route.status ?? 200);
      return result;
    },
  });
}
/* eslint-enable @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-return */
