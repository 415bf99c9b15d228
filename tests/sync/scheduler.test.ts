import { afterEach, describe, expect, it, vi } from 'vitest';
import { recordTopUp } from '../../src/server/ledger/server-entries.js';
import { wsPoke } from '../../src/terminal/sync/poke.js';
import type { SyncState } from '../../src/api/pos-api.js';
import { FakeTimers } from './fake-timers.js';
import {
  IVANOV, KASHA, newTerminal, PETROV, reconcileDifferences, serverBalance, serverEntriesOf, startTestServer, topUpAll,
} from './harness.js';
import { Cable } from './net.js';

const open: { close(): Promise<void> }[] = [];
const track = <T extends { close(): Promise<void> }>(x: T): T => { open.push(x); return x; };
afterEach(async () => { for (const x of open.splice(0).reverse()) await x.close(); });

function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => { a = (Math.imul(a, 1664525) + 1013904223) >>> 0; return a / 2 ** 32; };
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

describe('sync scheduler under a fake clock', () => {
  it('syncs at start, ~300 ms after a burst of sales (one push), then every 15 s', async () => {
    const server = track(await startTestServer());
    const fake = new FakeTimers();
    const t = track(await newTerminal(server, { clock: fake.clock, timers: fake, random: seeded(1) }));
    const states: SyncState[] = [];
    t.client.onState((s) => states.push(s));
    const settle = () => t.client.idle();

    t.client.start();
    await settle();
    expect(t.client.stats.runs).toBe(2);                  // the harness's first pull + start
    expect(t.client.pendingTimer).toBe('interval');

    for (let i = 0; i < 5; i++) { await t.sell(IVANOV.card, [KASHA]); t.client.nudge(); }
    expect(t.client.pendingTimer).toBe('debounce');
    expect(states.at(-1)).toMatchObject({ pending: 5 });
    const pushesBefore = t.client.stats.pushRequests;
    await fake.advance(299, settle);
    expect(t.client.stats.pushRequests).toBe(pushesBefore);
    await fake.advance(1, settle);
    expect(t.client.stats.pushRequests).toBe(pushesBefore + 1);
    expect(t.pending()).toBe(0);
    expect(states.at(-1)).toMatchObject({ online: true, pending: 0 });

    const runs = t.client.stats.runs;
    await fake.advance(15_000, settle);
    expect(t.client.stats.runs).toBe(runs + 1);
    await fake.advance(45_000, settle);
    expect(t.client.stats.runs).toBe(runs + 4);
  });

  it('never runs two syncs at once', async () => {
    const server = track(await startTestServer());
    let inFlight = 0;
    let maxInFlight = 0;
    const fetchCounting = async (input: string, init: RequestInit) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try { return await fetch(input, init); } finally { inFlight--; }
    };
    const fake = new FakeTimers();
    const t = track(await newTerminal(server, { fetch: fetchCounting, timers: fake, clock: fake.clock, batchSize: 2 }));
    for (let i = 0; i < 9; i++) await t.sell(IVANOV.card, [KASHA]);
    t.client.start();
    const all = Promise.all([t.client.syncOnce(), t.client.syncOnce(), t.client.syncOnce()]);
    t.client.trigger();
    t.client.nudge();
    await all;
    await t.client.idle();
    expect(maxInFlight).toBe(1);
    expect(t.pending()).toBe(0);
    const remote = await serverEntriesOf(server.handle, t.terminalId);
    expect(remote.map((r) => r.uuid)).toEqual(t.localEntries().map((e) => e.uuid));
  });

  it('a week offline with 5,000 sales: staleness warning, backoff without hammering, then everything acked in order', async () => {
    const server = track(await startTestServer());
    await topUpAll(server.handle);
    const fake = new FakeTimers();
    const cable = new Cable(() => fake.nowMs);
    const backoff = { baseMs: 1_000, maxMs: 5 * MINUTE };
    const t = track(await newTerminal(server, { fetch: cable.fetch, clock: fake.clock, timers: fake, random: seeded(7), backoff }));
    const settle = () => t.client.idle();
    t.client.start();
    await settle();
    const status = async () => { const r = await t.service.status(); if (!r.ok) throw new Error(r.error.message); return r.value; };
    expect((await status()).staleWarning).toBeUndefined();
    const syncedAt = t.client.state().lastSyncAt;

    cable.down = true;
    const wentDown = fake.nowMs;
    const SALES = 5000;
    const step = Math.floor((7 * DAY) / SALES);
    const cards = [IVANOV.card, 'MF:BCD14264', 'EM:55007E1004'];
    let warnedAfter: number | undefined;
    for (let i = 0; i < SALES; i++) {
      await fake.advance(step, settle);
      await t.sell(cards[i % cards.length]!, [KASHA]);
      t.client.nudge();
      if (warnedAfter === undefined && (await status()).staleWarning) warnedAfter = fake.nowMs - wentDown;
    }
    const st = await status();
    // Every sale is an entry (plus the odd cabinet-password entry the core adds on a first sale).
    const made = t.localEntries().length;
    expect(made).toBeGreaterThanOrEqual(SALES);
    expect(st.sync).toMatchObject({ online: false, pending: made, configured: true, lastSyncAt: syncedAt });
    expect(st.sync.lastError).toMatch(/Нет связи/);
    expect(st.staleWarning).toMatch(/Нет связи с сервером дольше 24 ч/);
    // The warning came once the school's limit (24 h) had passed, not before.
    expect(warnedAfter).toBeGreaterThan(DAY - step * 2);
    expect(warnedAfter).toBeLessThan(DAY + step * 2);

    // Backoff: the first retries double (equal jitter: between half and all of 1 s, 2 s, 4 s …) …
    const gaps = cable.refusedAt.slice(1, 8).map((at, i) => at - cable.refusedAt[i]!);
    gaps.forEach((g, i) => {
      expect(g).toBeGreaterThanOrEqual(Math.min(backoff.maxMs, backoff.baseMs * 2 ** i) / 2 - 1);
      expect(g).toBeLessThanOrEqual(Math.min(backoff.maxMs, backoff.baseMs * 2 ** i) + step + 1);
    });
    // … and a week costs at most one small request per 2.5 minutes, however many sales were made.
    expect(cable.refused).toBeLessThanOrEqual(Math.ceil((7 * DAY) / (backoff.maxMs / 2)) + 20);
    expect(cable.refused).toBeGreaterThan((7 * DAY) / backoff.maxMs - 20);

    cable.down = false;
    await fake.advance(backoff.maxMs, settle);
    const after = await status();
    expect(after.sync).toMatchObject({ online: true, pending: 0 });
    expect(after.staleWarning).toBeUndefined();
    const remote = await serverEntriesOf(server.handle, t.terminalId);
    const local = t.localEntries();
    expect(remote.length).toBe(made);
    expect(remote.map((r) => r.uuid)).toEqual(local.map((e) => e.uuid));
    expect(remote.map((r) => r.seq)).toEqual(local.map((_, i) => i + 1));
    expect(await t.shownBalance(IVANOV.card)).toBe(await serverBalance(server.handle, IVANOV.account));
    expect(await reconcileDifferences(server.handle)).toEqual([]);
  });
});

describe('server pokes', () => {
  it('a top-up on the server reaches the terminal at once, without waiting for the timer', async () => {
    const server = track(await startTestServer());
    const t = track(await newTerminal(server, { poke: wsPoke, intervalMs: 3_600_000, debounceMs: 3_600_000 }));
    const shown = await t.shownBalance(PETROV.card);
    t.client.start();
    await t.client.idle();
    // Give the socket a moment to subscribe, then change data on the server.
    await vi.waitFor(async () => {
      await recordTopUp(server.handle.db, PETROV.account, 100, { source: 'poke-probe' });
      await new Promise((r) => setTimeout(r, 200));
      expect(await t.shownBalance(PETROV.card)).toBeGreaterThan(shown);
    }, { timeout: 10_000, interval: 300 });
    const before = await t.shownBalance(PETROV.card);
    await recordTopUp(server.handle.db, PETROV.account, 50_000, { source: 'test' });
    await vi.waitFor(async () => expect(await t.shownBalance(PETROV.card)).toBe(before + 50_000), { timeout: 10_000, interval: 50 });
  });
});
