import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { buildServer } from '../../src/server/app.js';
import { PokeHub } from '../../src/server/poke.js';
import { recordTopUp } from '../../src/server/ledger/server-entries.js';
import { SALES_POKE_GAP_MS } from '../../src/terminal/sync/client.js';
import type { PokeCallbacks, PokeFactory } from '../../src/terminal/sync/poke.js';
import { DEMO_SCHOOL } from '../../src/core/demo-school.js';
import { api, enrollDemoTerminal } from '../server/helpers.js';
import { FakeTimers } from './fake-timers.js';
import { countRows, IVANOV, KASHA, newTerminal, PETROV, startTestServer, type TestServer } from './harness.js';

// Issue 17: pokes and pulls that do not grow with the square of a school's tills, and backpressure.
let server: TestServer;
beforeAll(async () => { server = await startTestServer(); }, 180_000);
afterAll(async () => { await server?.close(); });

const SCHOOL = DEMO_SCHOOL.school.id;

function socketOf(token: string): Promise<{ ws: WebSocket; messages: string[] }> {
  const ws = new WebSocket(`${server.url.replace('http', 'ws')}/api/v1/sync/poke`, { headers: { authorization: `Bearer ${token}` } });
  const messages: string[] = [];
  ws.on('message', (d: Buffer) => messages.push(d.toString()));
  return new Promise((resolve, reject) => { ws.once('open', () => resolve({ ws, messages })); ws.once('error', reject); });
}

describe('server pokes', () => {
  it('gathers sales pokes: twenty pushes committed at once make one NOTIFY and one "sales" message', async () => {
    const hub = new PokeHub(50);
    await hub.start(server.handle);
    const got: string[] = [];
    hub.subscribe(SCHOOL, (kind) => got.push(kind));
    for (let i = 0; i < 20; i++) hub.salesCommitted(SCHOOL);
    await vi.waitFor(() => expect(got).toEqual(['sales']), { timeout: 10_000, interval: 20 });
    await new Promise((r) => setTimeout(r, 300));
    expect(got).toEqual(['sales']);
    expect(hub.salesNotifies).toBe(1);
    await hub.stop();
  });

  it('a till\'s push pokes the school with "sales"; a top-up with an empty message (pull now)', async () => {
    const other = await enrollDemoTerminal(server.handle, 'terminal-24-7');
    const { ws, messages } = await socketOf(other.token);
    const t = await newTerminal(server, { terminalId: 'terminal-24-8' });
    try {
      for (let i = 0; i < 3; i++) { await t.sell(IVANOV.card, [KASHA]); await t.client.syncOnce(); }
      await vi.waitFor(() => expect(messages.length).toBeGreaterThan(0), { timeout: 10_000, interval: 20 });
      expect(new Set(messages)).toEqual(new Set(['sales']));
      const before = messages.length;
      await recordTopUp(server.handle.db, PETROV.account, 100, { source: 'poke-kind' });
      await vi.waitFor(() => expect(messages.slice(before)).toContain(''), { timeout: 10_000, interval: 20 });
    } finally {
      ws.close();
      await t.close();
    }
  });
});

describe('the till pulls when a pull is due, not after every push or sales poke', () => {
  it('push without pull; a sales poke waits for the gap; an empty poke pulls at once; a long push yields to a due pull', async () => {
    const fake = new FakeTimers();
    let cb: PokeCallbacks | undefined;
    const poke: PokeFactory = (c) => { cb = c; return { close() {} }; };
    const requests: string[] = [];
    let pushCost = 0;
    const fetchLogged = async (input: string, init: RequestInit) => {
      const kind = input.includes('/push') ? 'push' : 'pull';
      requests.push(kind);
      if (kind === 'push') fake.nowMs += pushCost;   // a slow push: time passes while it is sent
      return fetch(input, init);
    };
    const t = await newTerminal(server, { terminalId: 'terminal-24-9', clock: fake.clock, timers: fake, poke, fetch: fetchLogged, batchSize: 1 });
    const settle = () => t.client.idle();
    try {
      t.client.start();
      await settle();
      const start = fake.nowMs;
      const pulls = () => requests.filter((r) => r === 'pull').length;
      const p0 = pulls();

      await t.sell(IVANOV.card, [KASHA]);
      t.client.nudge();
      await fake.advance(300, settle);
      expect(t.pending()).toBe(0);
      expect(pulls()).toBe(p0);                         // the push is not followed by a pull

      await fake.advance(700, settle);
      cb!.onPoke('sales');
      await settle();
      expect(pulls()).toBe(p0);                         // another till's sales: not before the gap
      await fake.advance(start + SALES_POKE_GAP_MS - fake.nowMs - 1, settle);
      expect(pulls()).toBe(p0);
      await fake.advance(1, settle);
      expect(pulls()).toBe(p0 + 1);                     // … but then, before the 15 s interval

      cb!.onPoke('');
      await settle();
      expect(pulls()).toBe(p0 + 2);                     // data changed on the server: at once

      // Six sales pushed one a request, 4 s each: the pull due 15 s after the last one comes between them.
      for (let i = 0; i < 6; i++) await t.sell(PETROV.card, [KASHA]);
      pushCost = 4000;
      requests.length = 0;
      t.client.nudge();
      await fake.advance(300, settle);
      pushCost = 0;
      expect(t.pending()).toBe(0);
      expect(requests.filter((r) => r === 'push')).toHaveLength(6);
      const firstPull = requests.indexOf('pull');
      expect(firstPull).toBeGreaterThan(0);
      expect(requests.lastIndexOf('push')).toBeGreaterThan(firstPull);
    } finally {
      await t.close();
    }
  });
});

describe('backpressure', () => {
  it('503 with Retry-After while the pool queue is long (a pull sooner than a push), nothing stored; then accepted', async () => {
    let waiting = 0;
    const handle = { ...server.handle, pool: () => ({ size: 1, waiting }) };
    const app = await buildServer(handle, { maxDbWaiting: 2, housekeeping: { intervalMs: 0 } });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const addr = app.server.address();
    const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    try {
      const { token, terminalId } = await enrollDemoTerminal(server.handle, 'terminal-24-10');
      const now = new Date().toISOString();
      const entry = {
        uuid: '0190a3c4-0000-7000-8000-00000000a001', seq: 1, kind: 'cabinetPassword', accountNumber: IVANOV.account, amount: 0,
        createdAt: now, payload: { passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo' },
      };
      const rows = await countRows(server.handle, 'entry_ids');
      waiting = 3;
      const res = await fetch(`${url}/api/v1/sync/push`, {
        method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ terminalId, entries: [entry] }),
      });
      expect(res.status).toBe(503);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(Number(res.headers.get('retry-after'))).toBeLessThanOrEqual(5);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/перегружен/);
      expect(await countRows(server.handle, 'entry_ids')).toBe(rows);

      waiting = 2;
      expect((await api({ url, token }, 'GET', '/api/v1/sync/pull')).status).toBe(503);
      const pushed = await api<{ ackSeq: number }>({ url, token }, 'POST', '/api/v1/sync/push', { terminalId, entries: [entry] });
      expect(pushed).toMatchObject({ status: 200, body: { ackSeq: 1 } });
      waiting = 0;
      expect((await api({ url, token }, 'GET', '/api/v1/sync/pull')).status).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('the till waits at least what Retry-After says, then pushes everything', async () => {
    const fake = new FakeTimers();
    let busy = true;
    const fetchBusy = async (input: string, init: RequestInit) => busy && input.includes('/push')
      ? new Response(JSON.stringify({ error: { code: 'BUSY', message: 'Сервер перегружен' } }), { status: 503, headers: { 'retry-after': '120', 'content-type': 'application/json' } })
      : fetch(input, init);
    const t = await newTerminal(server, { terminalId: 'terminal-24-11', clock: fake.clock, timers: fake, fetch: fetchBusy, random: () => 0.99 });
    const settle = () => t.client.idle();
    try {
      t.client.start();
      await settle();
      await t.sell(IVANOV.card, [KASHA]);
      t.client.nudge();
      await fake.advance(300, settle);
      expect(t.client.pendingTimer).toBe('backoff');
      expect(t.client.state().lastError).toMatch(/перегружен/);
      expect(fake.nextIn()).toBeGreaterThanOrEqual(120_000);   // the plain first backoff is under a second
      busy = false;
      await fake.advance(120_000, settle);
      expect(t.pending()).toBe(0);
    } finally {
      await t.close();
    }
  });
});
