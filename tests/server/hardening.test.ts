import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { eq, sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import WebSocket from 'ws';
import type { SyncEntry } from '../../src/api/sync.js';
import { createEnrollmentCode, redeemEnrollmentCode, revokeTerminal } from '../../src/server/auth.js';
import { recordTopUp } from '../../src/server/ledger/server-entries.js';
import { accounts, entries, terminals } from '../../src/server/db/schema.js';
import { MAX_JSON_DEPTH, jsonDepth, serializeError } from '../../src/server/http-hardening.js';
import { PUSH_BODY_LIMIT } from '../../src/server/app.js';
import { api, startTestServer, type TestServer } from './helpers.js';

// Issue 11, reproduction 5: what a client can send that the server must answer
// with a reason (never 500, never parsed before the token is checked).

const IVANOV = '0242013137';
let s: TestServer;
beforeAll(async () => { s = await startTestServer(); });
afterAll(async () => { await s?.close(); });

function sale(seq: number, over: { name?: string; cardId?: string } = {}): SyncEntry {
  const receiptId = `r-${seq}-${uuidv7()}`;
  return {
    uuid: uuidv7(), seq, kind: 'sale', accountNumber: IVANOV, amount: -3450,
    createdAt: new Date().toISOString(), cardId: over.cardId ?? 'EM:55007EE424', receiptId,
    payload: {
      receiptId, receiptNumber: `24-${String(seq).padStart(6, '0')}`, total: 3450, subsidy: 0,
      lines: [{ itemId: 'dish-pizza', kind: 'dish', name: over.name ?? 'Пицца 125 г', quantity: 1, unitPrice: 3450, amount: 3450 }],
    },
  };
}

/** Raw POST (the body as given, any size), so the test controls exactly what the server gets. */
async function rawPush(body: string, token?: string): Promise<{ status: number; body: { error?: { code: string; message: string } } }> {
  const res = await fetch(`${s.url}/api/v1/sync/push`, {
    method: 'POST', body,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {} };
}

const balance = async () => (await s.handle.db.select().from(accounts).where(eq(accounts.accountNumber, IVANOV)))[0]!.balance;
const lastSeq = async () => (await s.handle.db.select().from(terminals).where(eq(terminals.id, s.terminalId)))[0]!.lastSeq;
const entryCount = async () => (await s.handle.db.select({ n: sql<number>`count(*)::int` }).from(entries))[0]!.n;

describe('the token is checked before the body is read', () => {
  it('an unauthenticated push is 401 whatever its body: bad JSON, or larger than any legal batch', async () => {
    expect((await rawPush('{"terminalId": ')).status).toBe(401);
    const huge = `{"terminalId":"x","entries":[${'1,'.repeat(PUSH_BODY_LIMIT)}1]}`;
    const r = await rawPush(huge, 'forged-token-0123456789');
    expect(r.status).toBe(401);
    expect(r.body.error?.message).toMatch(/Неизвестный токен/);
  });

  it('an authenticated push larger than the largest legal batch is 413 with a reason, and changes nothing', async () => {
    const before = await entryCount();
    const r = await rawPush(`{"terminalId":"${s.terminalId}","entries":[],"pad":"${'x'.repeat(PUSH_BODY_LIMIT)}"}`, s.token);
    expect(r.status).toBe(413);
    expect(r.body.error?.message).toBe('Слишком большой запрос');
    expect(await entryCount()).toBe(before);
  });
});

describe('bad bytes are refused with a reason, never 500, and change nothing', () => {
  const cases: [string, () => string, RegExp][] = [
    ['a NUL byte in a dish name', () => JSON.stringify({ terminalId: s.terminalId, entries: [sale(1, { name: 'Пицца\u0000' })] }), /символ NUL в поле «name»/],
    ['a NUL byte in a card id', () => JSON.stringify({ terminalId: s.terminalId, entries: [sale(1, { cardId: 'EM:55007EE424\u0000' })] }), /символ NUL в поле «cardId»/],
    ['JSON nested 10,000 deep', () => `{"terminalId":"${s.terminalId}","entries":[],"x":${'['.repeat(10_000)}${']'.repeat(10_000)}}`, new RegExp(`вложенность JSON больше ${MAX_JSON_DEPTH}`)],
    ['an amount beyond any number', () => JSON.stringify({ terminalId: s.terminalId, entries: [sale(1)] }).replace('"amount":-3450', '"amount":-1e400'), /число вне допустимого диапазона в поле «amount»/],
    ['an integer beyond 2^53', () => JSON.stringify({ terminalId: s.terminalId, entries: [sale(1)] }).replace('"quantity":1', '"quantity":123456789012345678901'), /число вне допустимого диапазона в поле «quantity»/],
    ['a parser error', () => `{"terminalId":"${s.terminalId}","entries":[`, /это не JSON/],
    ['a __proto__ key', () => `{"terminalId":"${s.terminalId}","entries":[],"__proto__":{"admin":true}}`, /недопустимое имя поля «__proto__»/],
  ];
  for (const [what, body, reason] of cases) {
    it(what, async () => {
      const [b, seq, n] = [await balance(), await lastSeq(), await entryCount()];
      const r = await rawPush(body(), s.token);
      expect(r.status).toBe(400);
      expect(r.body.error?.code).toBe('BAD_INPUT');
      expect(r.body.error?.message).toMatch(reason);
      expect([await balance(), await lastSeq(), await entryCount()]).toEqual([b, seq, n]);
    });
  }

  it('the same sale without the bad byte is applied (the checks refuse only what is wrong)', async () => {
    const b = await balance();
    const r = await rawPush(JSON.stringify({ terminalId: s.terminalId, entries: [sale((await lastSeq()) + 1)] }), s.token);
    expect(r.status).toBe(200);
    expect(await balance()).toBe(b - 3450);
  });

  it('depth is counted outside strings only', () => {
    expect(jsonDepth('{"a":"[[[[[[{{{{"}')).toBe(1);
    expect(jsonDepth('[[1],[2,[3]]]')).toBe(3);
    expect(jsonDepth('{"a":"\\"[["}')).toBe(1);
  });
});

describe('timeouts', () => {
  it('a request must arrive whole within the request timeout (slow bodies are not held for ever)', () => {
    expect(s.app.server.requestTimeout).toBe(120_000);
    expect(s.app.initialConfig.connectionTimeout).toBe(120_000);
  });

  it('a body that stops arriving is cut off by the server', async () => {
    const slow = await startTestServer({ handle: s.handle, seed: false, config: { requestTimeoutMs: 300 } });
    try {
      const ended = await new Promise<string>((resolve) => {
        const req = request(`${slow.url}/api/v1/sync/push`, {
          method: 'POST', headers: { 'content-type': 'application/json', 'content-length': '1000', authorization: `Bearer ${s.token}` },
        });
        req.on('response', (res) => resolve(`HTTP ${res.statusCode}`));
        req.on('error', (err) => resolve(`closed: ${(err as NodeJS.ErrnoException).code}`));
        req.on('close', () => resolve('closed'));
        req.write('{"terminalId":'); // … and never the rest
      });
      // The server ended it (408, or the socket closed by its idle timeout); the client never gave up.
      expect(ended).toMatch(/^(HTTP 408|closed: ECONNRESET|closed)$/);
    } finally {
      await slow.app.close();
    }
  });
});

describe('poke socket', () => {
  const connect = (path: string, headers: Record<string, string> = {}) => new WebSocket(`${s.url.replace('http', 'ws')}${path}`, { headers });

  it('takes no token from the URL', async () => {
    const ws = connect(`/api/v1/sync/poke?token=${s.token}`);
    const code = await new Promise<number>((resolve) => ws.once('close', (c) => resolve(c)));
    expect(code).toBe(4401);
  });

  it('is closed when its terminal is revoked', async () => {
    const { code } = await createEnrollmentCode(s.handle.db, { schoolId: 'school-24', terminalName: 'Буфет' });
    const t = await redeemEnrollmentCode(s.handle.db, code);
    const ws = connect('/api/v1/sync/poke', { authorization: `Bearer ${t.token}` });
    await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
    // Subscribed once a poke arrives (the subscription follows the token check).
    const first = new Promise<void>((resolve) => ws.once('message', () => resolve()));
    let subscribed = false;
    void first.then(() => { subscribed = true; });
    for (let i = 0; i < 50 && !subscribed; i++) { await recordTopUp(s.handle.db, IVANOV, 100); await new Promise((r) => setTimeout(r, 100)); }
    await first;
    const closed = new Promise<[number, string]>((resolve) => ws.once('close', (c, reason) => resolve([c, String(reason)])));
    await revokeTerminal(s.handle.db, t.terminalId);
    expect(await closed).toEqual([4401, 'Токен кассы отозван администратором']);
  });
});

describe('logged errors', () => {
  it('keep the SQL text and SQLSTATE of a failed query, never its parameters nor the values the driver quotes', async () => {
    let caught: unknown;
    try {
      await s.handle.db.execute(sql`SELECT ${'Иванов Иван'}::int AS n`);
    } catch (err) { caught = err; }
    expect(caught).toBeDefined();
    const logged = JSON.stringify(serializeError(caught));
    expect(logged).toContain('22P02');
    expect(logged).toContain('::int');
    expect(logged).not.toContain('Иванов');
  });
});

describe('API helper', () => {
  it('still answers a well-formed request', async () => {
    expect((await api(s, 'GET', '/api/v1/health')).status).toBe(200);
  });
});
