// Over 400 lines on purpose: one push/pull run and its scheduler (timers, backoff, pokes, refusals) share their state; split, each half would reach into the other.
import type Database from 'better-sqlite3';
import { performance } from 'node:perf_hooks';
import type { SyncState } from '../../api/pos-api.js';
import type { TillStatus } from '../../api/sync.js';
import type { SqlRow } from '../db/rows.js';
import type { entries, shifts } from '../db/schema.js';
import { markAcked, pendingCount, pendingEntries, resendFrom } from '../outbox.js';
import { applyPull, type PullSummary } from './apply-pull.js';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.js';
import type { PokeFactory, PokeHandle } from './poke.js';
import { getSyncValue, setSyncValue, SYNC_KEY } from './store.js';
import { SyncError, SyncTransport, type FetchFn } from './transport.js';

/** What the cashier sees once the server refuses the till's token (revoked or unknown): only a new enrolment helps. */
export const TILL_DISABLED = 'Касса отключена от сервера. Обратитесь к администратору';

/**
 * A "sales" poke (another till of the school sold something) makes a pull due this long after the
 * last pull at the soonest: a school's pulls then grow with its tills, not with their square.
 * Any other poke (top-up, card, menu, revoke) makes it due at once.
 */
export const SALES_POKE_GAP_MS = 10_000;

/** Timer functions the scheduler uses (inject a fake to run a week in a test). */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export interface SyncClientOptions {
  sqlite: Database.Database;
  serverUrl: string;
  token: string;
  terminalId: string;
  fetch?: FetchFn;
  clock?: { now(): Date };
  timers?: Timers;
  random?: () => number;
  /** What the till reports with each pull besides its outbox and last Z (app version, device states). */
  status?: () => Omit<TillStatus, 'sentAt' | 'pendingEntries' | 'lastZAt'>;
  /** Entries per push request (the server accepts up to 5,000). */
  batchSize?: number;
  /** Wait this long after a sale before syncing, so a burst of sales goes in one push. */
  debounceMs?: number;
  /** Sync this often while nothing else asks for it. */
  intervalMs?: number;
  backoff?: BackoffPolicy;
  /** How often to look for new outbox rows written by the terminal core (0 = only nudge()). */
  watchMs?: number;
  requestTimeoutMs?: number;
  /** Server pokes (WebSocket); false = none. */
  poke?: PokeFactory | false;
  /** After a pull was applied (reload caches, tell the UI). */
  onPulled?: (summary: PullSummary) => void;
  log?: (line: string) => void;
}

export interface SyncOutcome {
  pushed: number;
  ackSeq: number;
  pull: PullSummary;
}

/** A scheduled run pulls only when a pull is due. */
type RunOutcome = Omit<SyncOutcome, 'pull'> & { pull?: PullSummary };

/**
 * The terminal's sync client (DESIGN.md "Sync", Replicache-style):
 * push the outbox in seq order in batches, mark rows ≤ ackSeq acknowledged in
 * one transaction, follow `resumeFrom` on a gap; then pull by cursor and
 * apply the answer in one transaction. One run at a time, ever.
 *
 * Scheduling: a run at start, ~debounceMs after a local write, every
 * intervalMs, and at once on a server poke or when the poke socket reconnects.
 * After a failure, retries back off exponentially with jitter; local writes do
 * not shorten the wait (5,000 offline sales must not mean 5,000 requests).
 */
export class SyncClient {
  private readonly sqlite: Database.Database;
  private readonly transport: SyncTransport;
  private readonly clock: { now(): Date };
  private readonly timers: Timers;
  private readonly random: () => number;
  private readonly batchSize: number;
  private readonly debounceMs: number;
  private readonly intervalMs: number;
  private readonly backoff: BackoffPolicy;
  private readonly watchMs: number;

  private listeners = new Set<(s: SyncState) => void>();
  private online = false;
  private lastSyncAt: string | undefined;
  private lastError: string | undefined;
  /**
   * How the server's last refusal steers the schedule: 'disabled' (401: the till's token is
   * revoked or unknown) stops every automatic run until the till is enrolled again (a manual
   * syncOnce still asks); 'rejected' (another 4xx: the server refuses the batch as it is) waits
   * out the backoff, which no poke cuts short, instead of sending the same batch again at once.
   */
  private refusal: 'disabled' | 'rejected' | undefined;
  private ledgerWarning: string | undefined;
  private lastEmitted = '';
  private pendingCache: number | undefined;

  private started = false;
  private stopped = false;
  /** Serialises runs: scheduler, syncOnce() callers and pokes all queue here. */
  private chain: Promise<unknown> = Promise.resolve();
  private running = false;
  private again = false;
  private timer: unknown;
  private timerKind: 'debounce' | 'interval' | 'backoff' | undefined;
  private watchTimer: unknown;
  private lastOutboxSeq = 0;
  private poke: PokeHandle | undefined;
  /**
   * When the scheduler next pulls (clock ms): at start, after a failure and on a poke at once; after a
   * pull one interval later, or sooner after a sales poke (SALES_POKE_GAP_MS). A scheduled run pushes
   * whenever there is something to push but pulls only when this is due; syncOnce() always pulls.
   */
  private pullDueAt = 0;
  private lastPullAt = 0;
  /**
   * When the server said to come back on the last failure (ms; 0: it did not say). A busy server
   * paces its tills by its queue (x-canteen-retry-after-ms), so the till waits exactly that, not
   * its own backoff: doubling on every busy answer left tills away long after the queue drained.
   */
  private retryAfterMs = 0;
  /**
   * The next run knocks with an empty push first (a failure that may have cut an ack). Not after a
   * busy answer: the server refused before doing anything, so there is no lost ack to settle, and
   * the knock would be one more request to a server that asked for fewer.
   */
  private probeNeeded = false;
  /** Consecutive failed runs (0 = healthy). */
  failures = 0;
  /** Requests sent, for tests and benchmarks (a week offline must not be thousands). */
  readonly stats = { runs: 0, failedRuns: 0, pushRequests: 0, pullRequests: 0, pushedEntries: 0, pushWaitMs: 0, localMs: 0 };

  constructor(private readonly opts: SyncClientOptions) {
    this.sqlite = opts.sqlite;
    this.transport = new SyncTransport({
      serverUrl: opts.serverUrl, token: opts.token,
      ...(opts.fetch ? { fetch: opts.fetch } : {}),
      ...(opts.requestTimeoutMs ? { timeoutMs: opts.requestTimeoutMs } : {}),
    });
    this.clock = opts.clock ?? { now: () => new Date() };
    this.timers = opts.timers ?? realTimers;
    this.random = opts.random ?? Math.random;
    this.batchSize = Math.min(2000, Math.max(1, opts.batchSize ?? 2000));
    this.debounceMs = opts.debounceMs ?? 300;
    this.intervalMs = opts.intervalMs ?? 15_000;
    this.backoff = opts.backoff ?? DEFAULT_BACKOFF;
    this.watchMs = opts.watchMs ?? 500;
    this.lastSyncAt = getSyncValue(this.sqlite, SYNC_KEY.lastSyncAt);
    this.lastError = getSyncValue(this.sqlite, SYNC_KEY.lastError) || undefined;
    this.ledgerWarning = getSyncValue(this.sqlite, SYNC_KEY.ledgerWarning) || undefined;
  }

  // ---- state --------------------------------------------------------------

  /**
   * Cheap on purpose: the sale path asks for `online` on every sale, and
   * counting a 10,000-row outbox each time made offline selling quadratic.
   * The count is refreshed when the outbox changed (nudge, watch, acks).
   */
  state(): SyncState {
    if (this.pendingCache === undefined) this.pendingCache = pendingCount(this.sqlite);
    return {
      online: this.online,
      pending: this.pendingCache,
      ...(this.lastSyncAt ? { lastSyncAt: this.lastSyncAt } : {}),
      ...(this.lastError ? { lastError: this.lastError } : {}),
      ...(this.ledgerWarning ? { ledgerWarning: this.ledgerWarning } : {}),
      configured: true,
    };
  }

  /** Called with every change of state (online, pending count, last sync, last error). */
  onState(listener: (s: SyncState) => void): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  private emitState(): void {
    if (this.listeners.size === 0) return;
    const s = this.state();
    const key = JSON.stringify(s);
    if (key === this.lastEmitted) return;
    this.lastEmitted = key;
    for (const l of [...this.listeners]) {
      try { l(s); } catch (err) { this.opts.log?.(`sync state listener failed: ${String(err)}`); }
    }
  }

  // ---- one run --------------------------------------------------------------

  /** Push everything pending, then pull. Waits for a run in progress first; never overlaps one. */
  syncOnce(): Promise<SyncOutcome> {
    return this.enqueue(true) as Promise<SyncOutcome>;
  }

  private enqueue(forcePull: boolean): Promise<RunOutcome> {
    const run = this.chain.then(() => this.runGuarded(forcePull));
    this.chain = run.catch(() => {});
    return run;
  }

  /** Resolves when no run is in progress or queued. */
  async idle(): Promise<void> {
    let seen: Promise<unknown>;
    do { seen = this.chain; await seen; } while (seen !== this.chain);
  }

  private async runGuarded(forcePull: boolean): Promise<RunOutcome> {
    this.running = true;
    this.stats.runs++;
    this.pendingCache = undefined;
    try {
      const out = await this.run(forcePull);
      this.succeeded();
      return out;
    } catch (err) {
      this.failed(err);
      throw err;
    } finally {
      this.running = false;
    }
  }

  /** Reported to the server with the pull (console's till status table); never fails a sync. */
  private tillStatus(): TillStatus | undefined {
    try {
      const lastZAt = this.sqlite.prepare<[], SqlRow<typeof shifts>['closed_at']>('SELECT max(closed_at) FROM shifts WHERE z_report IS NOT NULL').pluck().get() ?? null;
      return { ...this.opts.status?.(), sentAt: this.nowIso(), pendingEntries: pendingCount(this.sqlite), lastZAt: lastZAt ?? null };
    } catch {
      return undefined;
    }
  }

  private async run(forcePull: boolean): Promise<RunOutcome> {
    if (this.failures > 0 && this.probeNeeded) await this.probe();
    const { pushed, ackSeq } = await this.pushAll(!forcePull);
    if (!forcePull && !this.pullIsDue()) {
      this.checkLedgerBehind(ackSeq);
      return { pushed, ackSeq };
    }
    this.stats.pullRequests++;
    const res = await this.transport.pull(getSyncValue(this.sqlite, SYNC_KEY.cursor), this.tillStatus());
    this.online = true;
    const pull = applyPull(this.sqlite, res, this.nowIso());
    const serverLost = this.resendWhatTheServerLost(pull.lastSeq);
    this.lastPullAt = this.clock.now().getTime();
    this.pullDueAt = serverLost ? 0 : this.lastPullAt + this.intervalMs;
    this.checkLedgerBehind(Math.max(ackSeq, pull.lastSeq));
    try { this.opts.onPulled?.(pull); } catch (err) { this.opts.log?.(`onPulled failed: ${String(err)}`); }
    return { pushed, ackSeq, pull };
  }

  /**
   * The server's seq for this terminal can only be ahead of the local ledger when the local
   * database is an older copy (restored from a backup, or a clone of another till). Then every
   * new sale takes a number the server already has, and the server keeps it for review instead
   * of applying it: nothing is lost, but it needs a person, so the screen says so until the
   * local ledger has passed the server's seq again (from then on sales apply normally).
   */
  private checkLedgerBehind(serverSeq: number): void {
    const localSeq = this.newestEntrySeq();
    const warning = serverSeq > localSeq
      ? `База кассы старее, чем на сервере (сервер принял проводки до №${serverSeq}, на кассе последняя №${localSeq}): `
        + 'похоже, её восстановили из старой копии. Продажи сохраняются, но сервер отложит их до проверки. Сообщите администратору.'
      : undefined;
    if (warning === this.ledgerWarning) return;
    if (warning) this.opts.log?.(`ledger behind the server: server seq ${serverSeq}, local ${localSeq}`);
    this.ledgerWarning = warning;
    setSyncValue(this.sqlite, SYNC_KEY.ledgerWarning, warning ?? '', this.nowIso());
  }

  /**
   * The server holds fewer of this till's entries than it acknowledged: it failed over to a replica
   * that had not received the last ones (asynchronous replication), or was restored from a backup.
   * Only the till still has them: they go back to the outbox and the next run sends them again
   * (idempotent by uuid). A push would find this out too (`resumeFrom`), but a till with nothing new
   * to sell would not push until its next sale. The next pull is a full one (no cursor): a cursor
   * taken from the lost stretch names transaction ids the promoted server hands out again, so an
   * incremental pull from it could skip changes (docs/server.md, "Failover").
   */
  private resendWhatTheServerLost(serverSeq: number): boolean {
    const acked = Number(getSyncValue(this.sqlite, SYNC_KEY.ackSeq) ?? 0);
    if (serverSeq >= acked) return false;
    this.opts.log?.(`server has entries up to ${serverSeq}, acknowledged up to ${acked}: sending them again, then a full pull`);
    this.recordAck(serverSeq, serverSeq + 1);
    setSyncValue(this.sqlite, SYNC_KEY.cursor, '', this.nowIso());
    this.again = true;
    return true;
  }

  /**
   * After a failure, knock with an empty push first: a few bytes instead of a
   * 1,000-entry body to a server that is still away, and its answer (the ack
   * the server has) settles rows whose ack was lost with a cut reply.
   */
  private async probe(): Promise<void> {
    this.stats.pushRequests++;
    const res = await this.transport.push({ terminalId: this.opts.terminalId, entries: [] });
    this.online = true;
    this.probeNeeded = false;
    // Rows above the server's ack that we hold as acknowledged are not all there (a restored server): resend them.
    this.recordAck(res.ackSeq, res.ackSeq + 1);
  }

  private pullIsDue(): boolean {
    return this.clock.now().getTime() >= this.pullDueAt;
  }

  /**
   * Pushes the outbox in batches. With `yieldToPull` (scheduled runs) it stops after a batch when a
   * pull has become due and runs again after the pull: a till selling faster than it can push still
   * pulls on schedule (top-ups and blocked cards arrive).
   */
  private async pushAll(yieldToPull = false): Promise<{ pushed: number; ackSeq: number }> {
    let pushed = 0;
    let ackSeq = Number(getSyncValue(this.sqlite, SYNC_KEY.ackSeq) ?? 0);
    let lastResume = 0;
    let batchSize = this.batchSize;
    for (;;) {
      let t = performance.now();
      const batch = pendingEntries(this.sqlite, batchSize);
      if (batch.length === 0) return { pushed, ackSeq };
      if (yieldToPull && pushed > 0 && this.pullIsDue()) { this.again = true; return { pushed, ackSeq }; }
      this.stats.pushRequests++;
      const req = { terminalId: this.opts.terminalId, entries: batch };
      this.stats.localMs += performance.now() - t;
      t = performance.now();
      let res: Awaited<ReturnType<SyncTransport['push']>>;
      try {
        res = await this.transport.push(req);
      } catch (err) {
        // Too large for the server's body limit (unusually long receipts): the same entries in smaller batches.
        if (err instanceof SyncError && err.status === 413 && batch.length > 1) { batchSize = Math.ceil(batch.length / 2); continue; }
        throw err;
      }
      this.stats.pushWaitMs += performance.now() - t;
      t = performance.now();
      this.online = true;
      const first = batch[0]!.seq;
      const last = batch[batch.length - 1]!.seq;
      const progressed = res.ackSeq >= first;
      this.recordAck(res.ackSeq, res.resumeFrom);
      const accepted = progressed ? Math.min(res.ackSeq, last) - first + 1 : 0;
      pushed += accepted;
      this.stats.pushedEntries += accepted;
      ackSeq = res.ackSeq;
      this.emitState();
      this.stats.localMs += performance.now() - t;
      if (res.resumeFrom !== undefined) {
        // The server is missing entries before this batch (its copy is older than ours): resend from there once.
        if (res.resumeFrom === lastResume && !progressed) {
          throw new SyncError('rejected', `Сервер дважды попросил проводки с №${res.resumeFrom} и не принял их`);
        }
        lastResume = res.resumeFrom;
        const have = this.sqlite.prepare('SELECT 1 FROM entries WHERE seq = ?').pluck().get(res.resumeFrom);
        if (!have) throw new SyncError('rejected', `Сервер ждёт проводку №${res.resumeFrom}, а на кассе её нет: нужна проверка`);
        continue;
      }
      if (!progressed) throw new SyncError('protocol', `Сервер не подтвердил пакет с №${first} (подтверждено до №${res.ackSeq})`);
    }
  }

  /**
   * Rows ≤ ackSeq become acknowledged in one transaction with the stored ackSeq.
   * With resumeFrom, rows from there on that we thought acknowledged go back to
   * pending: the server says it does not have them, and only it knows.
   */
  private recordAck(ackSeq: number, resumeFrom: number | undefined): void {
    const at = this.nowIso();
    this.pendingCache = undefined;
    this.sqlite.transaction(() => {
      markAcked(this.sqlite, ackSeq);
      if (resumeFrom !== undefined) resendFrom(this.sqlite, resumeFrom);
      setSyncValue(this.sqlite, SYNC_KEY.ackSeq, String(ackSeq), at);
      setSyncValue(this.sqlite, SYNC_KEY.lastPushAt, at, at);
    })();
  }

  private succeeded(): void {
    const at = this.nowIso();
    this.pendingCache = undefined;
    this.failures = 0;
    this.probeNeeded = false;
    this.online = true;
    this.lastSyncAt = at;
    this.lastError = undefined;
    this.refusal = undefined;
    this.sqlite.transaction(() => {
      setSyncValue(this.sqlite, SYNC_KEY.lastSyncAt, at, at);
      setSyncValue(this.sqlite, SYNC_KEY.lastError, '', at);
    })();
    this.emitState();
  }

  private failed(err: unknown): void {
    this.pendingCache = undefined;
    this.failures++;
    this.retryAfterMs = err instanceof SyncError ? err.retryAfterMs ?? 0 : 0;
    // Busy (503 with a time to come back): nothing was done and nothing is in doubt; the till comes
    // back when told and does not add a pull the server did not ask for.
    const busy = err instanceof SyncError && err.status === 503 && err.code === 'BUSY' && this.retryAfterMs > 0;
    if (!busy) {
      this.pullDueAt = 0;
      this.probeNeeded = true;
    }
    this.stats.failedRuns++;
    this.online = false;
    const kind = err instanceof SyncError ? err.kind : undefined;
    this.refusal = kind === 'unauthorized' ? 'disabled' : kind === 'rejected' ? 'rejected' : undefined;
    const reason = err instanceof SyncError ? err.message : `Сбой синхронизации: ${String((err as Error)?.message ?? err)}`;
    const message = this.refusal === 'disabled' ? TILL_DISABLED : reason;
    if (this.refusal === 'disabled') { this.poke?.close(); this.poke = undefined; }
    this.lastError = message;
    try { setSyncValue(this.sqlite, SYNC_KEY.lastError, message, this.nowIso()); } catch { /* state only */ }
    this.opts.log?.(`sync failed (${this.failures}): ${reason}${this.refusal ? ` [${this.refusal}]` : ''}`);
    this.emitState();
  }

  // ---- scheduling -----------------------------------------------------------

  /** Starts the automatic schedule: a run now, then debounced/interval/backoff runs. */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.lastOutboxSeq = this.newestEntrySeq();
    this.emitState();
    this.trigger();
    if (this.watchMs > 0) this.scheduleWatch();
    if (this.opts.poke) this.connectPoke(this.opts.poke);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.clearTimer();
    if (this.watchTimer !== undefined) this.timers.clearTimeout(this.watchTimer);
    this.watchTimer = undefined;
    this.poke?.close();
    this.poke = undefined;
    await this.idle();
  }

  /** A local write (sale, refund, block) happened: sync shortly, unless we are backing off. */
  nudge(): void {
    this.pendingCache = undefined;
    this.lastOutboxSeq = this.newestEntrySeq();
    this.emitState();
    if (!this.started || this.stopped) return;
    if (this.running) { if (this.failures === 0) this.again = true; return; }
    if (this.failures > 0 || this.timerKind === 'debounce') return;
    this.setTimer('debounce', this.debounceMs);
  }

  /** Run as soon as possible (start, poke, server back). */
  trigger(): void {
    if (!this.started || this.stopped || this.refusal === 'disabled') return;
    if (this.refusal === 'rejected' && this.timerKind === 'backoff') return;
    if (this.running) { this.again = true; return; }
    this.clearTimer();
    void this.loop();
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      try { await this.enqueue(false); } catch { /* recorded in failed() */ }
    } while (this.again && this.failures === 0 && !this.stopped);
    if (this.stopped || this.refusal === 'disabled') return;
    if (this.failures > 0) this.setTimer('backoff', this.retryAfterMs > 0 ? this.retryAfterMs : backoffDelay(this.failures, this.random, this.backoff));
    else this.setTimer('interval', this.untilPullDue());
  }

  /** ms until the next pull is due, within one interval. */
  private untilPullDue(): number {
    return Math.min(this.intervalMs, Math.max(0, this.pullDueAt - this.clock.now().getTime()));
  }

  /** A poke: '' = the school's data changed, pull now; 'sales' = other tills' sales, pull when SALES_POKE_GAP_MS has passed. */
  private poked(kind: string): void {
    if (kind === 'sales') {
      this.pullDueAt = Math.min(this.pullDueAt, this.lastPullAt + SALES_POKE_GAP_MS);
      if (!this.pullIsDue()) {
        // Idle until the interval: come back when the pull is due instead (a debounce or backoff keeps its own time).
        if (this.timerKind === 'interval' && !this.running) this.setTimer('interval', this.untilPullDue());
        return;
      }
    } else {
      this.pullDueAt = 0;
    }
    this.trigger();
  }

  private setTimer(kind: 'debounce' | 'interval' | 'backoff', ms: number): void {
    this.clearTimer();
    this.timerKind = kind;
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      this.timerKind = undefined;
      // After a busy answer the till only retries its push: the server asked for fewer requests.
      if (kind === 'interval' || (kind === 'backoff' && this.probeNeeded)) this.pullDueAt = Math.min(this.pullDueAt, this.clock.now().getTime());
      this.trigger();
    }, ms);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerKind = undefined;
  }

  /** Which kind of wait is scheduled now (tests, diagnostics). */
  get pendingTimer(): 'debounce' | 'interval' | 'backoff' | undefined { return this.timerKind; }

  /** The newest entry's seq (the outbox is the ledger's tail, so also its newest outbox entry). */
  private newestEntrySeq(): number {
    return this.sqlite.prepare<[], SqlRow<typeof entries>['seq'] | null>('SELECT max(seq) FROM entries').pluck().get() ?? 0;
  }

  /** The terminal core writes the outbox on the same connection; a cheap look finds new rows without a hook. */
  private scheduleWatch(): void {
    this.watchTimer = this.timers.setTimeout(() => {
      if (this.stopped) return;
      try {
        if (this.newestEntrySeq() !== this.lastOutboxSeq) this.nudge();
      } catch (err) {
        this.opts.log?.(`outbox watch failed: ${String(err)}`);
      }
      this.scheduleWatch();
    }, this.watchMs);
  }

  private connectPoke(factory: PokeFactory): void {
    let attempts = 0;
    const open = () => {
      if (this.stopped) return;
      this.poke = factory({
        serverUrl: this.opts.serverUrl,
        token: this.opts.token,
        onOpen: () => {
          attempts = 0;
          // The server is reachable again: do not wait out the backoff.
          if (this.failures > 0) this.trigger();
        },
        onPoke: (kind) => this.poked(kind),
        onClose: () => {
          this.poke = undefined;
          if (this.stopped || this.refusal === 'disabled') return;
          attempts++;
          this.timers.setTimeout(open, backoffDelay(attempts, this.random, this.backoff));
        },
      });
    };
    open();
  }

  private nowIso(): string {
    return this.clock.now().toISOString();
  }
}
