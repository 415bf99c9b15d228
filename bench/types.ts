/** One benchmark: `run` returns one or more result lines `{ name, value, unit, …comparison figures }`. */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  [extra: string]: unknown;
}

export interface Benchmark {
  /** The name `--filter` matches (substring). */
  name: string;
  run(): Promise<BenchResult[]>;
}

/** p-th percentile (0..100) of samples, nearest-rank. */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export const round = (n: number, digits = 3): number => Number(n.toFixed(digits));
