import { performance } from 'node:perf_hooks';
import { v7 as uuidv7 } from 'uuid';
import WebSocket from 'ws';
import { RETRY_AFTER_MS_HEADER, SYNC_PATHS, TILL_STATUS_HEADER, type SyncEntry } from '../../src/api/sync.js';
import { backoffDelay, DEFAULT_BACKOFF } from '../../src/terminal/sync/backoff.js';
import { SALES_POKE_GAP_MS } from '../../src/terminal/sync/client.js';
import { dishPrice } from './seed.js';

/** Latencies and counters the generator collects while `measuring` is on. */
export class Recorder {
  measuring = false;
  push: number[] = [];
  pull: number[] = [];
  saleToAck: number[] = [];
  cabinet: number[] = [];
  login: number[] = [];
  counts = { sales: 0, pushes: 0, pulls: 0, pokes: 0, errors: 0, shed: 0, cabinetErrors: 0, pokeReconnects: 0 };
  /** A few error texts, to say what went wrong. */
  samples: string[] = [];
  error(what: string): void {
    this.counts.errors++;
    if (this.samples.length < 8) this.samples.push(what);
  }
}

/**
 * How the till decides to pull: as `src/terminal/sync/client.ts` does. `legacy` is the client before
 * issue 17 (a pull after every push and at once on every poke).
 */
export interface TillPolicy {
  name: string;
  /** Pull after a push run even when no pull is due. */
  pullAfterEveryPush: boolean;
  /** A poke of kind "sales" (another till's sales) makes a pull due only when the last pull is older than this. */
  salesPokeMinGapMs: number;
}

export const LEGACY_POLICY: TillPolicy = { name: 'legacy', pullAfterEveryPush: true, salesPokeMinGapMs: 0 };
/** The client since issue 17: pull when due (start, interval, a data poke, a sales poke after the gap). */
export const CURRENT_POLICY: TillPolicy = { name: 'current', pullAfterEveryPush: false, salesPokeMinGapMs: SALES_POKE_GAP_MS };

export interface TillOptions {
  serverUrl: string;
  /** X-Forwarded-For of this till's school (the generator stands in for the region's proxy). */
  address: string;
  terminalId: string;
  token: string;
  accounts: string[];
  cards: string[];
  receiptSeries: string;
  recorder: Recorder;
  policy: TillPolicy;
  intervalMs?: number;
  debounceMs?: number;
}

/**
 * One simulated till: the real client's schedule (run at start, ~300 ms after a sale, every 15 s, on a
 * poke; one run at a time; backoff with jitter after a failure, at least what Retry-After says) over
 * real HTTP and a real poke WebSocket, with an in-memory outbox instead of SQLite.
 */
export class SimTill {
  seq = 0;
  acked = 0;
  private outbox: { entry: SyncEntry; at: number }[] = [];
  private cursor: string | undefined;
  private running = false;
  private again = false;
  /** When the next pull is due (performance.now()); after a pull, one interval on. */
  private nextPullAt = 0;
  private lastPullAt = 0;
  private failures = 0;
  private retryAfterMs = 0;
  /** As the client: knock with an empty push after a failure that may have cut an ack, not after a busy answer. */
  private probeNeeded = false;
  private timer: NodeJS.Timeout | undefined;
  private timerKind: 'debounce' | 'interval' | 'backoff' | undefined;
  private ws: WebSocket | undefined;
  private stopped = false;
  private readonly intervalMs: number;
  private readonly debounceMs: number;
  runs = 0;

  constructor(private readonly o: TillOptions) {
    this.intervalMs = o.intervalMs ?? 15_000;
    this.debounceMs = o.debounceMs ?? 300;
  }

  get pending(): number { return this.outbox.length; }
  get terminalId(): string { return this.o.terminalId; }

  start(): void {
    this.openPoke();
    this.trigger();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.ws?.terminate();
    while (this.running) await new Promise((r) => setTimeout(r, 20));
  }

  /** One sale at the till: an entry in the outbox, a sync ~300 ms later. */
  sell(): void {
    const a = (this.seq * 7919 + this.o.receiptSeries.length) % this.o.accounts.length;
    const seq = ++this.seq;
    const d1 = 1 + (seq % 12);
    const d2 = 1 + ((seq * 5) % 12);
    const lines = [
      { itemId: `dish-${d1}`, kind: 'dish' as const, name: `Блюдо ${d1}`, quantity: 1, unitPrice: dishPrice(d1), amount: dishPrice(d1) },
      { itemId: `dish-${d2}`, kind: 'dish' as const, name: `Блюдо ${d2}`, quantity: 1, unitPrice: dishPrice(d2), amount: dishPrice(d2) },
    ];
    const total = lines[0]!.amount + lines[1]!.amount;
    const receiptId = uuidv7();
    const now = new Date().toISOString();
    this.outbox.push({
      at: performance.now(),
      entry: {
        uuid: uuidv7(), seq, kind: 'sale', accountNumber: this.o.accounts[a]!, amount: -total, createdAt: now,
        cardId: this.o.cards[a] ?? null, receiptId, shiftId: null, cashierId: null,
        payload: { receiptId, receiptNumber: `${this.o.receiptSeries}-${String(seq).padStart(6, '0')}`, lines, total, subsidy: 0, issuedAt: now },
      },
    });
    if (this.o.recorder.measuring) this.o.recorder.counts.sales++;
    // nudge(): a debounce unless a run is going (then once more after it) or we are backing off.
    if (this.running) { if (this.failures === 0) this.again = true; return; }
    if (this.failures > 0 || this.timerKind === 'debounce') return;
    this.setTimer('debounce', this.debounceMs);
  }

  private trigger(): void {
    if (this.stopped) return;
    if (this.running) { this.again = true; return; }
    this.clearTimer();
    void this.loop();
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      this.running = true;
      try {
        await this.run();
        this.failures = 0;
        this.retryAfterMs = 0;
        this.probeNeeded = false;
      } catch {
        this.failures++;
        if (this.retryAfterMs === 0) this.probeNeeded = true;
      } finally {
        this.running = false;
      }
    } while (this.again && this.failures === 0 && !this.stopped);
    if (this.stopped) return;
    // Busy: back when the server said (it follows its queue); otherwise the backoff, then a pull.
    if (this.failures > 0) this.setTimer('backoff', this.retryAfterMs > 0 ? this.retryAfterMs : backoffDelay(this.failures, Math.random, DEFAULT_BACKOFF));
    else this.setTimer('interval', Math.max(0, Math.min(this.intervalMs, this.nextPullAt - performance.now())));
  }

  private async run(): Promise<void> {
    this.runs++;
    if (this.failures > 0 && this.probeNeeded) { await this.pushBatch([]); this.probeNeeded = false; }
    while (this.outbox.length) {
      const batch = this.outbox.slice(0, 2000);
      const ack = await this.pushBatch(batch.map((b) => b.entry));
      const done = performance.now();
      let n = 0;
      while (n < this.outbox.length && this.outbox[n]!.entry.seq <= ack) n++;
      if (this.o.recorder.measuring) for (const b of this.outbox.slice(0, n)) this.o.recorder.saleToAck.push(done - b.at);
      this.outbox.splice(0, n);
      if (n === 0) throw new Error(`push not acknowledged (ack ${ack})`);
    }
    if (this.o.policy.pullAfterEveryPush || performance.now() >= this.nextPullAt) await this.pull();
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { authorization: `Bearer ${this.o.token}`, accept: 'application/json', 'x-forwarded-for': this.o.address, ...extra };
  }

  private async request(method: 'GET' | 'POST', path: string, body?: string, extra: Record<string, string> = {}): Promise<unknown> {
    const rec = this.o.recorder;
    let res: Response;
    let text: string;
    this.retryAfterMs = 0;
    try {
      res = await fetch(this.o.serverUrl + path, {
        method, headers: this.headers({ ...extra, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }),
        ...(body !== undefined ? { body } : {}), signal: AbortSignal.timeout(30_000),
      });
      text = await res.text();
    } catch (err) {
      rec.error(`${method} ${path}: ${String((err as Error).message)}`);
      throw err;
    }
    if (res.status === 503 || res.status === 429) {
      const ms = Number(res.headers.get(RETRY_AFTER_MS_HEADER) ?? NaN);
      const ra = Number(res.headers.get('retry-after'));
      this.retryAfterMs = Number.isFinite(ms) && ms > 0 ? ms : Number.isFinite(ra) && ra > 0 ? ra * 1000 : 0;
      rec.counts.shed++;
      throw new Error(`HTTP ${res.status}`);
    }
    if (!res.ok) {
      rec.error(`${method} ${path}: HTTP ${res.status} ${text.slice(0, 200)}`);
      throw new Error(`HTTP ${res.status}`);
    }
    return JSON.parse(text) as unknown;
  }

  private async pushBatch(entries: SyncEntry[]): Promise<number> {
    const t0 = performance.now();
    const res = (await this.request('POST', SYNC_PATHS.push, JSON.stringify({ terminalId: this.o.terminalId, entries }))) as { ackSeq: number; resumeFrom?: number };
    if (this.o.recorder.measuring && entries.length) {
      this.o.recorder.push.push(performance.now() - t0);
      this.o.recorder.counts.pushes++;
    }
    if (res.resumeFrom !== undefined) throw new Error(`resumeFrom ${res.resumeFrom}`);
    this.acked = Math.max(this.acked, res.ackSeq);
    return res.ackSeq;
  }

  private async pull(): Promise<void> {
    const t0 = performance.now();
    const status = JSON.stringify({ sentAt: new Date().toISOString(), pendingEntries: this.outbox.length, lastZAt: null });
    const q = this.cursor ? `?cursor=${encodeURIComponent(this.cursor)}` : '';
    const res = (await this.request('GET', SYNC_PATHS.pull + q, undefined, { [TILL_STATUS_HEADER]: status })) as { cursor: string };
    this.cursor = res.cursor;
    this.lastPullAt = performance.now();
    this.nextPullAt = this.lastPullAt + this.intervalMs;
    if (this.o.recorder.measuring) {
      this.o.recorder.pull.push(this.lastPullAt - t0);
      this.o.recorder.counts.pulls++;
    }
  }

  private onPoke(kind: string): void {
    if (this.o.recorder.measuring) this.o.recorder.counts.pokes++;
    const gap = this.o.policy.salesPokeMinGapMs;
    const now = performance.now();
    // Another till's sales: worth a pull, but not more often than the gap (the interval pull comes anyway).
    this.nextPullAt = Math.min(this.nextPullAt, kind === 'sales' && gap > 0 ? this.lastPullAt + gap : now);
    if (this.nextPullAt <= now) { this.trigger(); return; }
    if (!this.running && (this.timerKind === 'interval' || this.timerKind === undefined)) this.setTimer('interval', this.nextPullAt - now);
  }

  private openPoke(): void {
    if (this.stopped) return;
    const ws = new WebSocket(this.o.serverUrl.replace(/^http/, 'ws') + SYNC_PATHS.poke, { headers: this.headers(), handshakeTimeout: 10_000 });
    this.ws = ws;
    ws.on('message', (data: Buffer) => this.onPoke(data.toString()));
    ws.on('error', () => { /* 'close' follows */ });
    ws.on('close', () => {
      if (this.stopped) return;
      this.o.recorder.counts.pokeReconnects++;
      setTimeout(() => this.openPoke(), 1000 + Math.random() * 1000);
    });
  }

  private setTimer(kind: 'debounce' | 'interval' | 'backoff', ms: number): void {
    this.clearTimer();
    this.timerKind = kind;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerKind = undefined;
      if (kind === 'interval' || (kind === 'backoff' && this.probeNeeded)) this.nextPullAt = Math.min(this.nextPullAt, performance.now());
      this.trigger();
    }, ms);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerKind = undefined;
  }

  /** Drains the outbox (end of the run): resolves when every sale is acknowledged or `ms` passed. */
  async drain(ms: number): Promise<boolean> {
    const until = performance.now() + ms;
    while (this.outbox.length && performance.now() < until) {
      if (!this.running && !this.timer) this.trigger();
      await new Promise((r) => setTimeout(r, 100));
    }
    return this.outbox.length === 0;
  }
}
