import { performance } from 'node:perf_hooks';
import { loadavg } from 'node:os';
import type { Benchmark, BenchResult } from './types.js';
import { percentile, round } from './types.js';
import { demoReceipt } from '../hardware/printer/demo.js';
import { COLUMNS, PROFILES, render } from '../hardware/printer/index.js';

const TARGET_MS: Record<string, number> = { escpos: 2, 'star-line': 2, 'star-prnt': 2, raster: 20 };

/** receipt_encode: p99 ms to lay out and encode the demo receipt (80 mm), per profile. */
export const benchmarks: Benchmark[] = [
  {
    name: 'receipt_encode',
    async run() {
      const doc = demoReceipt();
      const out: BenchResult[] = [];
      for (const profile of PROFILES) {
        const target = { profile, columns: COLUMNS[80] };
        for (let i = 0; i < 200; i++) render({ kind: 'receipt', doc }, target); // warm-up (JIT, font table)
        const samples: number[] = [];
        let bytes = 0;
        for (let i = 0; i < 2000; i++) {
          const t0 = performance.now();
          bytes = render({ kind: 'receipt', doc }, target).bytes.length;
          samples.push(performance.now() - t0);
        }
        const p99 = percentile(samples, 99);
        out.push({
          name: 'receipt_encode', profile, value: round(p99), unit: 'ms', p50: round(percentile(samples, 50)),
          target: TARGET_MS[profile], ok: p99 <= TARGET_MS[profile]!, bytes, samples: samples.length,
          // p99 of a sub-millisecond task is set by the scheduler on a busy machine: the load says how busy.
          load1: round(loadavg()[0]!, 2),
        });
      }
      return out;
    },
  },
];
