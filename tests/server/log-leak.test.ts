import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import WebSocket from 'ws';
import type { FastifyInstance } from 'fastify';
import type { PullResponse } from '../../src/api/sync.js';
import { buildServer } from '../../src/server/app.js';
import { seedDemo } from '../../src/server/admin/seed-demo.js';
import { createEnrollmentCode } from '../../src/server/auth.js';
import { enrollTerminal } from '../../src/terminal/sync/enroll.js';
import { MemoryMailer } from '../../src/server/cabinet/mailer.js';
import { cabinetProfiles } from '../../src/server/db/cabinet-schema.js';
import type { DbHandle } from '../../src/server/db/open.js';
import { createTestDb } from './helpers.js';

// Issue 11, reproduction 3: the log held a reset link with its token (twice), a
// till's token from a ?token= query, and every SQL parameter of failed queries
// (pupils' names). A full flow with the server's real logger writing to a
// stream; then the log is searched for every secret and name the flow used.

const IVANOV = '0242013137';
const PASSWORD = 'demo-0242013137';
const NEW_PASSWORD = 'Sunflower42x';
const EMAIL = 'ivanova.parent@example.ru';
let handle: DbHandle;
let app: FastifyInstance;
let url = '';
let log = '';
const mailer = new MemoryMailer();

beforeAll(async () => {
  handle = await createTestDb();
  await seedDemo(handle.db);
  await handle.db.insert(cabinetProfiles).values({ accountNumber: IVANOV, email: EMAIL });
  const stream = new Writable({ write(chunk, _enc, done) { log += String(chunk); done(); } });
  app = await buildServer(handle, {
    logger: { stream, level: 'debug' },
    housekeeping: { intervalMs: 0 },
    cabinet: { mailer, lowBalanceIntervalMs: 0 },
    plugins: [async (a) => {
      // A route whose query fails with a pupil's name among its parameters, as a real bug would.
      a.get('/test/failing-query', async () => handle.db.execute(sql`SELECT ${'Иванов Иван Иванович'}::int AS n, ${'24-015183'} AS receipt`));
    }],
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
}, 180_000);
afterAll(async () => { await app?.close(); await handle?.close(); });

/** A browser's cabinet round: cookies kept, the form's CSRF token taken from the last page. */
class Parent {
  cookies = new Map<string, string>();
  html = '';
  async go(method: 'GET' | 'POST', path: string, form?: Record<string, string>) {
    const csrf = /name="_csrf" value="([^"]+)"/.exec(this.html)?.[1];
    const res = await fetch(url + path, {
      method, redirect: 'manual',
      headers: {
        cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded', origin: url } : {}),
      },
      ...(form ? { body: new URLSearchParams({ ...(csrf ? { _csrf: csrf } : {}), ...form }).toString() } : {}),
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, i), pair!.slice(i + 1));
    }
    const text = await res.text();
    if (res.headers.get('content-type')?.startsWith('text/html')) this.html = text;
    return { status: res.status, location: res.headers.get('location') };
  }
}

describe('the server log after a full flow', () => {
  it('holds no token, password, reset link, cookie or pupil name', async () => {
    const secrets: string[] = [PASSWORD, NEW_PASSWORD, EMAIL, 'Иванов', 'Иван Иванович', '24-015183'];

    // Enrolment: the code, the token and the PIN pepper.
    const { code } = await createEnrollmentCode(handle.db, { schoolId: 'school-24', terminalName: 'Касса логов' });
    const till = await enrollTerminal(url, code);
    secrets.push(code, code.replace(/-/g, ''), till.token, till.pinPepper);
    const auth = { authorization: `Bearer ${till.token}`, 'content-type': 'application/json' };

    // Push a sale, pull twice (the second with a cursor in the query string), a poke socket.
    const receiptId = `r-${uuidv7()}`;
    const push = await fetch(`${url}/api/v1/sync/push`, {
      method: 'POST', headers: auth,
      body: JSON.stringify({ terminalId: till.terminalId, entries: [{
        uuid: uuidv7(), seq: 1, kind: 'sale', accountNumber: IVANOV, amount: -3450, createdAt: new Date().toISOString(),
        cardId: 'EM:55007EE424', receiptId,
        payload: { receiptId, receiptNumber: '24-015183', total: 3450, subsidy: 0,
          lines: [{ itemId: 'dish-pizza', kind: 'dish', name: 'Пицца 125 г', quantity: 1, unitPrice: 3450, amount: 3450 }] },
      }] }),
    });
    expect(push.status).toBe(200);
    const first = (await (await fetch(`${url}/api/v1/sync/pull`, { headers: auth })).json()) as PullResponse;
    expect((await fetch(`${url}/api/v1/sync/pull?cursor=${encodeURIComponent(first.cursor)}`, { headers: auth })).status).toBe(200);
    secrets.push(first.cursor, ...first.cashiers.map((c) => c.pinHash));
    const ws = new WebSocket(`${url.replace('http', 'ws')}/api/v1/sync/poke`, { headers: { authorization: `Bearer ${till.token}` } });
    await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
    ws.close();

    // The cabinet: a failed login, a good one, "forgot password", the reset link, the new password.
    const parent = new Parent();
    await parent.go('GET', '/cabinet/login');
    expect((await parent.go('POST', '/cabinet/login', { account: IVANOV, password: 'wrong-password-9' })).status).toBe(401);
    expect((await parent.go('POST', '/cabinet/login', { account: IVANOV, password: PASSWORD })).location).toBe('/cabinet/');
    secrets.push(parent.cookies.get('cabinet_sid')!, parent.cookies.get('cabinet_pre')!, parent.cookies.get('cabinet_dev')!);
    expect((await parent.go('GET', '/cabinet/profile')).status).toBe(200);

    const stranger = new Parent();
    await stranger.go('GET', '/cabinet/forgot');
    expect((await stranger.go('POST', '/cabinet/forgot', { account: IVANOV, email: EMAIL })).location).toBe('/cabinet/forgot?m=sent');
    const letter = mailer.sent.at(-1)!;
    const link = /https?:\/\/\S+\/cabinet\/reset\?token=(\S+)/.exec(letter.text)!;
    const resetToken = link[1]!;
    secrets.push(resetToken);
    expect((await stranger.go('GET', `/cabinet/reset?token=${resetToken}`)).status).toBe(200);
    expect((await stranger.go('POST', '/cabinet/reset', { token: resetToken, password: NEW_PASSWORD, confirm: NEW_PASSWORD })).location).toBe('/cabinet/login?m=reset');

    // A failed query with a pupil's name and a receipt number as parameters.
    const failed = await fetch(`${url}/test/failing-query`);
    expect(failed.status).toBe(400); // invalid text for an integer: a data error, refused with a reason

    await new Promise((r) => setTimeout(r, 50)); // pino writes synchronously; let the stream drain its last chunk
    // The log is there and speaks of what happened …
    expect(log).toContain('/api/v1/sync/push');
    expect(log).toContain('/cabinet/reset');
    expect(log).toContain('22P02');
    // One line a request, written when it is answered, with its status and time (not fastify's two).
    const pushLines = log.split('\n').filter((l) => l.includes('"url":"/api/v1/sync/push"'));
    expect(pushLines).toHaveLength(1);
    expect(JSON.parse(pushLines[0]!)).toMatchObject({ msg: 'request completed', res: { statusCode: 200 }, req: { method: 'POST' } });
    expect(log).not.toContain('incoming request');
    // … and none of these is in it.
    const found = secrets.filter((s) => s && log.includes(s));
    expect(found).toEqual([]);
    expect(log).not.toMatch(/token=/);
    expect(log).not.toMatch(/cursor=/);
  });

  it('without SMTP, "forgot password" says it is unavailable and sends (and logs) nothing', async () => {
    const bare = await buildServer(handle, { housekeeping: { intervalMs: 0 }, cabinet: { lowBalanceIntervalMs: 0 } });
    try {
      const get = await bare.inject({ method: 'GET', url: '/cabinet/forgot', headers: { host: 'localhost' } });
      expect(get.statusCode).toBe(200);
      expect(get.body).toContain('Восстановление пароля недоступно');
      const post = await bare.inject({ method: 'POST', url: '/cabinet/forgot', headers: { host: 'localhost', 'content-type': 'application/x-www-form-urlencoded' }, payload: `account=${IVANOV}&email=${encodeURIComponent(EMAIL)}` });
      expect(post.statusCode).toBe(503);
      expect(post.body).toContain('обратитесь в школу');
    } finally {
      await bare.close();
    }
  });
});
