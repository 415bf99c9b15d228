import { performance } from 'node:perf_hooks';
import { dbTargets, freshDb } from './db-targets.js';
import type { Benchmark, BenchResult } from './types.js';
import { round } from './types.js';
import { startTestServer } from '../tests/server/helpers.js';
import { IVANOV, KASHA, newTerminal, serverEntriesOf, topUpAll } from '../tests/sync/harness.js';
import { Cable } from '../tests/sync/net.js';

const SALES = Number(process.env.SYNC_BENCH_SALES ?? 10_000);
const BATCHES = (process.env.SYNC_BENCH_BATCH ?? '2000').split(',').map(Number);

/**
 * sync_10k: a terminal sells 10,000 times offline (real PosService sales), the
 * network comes back, and the clock runs until the server has acknowledged
 * every entry (value), then until the pull after it is applied (withPullS).
 * Loopback HTTP to the real server; the terminal's SQLite is on local disk.
 */
async function syncTenK(url: string | undefined, batchSize: number): Promise<BenchResult> {
  const handle = await freshDb(url);
  const server = await startTestServer({ handle });
  await topUpAll(server.handle, 1_000_000_000);
  const cable = new Cable();
  const t = await newTerminal(server, { fetch: cable.fetch, batchSize });
  try {
    cable.down = true;
    const cards = [IVANOV.card, 'MF:BCD14264', 'EM:55007E1004', 'EM:55007E1006'];
    const sellStart = performance.now();
    for (let i = 0; i < SALES; i++) await t.sell(cards[i % cards.length]!, [KASHA]);
    const sellS = (performance.now() - sellStart) / 1000;
    const entries = t.pending();
    cable.down = false;

    const t0 = performance.now();
    let ackedAt = 0;
    const off = t.client.onState((s) => { if (s.pending === 0 && !ackedAt) ackedAt = performance.now(); });
    const out = await t.client.syncOnce();
    const t1 = performance.now();
    off();
    const remote = await serverEntriesOf(server.handle, t.terminalId);
    if (remote.length !== entries || t.pending() !== 0) throw new Error(`sync_10k: ${remote.length} of ${entries} entries on the server`);
    return {
      name: 'sync_10k',
      value: round(((ackedAt || t1) - t0) / 1000),
      unit: 's',
      db: handle.kind,
      entries,
      sales: SALES,
      batchSize,
      pushRequests: t.client.stats.pushRequests,
      clientLocalS: round(t.client.stats.localMs / 1000),
      pushWaitS: round(t.client.stats.pushWaitMs / 1000),
      withPullS: round((t1 - t0) / 1000),
      entriesPerS: Math.round(entries / (((ackedAt || t1) - t0) / 1000)),
      ackSeq: out.ackSeq,
      offlineSellS: round(sellS, 1),
      target: '≤ 3 s on PostgreSQL',
    };
  } finally {
    await t.close();
    await server.close();
    await handle.close();
  }
}

export const benchmarks: Benchmark[] = [
  {
    name: 'sync_10k',
    async run() {
      const out: BenchResult[] = [];
      for (const url of await dbTargets()) for (const b of BATCHES) out.push(await syncTenK(url, b));
      return out;
    },
  },
];
