/**
 * When the pool cannot take a request soon, it is sent back (503) with a time to come back that
 * follows the queue: the expected time for the waiting queries to drain at the throughput measured
 * over the last seconds, plus a place in line behind the requests already sent back (each one a
 * slot of 1/throughput), so the refused tills return spread out at the rate the server serves, not
 * all together and not seconds after the queue has emptied (issue 17: a fixed 1–5 s Retry-After
 * left the machine idle while tills waited).
 */
export interface BackpressureOptions {
  /** Queries waiting for a pool connection above which a request with share 1 is refused; 0 = never. */
  maxWaiting: number;
  /** Throughput is measured over this window (ms). */
  windowMs?: number;
  /** Completions a second assumed before any are measured (a cold start must not ask for minutes). */
  floorPerSecond?: number;
  minRetryMs?: number;
  maxRetryMs?: number;
  now?: () => number;
  random?: () => number;
}

const BUCKET_MS = 250;

export class Backpressure {
  private readonly windowMs: number;
  private readonly floor: number;
  private readonly minRetryMs: number;
  private readonly maxRetryMs: number;
  private readonly now: () => number;
  private readonly random: () => number;
  /** Completions per BUCKET_MS bucket, a ring over the window. */
  private readonly buckets: number[];
  private bucketAt = 0;
  /** The last slot handed to a refused request (ms, this clock). */
  private lastSlot = 0;
  /** Requests sent back so far (diagnostics, tests). */
  shed = 0;

  constructor(private readonly o: BackpressureOptions) {
    this.windowMs = o.windowMs ?? 2000;
    this.floor = o.floorPerSecond ?? 20;
    this.minRetryMs = o.minRetryMs ?? 100;
    this.maxRetryMs = o.maxRetryMs ?? 30_000;
    this.now = o.now ?? Date.now;
    this.random = o.random ?? Math.random;
    this.buckets = new Array<number>(Math.max(1, Math.ceil(this.windowMs / BUCKET_MS))).fill(0);
  }

  /** A request that used the database finished: one sample of throughput. */
  completed(): void {
    this.advance();
    this.buckets[Math.floor(this.bucketAt / BUCKET_MS) % this.buckets.length]!++;
  }

  /** Completions a second over the window (at least the floor). */
  throughput(): number {
    this.advance();
    let n = 0;
    for (const b of this.buckets) n += b;
    return Math.max(this.floor, n / (this.buckets.length * BUCKET_MS / 1000));
  }

  /**
   * undefined: let the request in. Otherwise: refused, come back in this many ms. `share` is the part
   * of the limit this kind of request may use (pulls less than pushes: a pull can wait, money should not).
   */
  check(waiting: number, share = 1): number | undefined {
    if (this.o.maxWaiting <= 0 || waiting <= this.o.maxWaiting * share) return undefined;
    this.shed++;
    const now = this.now();
    const slotMs = 1000 / this.throughput();
    // The queue above what this kind of request may wait behind drains first; then one slot each.
    const drainMs = (waiting - this.o.maxWaiting * share) * slotMs;
    this.lastSlot = Math.max(this.lastSlot, now + drainMs) + slotMs;
    // Jitter of ± half a slot so that refused tills do not return in lock step with each other.
    const ms = this.lastSlot - now + (this.random() - 0.5) * slotMs;
    return Math.round(Math.min(this.maxRetryMs, Math.max(this.minRetryMs, ms)));
  }

  private advance(): void {
    const now = this.now();
    const from = Math.floor(this.bucketAt / BUCKET_MS);
    const to = Math.floor(now / BUCKET_MS);
    if (to > from) {
      for (let b = from + 1; b <= Math.min(to, from + this.buckets.length); b++) this.buckets[b % this.buckets.length] = 0;
    }
    if (now > this.bucketAt) this.bucketAt = now;
  }
}
