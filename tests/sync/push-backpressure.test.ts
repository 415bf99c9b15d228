import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Backpressure } from '../../src/server/backpressure.js';
import { buildServer } from '../../src/server/app.js';
import { RETRY_AFTER_MS_HEADER } from '../../src/api/sync.js';
import { enrollDemoTerminal } from '../server/helpers.js';
import { FakeTimers } from './fake-timers.js';
import { IVANOV, KASHA, newTerminal, startTestServer, type TestServer } from './harness.js';

// Issue 17 point 4: a Retry-After that follows the queue, and tills that come back when told.

describe('Backpressure: the time to come back follows the queue', () => {
  function measured(perSecond: number) {
    let now = 1_000_000;
    const bp = new Backpressure({ maxWaiting: 40, now: () => now, random: () => 0.5 });
    // Two seconds of completions at `perSecond`.
    for (let t = 0; t < 2000; t += 1000 / perSecond) { now = 1_000_000 + t; bp.completed(); }
    now = 1_002_000;
    return { bp, advance: (ms: number) => { now += ms; } };
  }

  it('lets requests in below the limit; pulls are refused at half the queue pushes are', () => {
    const { bp } = measured(100);
    expect(bp.check(40, 1)).toBeUndefined();
    expect(bp.check(20, 0.5)).toBeUndefined();
    expect(bp.check(21, 0.5)).toBeGreaterThan(0);
  });

  it('waits as long as the excess queue takes to drain at the measured rate, then gives each refused request its own slot', () => {
    const { bp } = measured(100);   // about 100 a second (the window's newest bucket has just begun): a slot is 10–12 ms
    const first = bp.check(60)!;     // 20 over the limit: ~200 ms to drain, then its slot
    expect(first).toBeGreaterThanOrEqual(200);
    expect(first).toBeLessThanOrEqual(250);
    const second = bp.check(60)!;
    expect(second - first).toBeGreaterThanOrEqual(10);   // the next refused one comes a slot later, not together with the first
    expect(second - first).toBeLessThanOrEqual(12);
  });

  it('a slower server or a longer queue asks for longer; an idle one does not keep old slots', () => {
    const fast = measured(200).bp.check(140)!;
    const slow = measured(50).bp.check(140)!;
    expect(slow).toBeGreaterThan(fast * 3);
    const { bp, advance } = measured(100);
    for (let i = 0; i < 50; i++) bp.check(60);
    advance(5000);   // the queue drained long ago
    for (let t = 0; t < 2000; t += 10) { advance(10); bp.completed(); }
    expect(bp.check(41)).toBe(100);   // one slot and a little drain: the floor
  });

  it('stays within 100 ms and 30 s', () => {
    expect(measured(100000).bp.check(41)).toBe(100);
    expect(measured(1).bp.check(100_000)).toBe(30_000);
  });
});

let server: TestServer;
beforeAll(async () => { server = await startTestServer(); }, 180_000);
afterAll(async () => { await server?.close(); });

describe('the busy answer', () => {
  it('carries the time in ms and Retry-After in whole seconds, longer for a longer queue', async () => {
    let waiting = 0;
    const handle = { ...server.handle, pool: () => ({ size: 10, waiting }) };
    const app = await buildServer(handle, { maxDbWaiting: 40, housekeeping: { intervalMs: 0 }, orderFix: { intervalMs: 0 } });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const addr = app.server.address();
    const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    try {
      const { token, terminalId } = await enrollDemoTerminal(server.handle, 'terminal-24-bp');
      const push = () => fetch(`${url}/api/v1/sync/push`, {
        method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ terminalId, entries: [] }),
      });
      waiting = 60;
      const short = await push();
      expect(short.status).toBe(503);
      const shortMs = Number(short.headers.get(RETRY_AFTER_MS_HEADER));
      expect(shortMs).toBeGreaterThanOrEqual(100);
      expect(Number(short.headers.get('retry-after'))).toBe(Math.max(1, Math.ceil(shortMs / 1000)));
      waiting = 2000;
      const long = await push();
      expect(Number(long.headers.get(RETRY_AFTER_MS_HEADER))).toBeGreaterThan(shortMs * 10);
      waiting = 0;
      expect((await push()).status).toBe(200);
    } finally {
      await app.close();
    }
  });
});

describe('the till honours it', () => {
  it('waits exactly the ms the server says, every time (no doubling), knocks with no empty push and adds no pull', async () => {
    const fake = new FakeTimers();
    let busyLeft = 4;
    const requests: string[] = [];
    const fetchBusy = async (input: string, init: RequestInit) => {
      const push = input.includes('/push');
      requests.push(push ? `push:${JSON.parse(String(init.body)).entries.length}` : 'pull');
      if (push && busyLeft > 0) {
        busyLeft--;
        return new Response(JSON.stringify({ error: { code: 'BUSY', message: 'Сервер перегружен' } }),
          { status: 503, headers: { 'retry-after': '1', [RETRY_AFTER_MS_HEADER]: '350', 'content-type': 'application/json' } });
      }
      return fetch(input, init);
    };
    const t = await newTerminal(server, { terminalId: 'terminal-24-bq', clock: fake.clock, timers: fake, fetch: fetchBusy, random: () => 0.99 });
    const settle = () => t.client.idle();
    try {
      t.client.start();
      await settle();
      await t.sell(IVANOV.card, [KASHA]);
      requests.length = 0;
      t.client.nudge();
      await fake.advance(300, settle);
      for (let i = 0; i < 3; i++) {
        expect(t.client.pendingTimer).toBe('backoff');
        expect(fake.nextIn()).toBe(350);   // the plain backoff would be 1 s, 2 s, 4 s … by now
        await fake.advance(350, settle);
      }
      await fake.advance(350, settle);
      expect(t.pending()).toBe(0);
      expect(requests).toEqual(['push:1', 'push:1', 'push:1', 'push:1', 'push:1']);
    } finally {
      await t.close();
    }
  });
});
