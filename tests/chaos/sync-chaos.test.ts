import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_SCHOOL } from '../../src/core/demo-school.js';
import { ChaosProxy, type Fault } from './proxy.js';
import {
  countRows, IVANOV, KASHA, newTerminal, PIZZA, reconcileDifferences, serverBalance, serverEntriesOf,
  startTestServer, topUpAll, type TestServer, type TestTerminal,
} from '../sync/harness.js';

/** Small seeded PRNG: a failing run can be replayed with CHAOS_SEED. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CYCLES = Number(process.env.CHAOS_CYCLES ?? 220);
const SEED = Number(process.env.CHAOS_SEED ?? Date.now() % 1_000_000);
const CARDS = [IVANOV.card, 'MF:BCD14264', 'EM:55007E1004'];
const ACCOUNTS = ['0242013137', '0242013145', '0242013179'];
const TOP_UP = 10_000_000;

describe(`sync through a proxy that cuts connections (seed ${SEED})`, () => {
  const open: { close(): Promise<void> }[] = [];
  afterAll(async () => { for (const x of open.reverse()) await x.close(); });

  it(`${CYCLES} cycles of sales and cut syncs: 0 lost, 0 doubled, balances equal`, async () => {
    const rnd = mulberry32(SEED);
    const server: TestServer = await startTestServer();
    open.push(server);
    await topUpAll(server.handle, TOP_UP);
    const port = Number(new URL(server.url).port);
    const proxy = new ChaosProxy({ host: '127.0.0.1', port });
    await proxy.listen();
    open.push(proxy);
    const terms: TestTerminal[] = [];
    for (const id of ['terminal-24-1', 'terminal-24-2']) {
      const t = await newTerminal({ handle: server.handle, url: proxy.url }, { terminalId: id, batchSize: 4, requestTimeoutMs: 10_000 });
      open.push(t);
      terms.push(t);
    }
    const start = new Map<string, number>();
    for (const a of ACCOUNTS) start.set(a, await serverBalance(server.handle, a));

    const faults: Fault[] = ['pass', 'beforeRequest', 'afterCommit', 'midReply'];
    proxy.choose = () => (rnd() < 0.4 ? 'pass' : faults[1 + Math.floor(rnd() * 3)]!);
    let failedSyncs = 0;
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const t = terms[Math.floor(rnd() * terms.length)]!;
      const sales = 1 + Math.floor(rnd() * 3);
      for (let i = 0; i < sales; i++) {
        await t.sell(CARDS[Math.floor(rnd() * CARDS.length)]!, rnd() < 0.5 ? [KASHA] : [PIZZA, KASHA]);
      }
      try { await t.client.syncOnce(); } catch { failedSyncs++; }
    }
    expect(proxy.counts.beforeRequest).toBeGreaterThan(10);
    expect(proxy.counts.afterCommit).toBeGreaterThan(10);
    expect(proxy.counts.midReply).toBeGreaterThan(10);
    expect(failedSyncs).toBeGreaterThan(0);

    // Network back: everything must drain.
    proxy.choose = () => 'pass';
    for (let round = 0; round < 3; round++) for (const t of terms) await t.client.syncOnce();

    let expectedEntries = 0;
    for (const t of terms) {
      const local = t.localEntries();
      expectedEntries += local.length;
      const remote = await serverEntriesOf(server.handle, t.terminalId);
      // 0 lost, 0 doubled: the server holds exactly the terminal's entries, by uuid, in seq order.
      expect(remote.map((r) => r.uuid)).toEqual(local.map((e) => e.uuid));
      expect(remote.map((r) => r.seq)).toEqual(local.map((_, i) => i + 1));
      expect(remote.map((r) => r.amount)).toEqual(local.map((e) => e.amount));
      expect(t.pending()).toBe(0);
    }
    const serverMade = DEMO_SCHOOL.students.filter((s) => s.openingBalance !== 0).length + DEMO_SCHOOL.students.length;
    expect(await countRows(server.handle, 'entries')).toBe(expectedEntries + serverMade);
    expect(await countRows(server.handle, 'entry_ids')).toBe(expectedEntries + serverMade);

    for (const account of ACCOUNTS) {
      const sold = terms.flatMap((t) => t.localEntries()).filter((e) => e.account_number === account).reduce((s, e) => s + e.amount, 0);
      const expected = start.get(account)! + sold;
      expect(await serverBalance(server.handle, account)).toBe(expected);
      for (const t of terms) {
        const card = CARDS[ACCOUNTS.indexOf(account)]!;
        expect(await t.shownBalance(card)).toBe(expected);
      }
    }
    expect(await reconcileDifferences(server.handle)).toEqual([]);
  });
});
