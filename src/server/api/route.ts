import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { STAFF_ROLES, errorBodySchema, type StaffRole } from '../../api/admin/common.js';
import type { Grant } from '../../api/admin/staff.js';
import type { Db, DbHandle, Tx } from '../db/open.js';
import { HttpError } from '../errors.js';
import { writeAudit, type AuditInput } from '../audit.js';
import type { StaffActor, StaffRow } from '../staff/staff.js';
import type { StaffSession } from '../staff/sessions.js';
import type { AdminApiDeps } from './plugin.js';

/**
 * One admin API route: what it takes and answers (zod, which also make the
 * OpenAPI document), which roles may call it, and at what scope. The plugin
 * (plugin.ts) checks the session, the role and the school before the handler
 * runs, so a refused call changes nothing; writes run in one transaction with
 * their audit rows.
 *
 * Scopes:
 * - 'school': the path has `:schoolId`; the caller needs one of `roles` at that
 *   school (a district admin's grant covers every school). The handler must
 *   look records up *within* `c.school.schoolId` (a record of another school is 404).
 * - 'district': one of `roles` with a district-wide grant (districtAdmin).
 * - 'signedIn': any signed-in person (`roles` must be 'any'); the handler
 *   limits what it shows by `c.staff.grants` (e.g. "my schools").
 */
export type Scope = 'school' | 'district' | 'signedIn';
export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

type AnyZod = z.ZodType;
type Out<S> = S extends AnyZod ? z.output<S> : undefined;

/** What the caller may do at the school of the route ('school' scope). */
export interface SchoolAccess {
  schoolId: string;
  /** The caller's roles at this school (district admins: districtAdmin). */
  roles: ReadonlySet<StaffRole>;
  /** Classes a class teacher may see; null = every class (any other role). */
  classNames: readonly string[] | null;
}

export interface ApiCall<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  /** The transaction of a write route (POST/PUT/PATCH/DELETE), the database for GET. */
  db: Tx;
  handle: DbHandle;
  staff: StaffRow;
  /** Set for 'school' scope. */
  school: SchoolAccess;
  /** The caller as a service function wants it (audit name, grants). */
  actor: StaffActor;
  /** Appends to the audit log in this route's transaction. */
  audit(e: AuditInput): Promise<void>;
  /** 403 unless the class is one the caller may see at this school. */
  requireClass(className: string): void;
  req: FastifyRequest;
  reply: FastifyReply;
  now: Date;
  /** The caller's session (null on 'none' auth routes), for the sign-in routes. */
  session: StaffSession | null;
  env: AdminApiDeps;
}

export interface RouteSpec<P extends AnyZod | undefined, Q extends AnyZod | undefined, B extends AnyZod | undefined, R extends AnyZod> {
  method: Method;
  /** Below /api/v1, e.g. "/schools/:schoolId/staff". */
  url: string;
  /** One Russian line for the OpenAPI document. */
  summary: string;
  tags?: string[];
  roles: readonly StaffRole[] | 'any';
  scope: Scope;
  params?: P;
  query?: Q;
  body?: B;
  response: R;
  /** Status of a successful answer (default 200). */
  status?: 200 | 201;
  /** The body's size limit in bytes, for an upload above the server's default (1 MB). */
  bodyLimit?: number;
  /** Routes of the sign-in itself: no session needed (login) or a session before its TOTP step. */
  auth?: 'none' | 'unverified';
  handler(c: ApiCall<Out<P>, Out<Q>, Out<B>>): Promise<z.output<R>>;
}

// The handler's parameter types vary per route; the registry keeps them erased.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRoute = RouteSpec<any, any, any, any>;

/** Declares a route (identity, for the types); list it in routes.ts to serve it. */
export function defineRoute<P extends AnyZod | undefined = undefined, Q extends AnyZod | undefined = undefined, B extends AnyZod | undefined = undefined, R extends AnyZod = AnyZod>(
  spec: RouteSpec<P, Q, B, R>,
): RouteSpec<P, Q, B, R> {
  if (spec.scope === 'school' && !spec.url.includes(':schoolId')) throw new Error(`${spec.method} ${spec.url}: scope 'school' needs :schoolId in the path`);
  if (spec.scope === 'signedIn' && spec.roles !== 'any') throw new Error(`${spec.method} ${spec.url}: scope 'signedIn' takes roles 'any'`);
  return spec;
}

/** The roles a route lets in, spelled out (for the OpenAPI document and the role-matrix test). */
export function allowedRoles(route: AnyRoute): StaffRole[] {
  return route.roles === 'any' ? [...STAFF_ROLES] : [...route.roles];
}

/**
 * The caller's access at a school for a route's roles, or a 403. A
 * district-wide grant covers every school; class teachers get their classes.
 */
export function accessAt(grants: readonly Grant[], roles: readonly StaffRole[], schoolId: string): SchoolAccess {
  const matching = grants.filter((g) => roles.includes(g.role) && (g.schoolId === null || g.schoolId === schoolId));
  if (!matching.length) throw new HttpError(403, 'FORBIDDEN', 'Недостаточно прав для этой школы');
  const onlyTeacher = matching.every((g) => g.role === 'classTeacher');
  return {
    schoolId,
    roles: new Set(matching.map((g) => g.role)),
    classNames: onlyTeacher ? [...new Set(matching.flatMap((g) => g.classNames ?? []))] : null,
  };
}

export function requireDistrict(grants: readonly Grant[], roles: readonly StaffRole[]): void {
  if (!grants.some((g) => roles.includes(g.role) && g.schoolId === null)) {
    throw new HttpError(403, 'FORBIDDEN', 'Недостаточно прав: действие доступно администратору района');
  }
}

/** Error answers every route may give; added to each route's OpenAPI responses. */
export const ERROR_RESPONSES = {
  400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema, 409: errorBodySchema,
} as const;

export function actorOf(person: StaffRow, ip: string): StaffActor {
  return { staffId: person.id, name: person.fullName, ip, grants: person.grants };
}

export function auditFor(db: Tx, actor: StaffActor) {
  return (e: AuditInput) => writeAudit(db, actor, e);
}

export type { Db };
