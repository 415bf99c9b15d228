import { readdir } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import type { CliCommand } from './types.js';
import { parseFlags } from './types.js';

/** What a bench/*.bench.ts module exports (bench/types.ts; repeated here: product code imports nothing from bench/). */
interface Benchmark { name: string; run(): Promise<{ name: string; value: number; unit: string; [extra: string]: unknown }[]> }

const BENCH_DIR = fileURLToPath(new URL('../../bench/', import.meta.url));

/** `canteen bench [--filter NAME]`: runs every benchmark in bench/*.bench.ts, one JSON line per result. */
export const command: CliCommand = {
  name: 'bench',
  summary: 'benchmarks, one JSON line each (--filter NAME)',
  async run(argv) {
    const { flags } = parseFlags(argv);
    const filter = typeof flags.filter === 'string' ? flags.filter : undefined;
    const files = (await readdir(BENCH_DIR)).filter((f) => f.endsWith('.bench.ts')).sort();
    let failed = 0;
    for (const file of files) {
      const mod = (await import(pathToFileURL(path.join(BENCH_DIR, file)).href)) as { benchmarks?: Benchmark[] };
      for (const bench of mod.benchmarks ?? []) {
        if (filter && !bench.name.includes(filter)) continue;
        try {
          for (const result of await bench.run()) console.log(JSON.stringify(result));
        } catch (err) {
          failed++;
          console.log(JSON.stringify({ name: bench.name, error: String((err as Error)?.stack ?? err) }));
        }
      }
    }
    return failed ? 1 : 0;
  },
};
