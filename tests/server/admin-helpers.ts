import { generate } from 'otplib';
import type { DbHandle } from '../../src/server/db/open.js';
import type { Grant } from '../../src/api/admin/staff.js';
import { createStaff, type StaffActor } from '../../src/server/staff/staff.js';

/** The command line as an actor: may do anything (as `canteen server staff` does). */
export const CLI: StaffActor = { staffId: null, name: 'cli:test', grants: null };

export async function addStaff(handle: DbHandle, p: { login?: string; password?: string; pin?: string; fullName?: string; grants: Grant[] }) {
  return handle.db.transaction((tx) => createStaff(tx, CLI, { fullName: p.fullName ?? `Сотрудник ${p.login ?? 'касса'}`, login: p.login ?? null, ...(p.password ? { password: p.password } : {}), ...(p.pin ? { pin: p.pin } : {}), grants: p.grants }));
}

export interface ApiClient {
  cookie: string;
  csrf: string;
  totpSecret?: string;
  call<T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
}

/** A JSON call to the admin API with a session cookie and CSRF header (both optional). */
export async function call<T = any>(url: string, method: string, path: string, body?: unknown, auth?: { cookie?: string; csrf?: string }): Promise<{ status: number; body: T; setCookie: string | null }> {
  const res = await fetch(url + path, {
    method,
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(auth?.cookie ? { cookie: auth.cookie } : {}),
      ...(auth?.csrf ? { 'x-csrf-token': auth.csrf } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T, setCookie: res.headers.get('set-cookie') };
}

/**
 * Signs a person in through the API; an admin without an authenticator enrols
 * one on the way (as on the first login), so the client is fully signed in.
 */
export async function signIn(url: string, login: string, password: string): Promise<ApiClient> {
  const r = await call(url, 'POST', '/api/v1/auth/login', { login, password });
  if (r.status !== 200) throw new Error(`login ${login}: ${r.status} ${JSON.stringify(r.body)}`);
  const cookie = /staff_sid=[^;]+/.exec(r.setCookie ?? '')![0];
  let csrf = r.body.csrfToken as string;
  let totpSecret: string | undefined;
  if (r.body.state === 'totpEnroll') {
    const start = await call(url, 'POST', '/api/v1/auth/totp/start', {}, { cookie, csrf });
    totpSecret = start.body.secret as string;
    const done = await call(url, 'POST', '/api/v1/auth/totp/confirm', { totp: await generate({ secret: totpSecret }) }, { cookie, csrf });
    if (done.status !== 200) throw new Error(`totp ${login}: ${done.status} ${JSON.stringify(done.body)}`);
    csrf = done.body.csrfToken as string;
  }
  const client: ApiClient = {
    cookie, csrf, ...(totpSecret ? { totpSecret } : {}),
    call: (method, path, body) => call(url, method, path, body, { cookie, csrf }),
  };
  return client;
}
