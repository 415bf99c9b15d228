import type pgModule from 'pg';
import type { Pool, PoolClient, PoolConfig } from 'pg';
import { isDbUnavailable } from './failover-errors.js';
import type { MultiHostUrl, TargetSessionAttrs } from './multi-host.js';
import { findHost } from './primary-finder.js';

type Pg = typeof pgModule;

export interface FailoverPoolOptions {
  /** Pool settings other than where to connect (max …). */
  pool: PoolConfig;
  /** Connect timeout of a probe and of the pool's connections (ms). */
  connectTimeoutMs?: number;
  /** How long a request waits for a running re-discovery before it tries the current pool (ms). */
  waitMs?: number;
  /** Back-off of the re-discovery: first wait and ceiling (ms). */
  backoffMs?: { first: number; max: number };
  log?: (line: string) => void;
  /** How its log lines name it ("database", "database replica"). */
  name?: string;
}

const sleep = (ms: number) => new Promise<void>((r) => { setTimeout(r, ms).unref?.(); });

/**
 * A pg.Pool look-alike over the hosts of a multi-host URL: it keeps one real pg.Pool on the host
 * `target_session_attrs` accepts and, when a query fails the way a dead or demoted primary makes it
 * fail (failover-errors.ts), looks for that host again with back-off and swaps in a pool on the new
 * one. Drizzle takes it for a pool (it checks that the class name contains "Pool") and so does
 * everything holding `handle.db`: nobody needs to know the host changed. The request that met the
 * failure fails (the route answers 503); the ones after it go to the new host.
 */
export class FailoverPool {
  private current: Pool;
  private discovering: Promise<void> | undefined;
  private closed = false;
  private readonly swapListeners = new Set<() => void>();
  /** Swaps so far (tests, diagnostics). */
  swaps = 0;

  private constructor(
    private readonly pg: Pg,
    private readonly url: MultiHostUrl,
    private readonly target: TargetSessionAttrs,
    private readonly opts: FailoverPoolOptions,
    private hostIndex: number,
  ) {
    this.current = this.poolOn(hostIndex);
  }

  /** Finds the host (once over the list, as libpq does at connect) and opens a pool there. */
  static async open(pg: Pg, url: MultiHostUrl, target: TargetSessionAttrs, opts: FailoverPoolOptions): Promise<FailoverPool> {
    const i = await findHost(pg.Client, url, target, opts.connectTimeoutMs);
    if (i === undefined) {
      const list = url.hosts.map((h) => `${h.host}:${h.port}`).join(', ');
      throw new Error(`Ни один сервер базы данных (${list}) не подходит под target_session_attrs=${target}: недоступны или не того типа`);
    }
    return new FailoverPool(pg, url, target, opts, i);
  }

  /** The single-host URL of the host in use (the LISTEN connection follows it). */
  currentUrl(): string { return this.url.urlFor(this.hostIndex); }

  /** Called after the pool moved to another host. */
  onSwap(fn: () => void): () => void {
    this.swapListeners.add(fn);
    return () => { this.swapListeners.delete(fn); };
  }

  get waitingCount(): number { return this.current.waitingCount; }
  get totalCount(): number { return this.current.totalCount; }
  get idleCount(): number { return this.current.idleCount; }

  /**
   * A connection on the current host. When connecting fails the way a gone primary makes it fail,
   * it waits (up to `waitMs`) for the re-discovery and, if that moved the pool, tries once more:
   * nothing was sent yet, so the first request after a failover the server had not noticed
   * (an idle night) need not fail.
   */
  async connect(): Promise<PoolClient> {
    await this.settled();
    const pool = this.current;
    try {
      return await pool.connect();
    } catch (err) {
      this.notice(err);
      if (this.closed || !isDbUnavailable(err)) throw err;
      await this.settled();
      if (this.current === pool) throw err;
      return this.current.connect();
    }
  }

  /** pg.Pool#query's promise form (what drizzle calls outside transactions), on a connection of connect(). */
  async query(...args: unknown[]): Promise<unknown> {
    const client = await this.connect();
    let failure: unknown;
    try {
      return await (client.query as (...a: unknown[]) => Promise<unknown>)(...args);
    } catch (err) {
      failure = err;
      throw err;
    } finally {
      // A connection that failed under a query is not given back to the pool for reuse.
      client.release(failure !== undefined && isDbUnavailable(failure) ? (failure as Error) : undefined);
    }
  }

  /** drizzle and open.ts register 'error' on a pool; the pools underneath are handled here. */
  on(_event: string, _fn: (...args: unknown[]) => void): this { return this; }

  async end(): Promise<void> {
    this.closed = true;
    this.swapListeners.clear();
    await this.current.end();
  }

  /** A failure seen anywhere on this pool's connections: if it means the host is gone, find the host again. */
  notice(err: unknown): void {
    if (this.closed || !isDbUnavailable(err)) return;
    void this.rediscover();
  }

  /** One re-discovery at a time; it retries with back-off until a host qualifies or the pool is closed. */
  rediscover(): Promise<void> {
    this.discovering ??= this.discoverLoop().finally(() => { this.discovering = undefined; });
    return this.discovering;
  }

  private async discoverLoop(): Promise<void> {
    const { first, max } = this.opts.backoffMs ?? { first: 100, max: 1_000 };
    let delay = first;
    while (!this.closed) {
      const i = await findHost(this.pg.Client, this.url, this.target, this.opts.connectTimeoutMs);
      if (this.closed) return;
      if (i !== undefined) {
        if (i !== this.hostIndex) this.swapTo(i);
        return;
      }
      this.opts.log?.(`${this.opts.name ?? 'database'}: no host fits target_session_attrs=${this.target}; retrying in ${delay} ms`);
      await sleep(delay + Math.floor(Math.random() * delay / 2));
      delay = Math.min(delay * 2, max);
    }
  }

  private swapTo(i: number): void {
    const old = this.current;
    const from = this.url.hosts[this.hostIndex]!;
    this.hostIndex = i;
    this.current = this.poolOn(i);
    this.swaps++;
    const to = this.url.hosts[i]!;
    this.opts.log?.(`${this.opts.name ?? 'database'}: moved from ${from.host}:${from.port} to ${to.host}:${to.port}`);
    // Checked-out clients finish (or fail) on the old host; end() closes it once they are back.
    old.end().catch(() => {});
    for (const fn of this.swapListeners) {
      try { fn(); } catch { /* a listener's failure is its own */ }
    }
  }

  /** While a re-discovery runs, a request waits a little for it rather than hitting the dead host. */
  private async settled(): Promise<void> {
    if (!this.discovering) return;
    await Promise.race([this.discovering, sleep(this.opts.waitMs ?? 2_000)]);
  }

  private poolOn(i: number): Pool {
    const notice = (err: unknown) => this.notice(err);
    // Every query on a checked-out client (transactions) reports its failure here too.
    class WatchedClient extends this.pg.Client {
      override query(...args: unknown[]): never {
        const res = (super.query as (...a: unknown[]) => unknown)(...args);
        if (res && typeof (res as Promise<unknown>).then === 'function') (res as Promise<unknown>).then(undefined, notice);
        return res as never;
      }
    }
    const pool = new this.pg.Pool({
      ...this.opts.pool,
      connectionString: this.url.urlFor(i),
      ...(this.opts.connectTimeoutMs ? { connectionTimeoutMillis: this.opts.connectTimeoutMs } : {}),
      keepAlive: true,
      Client: WatchedClient as unknown as PoolConfig['Client'],
    });
    // An idle client whose server died: the pool drops it; we look for the primary.
    pool.on('error', notice);
    // A checked-out client has no 'error' listener of the pool's: its socket dying would be an
    // uncaught 'error' event and end the process (see open.ts guardClients).
    pool.on('connect', (client) => { client.on('error', notice); });
    return pool;
  }
}
