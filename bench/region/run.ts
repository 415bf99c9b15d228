import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import { freshDb } from '../db-targets.js';
import { percentile, round, type BenchResult } from '../types.js';
import { query } from '../../src/server/db/open.js';
import { reconcile } from '../../src/server/admin/reconcile.js';
import { SYNC_PATHS } from '../../src/api/sync.js';
import { seedRegion } from './seed.js';
import { cpuOfPids, startServerProcess } from './server-process.js';
import { Recorder, SimTill, type TillPolicy } from './till.js';
import { startParents } from './parents.js';

export interface RegionOptions {
  databaseUrl: string;
  terminals: number;
  tillsPerSchool: number;
  pupils: number;
  /** Seconds measured (all schools at lunch), after the ramp. */
  seconds: number;
  /** Seconds over which the schools' lunch windows open one after another. */
  rampSeconds: number;
  /** One sale every this many ms per till (± half, uniformly). */
  saleEveryMs: number;
  parentsPerSecond: number;
  policy: TillPolicy;
  /** Extra environment for the server process (pool size …). */
  serverEnv?: Record<string, string>;
  log?: (line: string) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function pool<T>(items: T[], width: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) { const i = next++; await fn(items[i]!, i); }
  }));
}

/** One region run: seed, server in a child process, tills and parents, measure, drain, check. */
export async function runRegion(o: RegionOptions): Promise<BenchResult> {
  const log = o.log ?? (() => {});
  const schoolsN = Math.ceil(o.terminals / o.tillsPerSchool);
  const h = await freshDb(o.databaseUrl) as Awaited<ReturnType<typeof freshDb>> & { url?: string };
  if (h.kind !== 'postgres' || !h.url) throw new Error('region_load needs PostgreSQL (DATABASE_URL or 127.0.0.1:5432)');
  const dbName = new URL(h.url).pathname.slice(1);
  const logFile = path.join(tmpdir(), `canteen-region-${dbName}.log`);
  const tills: SimTill[] = [];
  let server: Awaited<ReturnType<typeof startServerProcess>> | undefined;
  try {
    let t = performance.now();
    const region = await seedRegion(h, { schools: schoolsN, tillsPerSchool: o.tillsPerSchool, pupils: o.pupils, parentsPerSchool: 5 });
    region.tills = region.tills.slice(0, o.terminals);
    log(`seeded ${schoolsN} schools, ${region.tills.length} tills in ${Math.round(performance.now() - t)} ms`);
    server = await startServerProcess({ databaseUrl: h.url, logFile, ...(o.serverEnv ? { env: o.serverEnv } : {}) });
    const url = server.url;
    const rec = new Recorder();
    const addressOf = (k: number) => `10.${(k >> 8) & 255}.${k & 255}.1`;

    t = performance.now();
    await pool(region.tills, 8, async (till) => {
      const res = await fetch(url + SYNC_PATHS.enroll, {
        method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': addressOf(till.schoolIndex) },
        body: JSON.stringify({ code: till.code }),
      });
      const body = await res.json() as { token: string; receiptSeries: string };
      if (!res.ok) throw new Error(`enrol ${till.terminalId}: ${res.status} ${JSON.stringify(body)}`);
      const school = region.schools[till.schoolIndex]!;
      tills.push(new SimTill({
        serverUrl: url, address: addressOf(till.schoolIndex), terminalId: till.terminalId, token: body.token,
        accounts: school.accounts, cards: school.cards, receiptSeries: `${school.code}${body.receiptSeries}`,
        recorder: rec, policy: o.policy,
      }));
    });
    log(`enrolled ${tills.length} tills over HTTP in ${Math.round(performance.now() - t)} ms`);

    // Tills come up over a few seconds (first full pull each), as a region's tills do in the morning.
    t = performance.now();
    const spread = Math.min(20_000, tills.length * 8);
    await Promise.all(tills.map(async (till, i) => { await sleep((spread * i) / tills.length); till.start(); }));
    while (tills.some((x) => x.runs === 0)) await sleep(200);
    await sleep(2000);
    log(`tills started (first pulls) in ${Math.round(performance.now() - t)} ms`);

    // Lunch: school k opens at k/S of the ramp; each till sells every saleEveryMs ± half.
    let selling = true;
    const saleTimers = new Map<SimTill, NodeJS.Timeout>();
    const sellLoop = (till: SimTill, wait: number) => {
      saleTimers.set(till, setTimeout(() => {
        if (!selling) return;
        till.sell();
        sellLoop(till, o.saleEveryMs * (0.5 + Math.random()));
      }, wait));
    };
    const schoolOf = new Map(region.tills.map((x) => [x.terminalId, x.schoolIndex]));
    for (const till of tills) sellLoop(till, (o.rampSeconds * 1000 * schoolOf.get(till.terminalId)!) / schoolsN + Math.random() * o.saleEveryMs);
    const stopParents = startParents({ serverUrl: url, parents: region.parents, perSecond: o.parentsPerSecond, recorder: rec });
    await sleep(o.rampSeconds * 1000 + o.saleEveryMs);

    const backends = (await query<{ pid: number }>(h.db, sql`SELECT pid FROM pg_stat_activity WHERE datname = ${dbName} AND pid <> pg_backend_pid()`)).map((r) => r.pid);
    const cpu0 = { server: server.cpuSeconds(), pg: cpuOfPids(backends), gen: process.cpuUsage(), wall: performance.now() };
    rec.measuring = true;
    let rssMax = 0;
    const rssTimer = setInterval(() => { rssMax = Math.max(rssMax, server!.rssMb()); }, 1000);
    await sleep(o.seconds * 1000);
    rec.measuring = false;
    clearInterval(rssTimer);
    const wall = (performance.now() - cpu0.wall) / 1000;
    const genCpu = process.cpuUsage(cpu0.gen);
    const serverCpu = (server.cpuSeconds() - cpu0.server) / wall;
    const pgCpu = (cpuOfPids(backends) - cpu0.pg) / wall;
    const load1 = round(loadavg()[0]!, 2);

    selling = false;
    for (const tm of saleTimers.values()) clearTimeout(tm);
    await stopParents();
    t = performance.now();
    const drained = (await Promise.all(tills.map((x) => x.drain(300_000)))).every(Boolean);
    // Seconds from the end of lunch until every till's outbox was empty (the backlog, with tills honouring Retry-After).
    const drainS = round((performance.now() - t) / 1000, 1);
    log(`drained (${drained ? 'all acknowledged' : 'NOT all acknowledged'}) in ${Math.round(performance.now() - t)} ms`);
    await Promise.all(tills.map((x) => x.stop()));

    // Every sale a till made is on the server exactly once.
    const rows = await query<{ terminal_id: string; n: number; last_seq: number }>(h.db, sql`
      SELECT t.id AS terminal_id, t.last_seq, (SELECT count(*)::int FROM entry_ids e WHERE e.terminal_id = t.id) AS n FROM terminals t`);
    const onServer = new Map(rows.map((r) => [r.terminal_id, r]));
    let lost = 0;
    let unacked = 0;
    let doubled = 0;
    let made = 0;
    let gaps = 0;
    for (const till of tills) {
      const r = onServer.get(till.terminalId);
      made += till.seq;
      // Lost: acknowledged by the server but not there. Still in a till's outbox after the drain is not lost (the till keeps it).
      lost += Math.max(0, till.acked - (r?.n ?? 0));
      unacked += till.pending;
      doubled += Math.max(0, (r?.n ?? 0) - till.seq);
      if (r && r.last_seq !== till.seq) gaps++;
    }
    const [{ entries } = { entries: 0 }] = await query<{ entries: number }>(h.db, sql`SELECT count(DISTINCT uuid)::int AS entries FROM entries WHERE terminal_id IS NOT NULL`);
    const rc = await reconcile(h.db);
    const rcProblems = rc.differences.length + rc.violations.length;
    const sales = rec.counts.sales;
    return {
      name: 'region_load', value: round(percentile(rec.push, 99), 1), unit: 'ms',
      terminals: tills.length, tills_per_school: o.tillsPerSchool, schools: schoolsN, policy: o.policy.name,
      sales_per_s: round(sales / wall, 1),
      push_p50_ms: round(percentile(rec.push, 50), 1), push_p99_ms: round(percentile(rec.push, 99), 1),
      sale_to_ack_p99_ms: round(percentile(rec.saleToAck, 99), 1),
      pull_p50_ms: round(percentile(rec.pull, 50), 1), pull_p99_ms: round(percentile(rec.pull, 99), 1),
      cabinet_p50_ms: round(percentile(rec.cabinet, 50), 1), cabinet_p99_ms: round(percentile(rec.cabinet, 99), 1),
      login_p99_ms: round(percentile(rec.login, 99), 1),
      pushes_per_s: round(rec.counts.pushes / wall, 1), pulls_per_s: round(rec.counts.pulls / wall, 1), pokes_per_s: round(rec.counts.pokes / wall, 1),
      cabinet_visits: rec.cabinet.length,
      errors: rec.counts.errors, shed_503: rec.counts.shed, poke_reconnects: rec.counts.pokeReconnects, lost, unacked, doubled, seq_mismatch: gaps, drained, drain_s: drainS, entries_made: made, entries_on_server: entries,
      reconcile_problems: rcProblems,
      server_cpu_pct: round(serverCpu * 100, 0), postgres_cpu_pct: round(pgCpu * 100, 0),
      generator_cpu_pct: round(((genCpu.user + genCpu.system) / 1e6 / wall) * 100, 0), server_rss_mb: round(rssMax, 0),
      seconds: round(wall, 1), load1,
      ...(rec.samples.length ? { error_samples: rec.samples } : {}),
    };
  } finally {
    await Promise.all(tills.map((x) => x.stop()));
    await server?.stop();
    await h.close();
  }
}

