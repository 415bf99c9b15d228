import { LOCAL_PG } from './db-targets.js';
import type { Benchmark, BenchResult } from './types.js';
import { runRegion } from './region/run.js';
import { CURRENT_POLICY, LEGACY_POLICY, type TillPolicy } from './region/till.js';

/**
 * region_load (issue 17): N simulated tills over real HTTP and poke WebSockets against `canteen server`
 * in a child process on PostgreSQL, parents in the cabinet beside them; bench/region/run.ts.
 *
 * Settings (environment):
 *   REGION_TILLS=300            tills (a comma list runs each in turn and reports the largest that held p99 ≤ 250 ms)
 *   REGION_PER_SCHOOL=3         tills a school (15 for a region of big schools)
 *   REGION_PUPILS=200           pupils a school
 *   REGION_SECONDS=60           measured seconds, all schools at lunch
 *   REGION_RAMP=10              seconds over which the schools' lunch windows open
 *   REGION_SALE_MS=4000         one sale per till every this many ms (± half)
 *   REGION_PARENTS=2            cabinet visits a second (login + statement)
 *   REGION_POLICY=current       till behaviour: current (src/terminal/sync/client.ts) or legacy (before issue 17)
 *   REGION_SERVER_ENV=K=V,…     extra environment for the server process
 */
const POLICIES: Record<string, TillPolicy> = { legacy: LEGACY_POLICY, current: CURRENT_POLICY };

export const benchmarks: Benchmark[] = [
  {
    name: 'region_load',
    async run() {
      const env = process.env;
      const sizes = (env.REGION_TILLS ?? '300').split(',').map(Number).filter((n) => n > 0);
      const policy = POLICIES[env.REGION_POLICY ?? 'current'];
      if (!policy) throw new Error(`REGION_POLICY: one of ${Object.keys(POLICIES).join(', ')}`);
      const serverEnv = Object.fromEntries((env.REGION_SERVER_ENV ?? '').split(',').filter(Boolean).map((kv) => kv.split('=', 2) as [string, string]));
      const out: BenchResult[] = [];
      let held = 0;
      for (const terminals of sizes) {
        const r = await runRegion({
          databaseUrl: env.DATABASE_URL ?? LOCAL_PG,
          terminals,
          tillsPerSchool: Number(env.REGION_PER_SCHOOL ?? 3),
          pupils: Number(env.REGION_PUPILS ?? 200),
          seconds: Number(env.REGION_SECONDS ?? 60),
          rampSeconds: Number(env.REGION_RAMP ?? 10),
          saleEveryMs: Number(env.REGION_SALE_MS ?? 4000),
          parentsPerSecond: Number(env.REGION_PARENTS ?? 2),
          policy,
          serverEnv,
          log: (line) => console.error(`[region ${terminals}] ${line}`),
        });
        const ok = (r.push_p99_ms as number) <= 250 && r.errors === 0 && r.lost === 0 && r.doubled === 0 && r.unacked === 0;
        if (ok) held = Math.max(held, terminals);
        out.push(r);
      }
      for (const r of out) r.max_terminals_p99_250 = held;
      return out;
    },
  },
];
