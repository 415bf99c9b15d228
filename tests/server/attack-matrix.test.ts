import { afterAll, describe, expect, it, vi } from 'vitest';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { v7 as uuidv7 } from 'uuid';
import type WebSocket from 'ws';
import { query } from '../../src/server/db/open.js';
import { upsertSchool, ensurePartitions } from '../../src/server/admin/schools.js';
import { revokeTerminal } from '../../src/server/auth.js';
import { SECRET, sharedSecret } from '../../src/server/secrets.js';
import { enrollDemoTerminal } from './helpers.js';
import { Browser, startCabinet, type CabinetTest } from '../cabinet/helpers.js';

/**
 * The attack matrix (issue 11): every route the server registers × {no auth, another school's till,
 * a revoked till, a parent, another parent} → refused, and nothing changed (row counts, balances,
 * passwords, cards, terminals: before = after).
 *
 * Routes are collected from fastify itself (an onRoute hook added the moment the instance is made),
 * so a route added later (the /api/v1 staff API, payment routes) is in the matrix without touching
 * this file. Each route falls in a class by its path: the sync API (a till's Bearer token), the
 * parent cabinet (a parent's session), or anything else under /api/v1 and elsewhere (a staff
 * session): there, every one of the five must be refused. A route that is public by design goes in
 * PUBLIC below, with its reason.
 */

const routes = vi.hoisted(() => [] as { method: string; url: string; websocket: boolean; body?: unknown; params?: unknown; query?: unknown }[]);
vi.mock('fastify', async (importOriginal) => {
  const mod = await importOriginal<typeof import('fastify')>();
  const original = mod.default as unknown as (opts?: unknown) => import('fastify').FastifyInstance;
  const withRouteList = (opts?: unknown) => {
    const app = original(opts);
    app.addHook('onRoute', (r) => {
      for (const method of ([] as string[]).concat(r.method)) {
        const schema = r.schema as { body?: unknown; params?: unknown; querystring?: unknown } | undefined;
        routes.push({ method, url: r.url, websocket: !!(r as { websocket?: boolean }).websocket, body: schema?.body, params: schema?.params, query: schema?.querystring });
      }
    });
    return app;
  };
  return { ...mod, default: Object.assign(withRouteList, original) };
});

/** Public by design: method + path (a trailing * matches any rest), and why. */
const PUBLIC: { method: string; path: string; why: string }[] = [
  { method: 'GET', path: '/api/v1/health', why: 'liveness probe; says only that the server and its database answer' },
  { method: 'POST', path: '/api/v1/terminals/enroll', why: 'a till enrols with a one-time code an admin made (hashed, expiring, rate-limited): the code is the credential' },
  { method: 'GET', path: '/api/v1/openapi.json', why: 'the API description (no data); every operation in it needs a staff session' },
  { method: 'POST', path: '/api/v1/auth/login', why: 'staff sign-in: its own password (+ TOTP), throttled' },
  { method: 'GET', path: '/cabinet', why: 'the cabinet\'s entry: redirects to the login page or the statement' },
  { method: 'GET', path: '/cabinet/', why: 'the cabinet\'s entry: redirects to the login page or the statement' },
  { method: 'GET', path: '/cabinet/login', why: 'the parent login page' },
  { method: 'POST', path: '/cabinet/login', why: 'parent login: the password is the credential (throttled, CSRF-checked)' },
  { method: 'GET', path: '/cabinet/forgot', why: '"forgot password" page' },
  { method: 'POST', path: '/cabinet/forgot', why: 'sends a reset link to the address on file only; the same answer for any account (throttled)' },
  { method: 'GET', path: '/cabinet/reset', why: 'reset page: the e-mailed one-time token is the credential' },
  { method: 'POST', path: '/cabinet/reset', why: 'reset: the e-mailed one-time token is the credential' },
  { method: 'GET', path: '/cabinet/assets/*', why: 'the cabinet\'s stylesheet' },
  { method: 'POST', path: '/cabinet/payments/callback/*', why: 'the bank\'s notification: authenticated by the bank\'s own checksum, and the payment is confirmed by asking the bank (the payment tests forge it)' },
  { method: 'GET', path: '/admin', why: 'redirect to the console' },
  { method: 'GET', path: '/admin/*', why: 'the staff console\'s static bundle: no data or secret in it; everything it shows comes from /api/v1 after a staff login' },
  { method: 'GET', path: '/test-gateway/*', why: 'the built-in test payment page (never in production; the payment is confirmed by the gateway\'s own signed status, not by this page)' },
  { method: 'POST', path: '/test-gateway/*', why: 'the built-in test payment page (never in production; the payment is confirmed by the gateway\'s own signed status, not by this page)' },
];

const isPublic = (method: string, url: string) => PUBLIC.some((p) =>
  p.method === method && (p.path.endsWith('*') ? url.startsWith(p.path.slice(0, -1)) : url === p.path));

type Kind = 'till' | 'cabinet' | 'staff';
/** What a route is protected by, from its path. */
const kindOf = (url: string): Kind => url.startsWith('/api/v1/sync/') ? 'till' : url.startsWith('/cabinet') ? 'cabinet' : 'staff';

// The victim: school 24, Иванов's account.
const VICTIM = { school: 'school-24', account: '0242013137', card: 'EM:55007EE424', student: 'student-ivanov', name: 'Иванов', terminal: 'terminal-24-1' };
const OTHER_PARENT = { account: '0242013153', password: 'demo-0242013153' };

interface Identity { name: string; headers: Record<string, string>; terminalId?: string; kind: 'none' | 'till' | 'parent'; own?: boolean }

/** A value for a path parameter, by its name, naming the victim's things. */
function paramValue(name: string): string {
  const n = name.toLowerCase();
  if (n.includes('school')) return VICTIM.school;
  if (n.includes('account')) return VICTIM.account;
  if (n.includes('card')) return VICTIM.card;
  if (n.includes('terminal') || n.includes('till')) return VICTIM.terminal;
  if (n.includes('student') || n.includes('pupil')) return VICTIM.student;
  return '1';
}
/** The route's path with the victim's things in its parameters (as its own schema accepts them), and a query its schema accepts. */
function concrete(route: { url: string; params?: unknown; query?: unknown }): string {
  const params = (validBody(route.params) ?? {}) as Record<string, unknown>;
  const path = route.url.replace(/:(\w+)/g, (_, p: string) => encodeURIComponent(String(params[p] ?? paramValue(p)))).replace(/\*$/, 'index.html');
  const query = validBody(route.query) as Record<string, unknown> | null;
  return query && Object.keys(query).length ? `${path}?${new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)])).toString()}` : path;
}

/** What each request tries to do to the victim: a forged sale, a top-up, a limit, a password. */
function attackBody(who: Identity) {
  const receiptId = `r-${uuidv7()}`;
  return {
    terminalId: who.terminalId ?? VICTIM.terminal,
    entries: [{
      uuid: uuidv7(), seq: 1, kind: 'sale', accountNumber: VICTIM.account, amount: 100_000_000, createdAt: new Date().toISOString(), receiptId,
      payload: { receiptId, receiptNumber: '24-000001', total: 1, subsidy: 0, lines: [{ itemId: 'x', kind: 'dish', name: 'x', quantity: 1, unitPrice: 1, amount: 1 }] },
    }],
    accountNumber: VICTIM.account, account: VICTIM.account, amount: '100000', limit: '1', threshold: '1', email: 'attacker@example.com',
    password: 'Attacker-12345', newPassword: 'Attacker-12345', cardId: VICTIM.card, schoolId: VICTIM.school, version: 1,
  };
}

type JsonSchema = {
  type?: string | string[]; const?: unknown; enum?: unknown[]; anyOf?: JsonSchema[]; oneOf?: JsonSchema[]; allOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>; required?: string[]; items?: JsonSchema; minItems?: number;
  minimum?: number; exclusiveMinimum?: number; format?: string; pattern?: string; minLength?: number; maxLength?: number;
};

/** A string the schema accepts, naming the victim's things where the key says what it is. */
function sampleString(s: JsonSchema, key: string): string {
  if (s.format === 'uuid') return uuidv7();
  if (s.format === 'date-time') return new Date().toISOString();
  if (s.format === 'date') return '2026-03-16';
  if (s.format === 'email') return 'attacker@example.com';
  const candidates = [paramValue(key), VICTIM.account, '123456', '2026-03-16', VICTIM.card, '03Б', 'Иванов Иван Иванович', 'x'.repeat(Math.max(s.minLength ?? 1, 1))];
  const fits = (c: string) => c.length >= (s.minLength ?? 0) && c.length <= (s.maxLength ?? Infinity) && (!s.pattern || new RegExp(s.pattern, 'u').test(c));
  return candidates.find(fits) ?? candidates.at(-1)!;
}

/** A value of the JSON schema (made from the route's zod body): the smallest that passes validation, as far as it can tell. */
function sample(s: JsonSchema | undefined, key = ''): unknown {
  if (!s) return null;
  if (s.const !== undefined) return s.const;
  if (s.enum) return s.enum[0];
  const alt = s.anyOf ?? s.oneOf;
  if (alt) return sample(alt.find((x) => x.type !== 'null') ?? alt[0], key);
  if (s.allOf) return sample(s.allOf[0], key);
  const type = Array.isArray(s.type) ? s.type.find((x) => x !== 'null') : s.type;
  switch (type) {
    case 'object': return Object.fromEntries((s.required ?? []).map((k) => [k, sample(s.properties?.[k], k)]));
    case 'array': return Array.from({ length: s.minItems ?? 0 }, () => sample(s.items, key));
    case 'integer': case 'number': return s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : 1);
    case 'boolean': return false;
    case 'string': return sampleString(s, key);
    default: return null;
  }
}

/** A body the route's own schema accepts (null when it has no zod body or cannot be described). */
function validBody(schema: unknown): unknown {
  if (!(schema instanceof z.ZodType)) return null;
  try {
    return sample(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema);
  } catch {
    return null;
  }
}

/** Everything a refused request must leave as it was. Sessions and throttling rows are not money and are left out. */
async function snapshot(): Promise<Record<string, unknown>> {
  const db = t.handle.db;
  const tables = await query<{ name: string }>(db, sql`
    SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY 1`);
  const out: Record<string, unknown> = {};
  for (const { name } of tables) {
    if (/session|throttle/.test(name)) continue;
    out[name] = (await query<{ n: number }>(db, sql`SELECT count(*)::int AS n FROM ${sql.identifier(name)}`))[0]!.n;
  }
  out.accounts = await query(db, sql`SELECT account_number, balance, daily_limit, temp_password_hash, permanent_password_hash FROM accounts ORDER BY 1`);
  out.cards = await query(db, sql`SELECT id, state FROM cards ORDER BY 1`);
  out.terminals = await query(db, sql`SELECT id, last_seq, revoked_at, token_hash FROM terminals ORDER BY 1`);
  return out;
}

/** A refusal: 401/403/404/405, or (pages) a redirect to the login page. */
function refused(res: { statusCode: number; headers: Record<string, unknown> }): boolean {
  if ([401, 403, 404, 405].includes(res.statusCode)) return true;
  const location = String(res.headers.location ?? '');
  return res.statusCode >= 300 && res.statusCode < 400 && /\/login\b/.test(location);
}

/** The victim's data in an answer someone else got. */
const leaks = (body: string) => body.includes(VICTIM.account) || body.includes(VICTIM.name);

// The server and the five strangers are made before the tests are declared: the route list is the server's.
const t: CabinetTest = await startCabinet();
await upsertSchool(t.handle.db, { id: 'school-25', code: '25', name: 'Школа №25', timeZone: 'Europe/Moscow', cabinetUrl: '', overdraftLimit: 0, staleAfterMinutes: 1440 });
await ensurePartitions(t.handle.db, 2, 'school-25');
const identities: Identity[] = await (async () => {
  const other = await enrollDemoTerminal(t.handle, 'terminal-25-1', 'school-25');
  const revoked = await enrollDemoTerminal(t.handle, 'terminal-24-r');
  await revokeTerminal(t.handle.db, 'terminal-24-r');
  const parent = new Browser(t.app, '10.9.0.1');
  const otherParent = new Browser(t.app, '10.9.0.2');
  if ((await parent.login(VICTIM.account, `demo-${VICTIM.account}`)).statusCode !== 303) throw new Error('the victim\'s parent could not log in');
  if ((await otherParent.login(OTHER_PARENT.account, OTHER_PARENT.password)).statusCode !== 303) throw new Error('the other parent could not log in');
  const cookies = (b: Browser) => [...b.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const list: Identity[] = [
    { name: 'no auth', headers: {}, kind: 'none' },
    { name: 'another school\'s till', headers: { authorization: `Bearer ${other.token}` }, terminalId: other.terminalId, kind: 'till' },
    { name: 'a revoked till', headers: { authorization: `Bearer ${revoked.token}` }, terminalId: revoked.terminalId, kind: 'till', own: true },
    { name: 'the victim\'s parent', headers: { cookie: cookies(parent) }, kind: 'parent', own: true },
    { name: 'another parent', headers: { cookie: cookies(otherParent) }, kind: 'parent' },
  ];
  return list;
})();
afterAll(async () => { await t.close(); });

const seen = new Set<string>();
const matrix = routes.filter((r) => r.method !== 'HEAD' && r.method !== 'OPTIONS' && !seen.has(`${r.method} ${r.url}`) && seen.add(`${r.method} ${r.url}`));
const guarded = matrix.filter((r) => !isPublic(r.method, r.url));
let before: Record<string, unknown>;

describe('attack matrix: every route × five strangers', () => {
  it('has the routes from fastify (those every server has among them), and takes a snapshot', async () => {
    // More routes are added by other plugins; they join the matrix by themselves.
    for (const must of ['POST /api/v1/sync/push', 'GET /api/v1/sync/pull', 'GET /api/v1/sync/poke', 'GET /cabinet/statement', 'POST /cabinet/controls/limit']) {
      expect(matrix.map((r) => `${r.method} ${r.url}`)).toContain(must);
    }
    expect(guarded.length).toBeGreaterThan(10);
    // The key of the opaque benefit ids is made by the first pull of any till (another school's till pulling
    // its own school is allowed below): make it now, so the row count compares what strangers could change.
    await sharedSecret(t.handle.db, SECRET.benefitIds);
    before = await snapshot();
  });

  for (const route of guarded) {
    const kind = kindOf(route.url);
    it(`${route.method} ${route.url} (${kind}) refuses them`, async () => {
      const url = concrete(route);
      const wrong: string[] = [];
      for (const who of identities) {
        // The cabinet's own parent uses it as intended; what a parent may do there is the cabinet's tests'.
        if (kind === 'cabinet' && who.kind === 'parent' && who.own) continue;
        // Scoped answers are fine for a stranger who is someone in their own right (another school's
        // till pulling its own school, another parent in their own cabinet) as long as nothing of the
        // victim's is in them; everything else must be refused.
        const scoped = (kind === 'till' && who.kind === 'till' && !who.own) || (kind === 'cabinet' && who.kind === 'parent');
        const label = `as ${who.name}`;
        if (route.websocket) {
          if (scoped) continue;   // another school's till may hear its own school's pokes (empty messages)
          // Refused: the socket is closed with 4401 (or the upgrade answered 401/403). An accepted one stays open, and the test times out.
          const outcome = await new Promise<string>((resolve) => {
            (t.app as unknown as { injectWS(p: string, ctx: unknown): Promise<WebSocket> }).injectWS(url, { headers: who.headers }).then((ws) => {
              ws.on('close', (code) => resolve(String(code)));
            }, (err: Error) => resolve(err.message));
          });
          if (!/4401|401|403/.test(outcome)) wrong.push(`${label}: ${outcome}`);
          continue;
        }
        const body = attackBody(who);
        const form = kind === 'cabinet';
        let res = await t.app.inject({
          method: route.method as 'GET', url,
          remoteAddress: '10.9.9.9',
          headers: { host: 'localhost', ...who.headers, ...(route.method === 'GET' || route.method === 'DELETE' ? {} : { 'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json' }) },
          ...(route.method === 'GET' || route.method === 'DELETE' ? {} : {
            payload: form ? new URLSearchParams(Object.entries(body).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])).toString() : JSON.stringify(body),
          }),
        });
        if (res.statusCode === 400 && kind === 'staff') {
          // The staff API validates before it checks the session: ask again with a body its schema
          // accepts, so the session check is what answers (a 400 is no proof that a stranger is refused).
          // Parameters and query already come from the route's schemas (concrete). If a new schema is
          // one `sample` cannot satisfy, teach sampleString a value rather than accepting the 400.
          const valid = validBody(route.body);
          if (valid !== null) {
            res = await t.app.inject({
              method: route.method as 'GET', url, remoteAddress: '10.9.9.9',
              headers: { host: 'localhost', ...who.headers, 'content-type': 'application/json' }, payload: JSON.stringify(valid),
            });
          }
        }
        if (res.statusCode >= 500) wrong.push(`${label}: ${res.statusCode} (never a 500)`);
        else if (!(refused(res) || (scoped && res.statusCode < 400 && !leaks(res.body)))) wrong.push(`${label}: ${res.statusCode} ${res.body.slice(0, 160)}`);
      }
      expect(wrong).toEqual([]);
    });
  }

  it('changed nothing: row counts, balances, passwords, limits, cards, terminals', async () => {
    expect(await snapshot()).toEqual(before);
  });
});
