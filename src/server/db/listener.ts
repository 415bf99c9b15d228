import type pgModule from 'pg';

type Pg = typeof pgModule;
type Client = InstanceType<Pg['Client']>;

const sleep = (ms: number) => new Promise<void>((r) => { setTimeout(r, ms).unref?.(); });

/**
 * One LISTEN connection that comes back: when its connection dies (the database restarted, or the
 * primary failed over) or `moved()` says the pool went to another host, it connects again — with
 * back-off, to whatever `urlNow()` says then — and LISTENs again. Pokes are hints (tills also pull
 * on a timer), but without this a server whose database once went away never poked a till again.
 */
export class ResilientListener {
  private client: Client | undefined;
  private closed = false;
  private reconnecting: Promise<void> | undefined;
  /** Reconnections so far (tests, diagnostics). */
  reconnects = 0;

  constructor(
    private readonly pg: Pg,
    private readonly urlNow: () => string,
    private readonly channel: string,
    private readonly onMessage: (payload: string) => void,
    private readonly log?: (line: string) => void,
  ) {}

  /** The first connection: its failure is the caller's (as before, `listen` throws). */
  async start(): Promise<void> {
    this.client = await this.open(this.urlNow());
  }

  /** The pool moved to another host: follow it. */
  moved(): void {
    const old = this.client;
    this.client = undefined;
    old?.removeAllListeners('end');
    void old?.end().catch(() => {});
    void this.reconnect();
  }

  async close(): Promise<void> {
    this.closed = true;
    const c = this.client;
    this.client = undefined;
    c?.removeAllListeners('end');
    await c?.end().catch(() => {});
  }

  private async open(url: string): Promise<Client> {
    const client = new this.pg.Client({ connectionString: url, keepAlive: true });
    // 'error' comes first (then 'end') when the server goes away; 'end' alone on a clean close by the server.
    client.on('error', () => { /* handled on 'end' */ });
    try {
      await client.connect();
      client.on('notification', (n) => { if (n.channel === this.channel) this.onMessage(n.payload ?? ''); });
      await client.query(`LISTEN ${quoteIdent(this.channel)}`);
    } catch (err) {
      await client.end().catch(() => {});
      throw err;
    }
    client.once('end', () => {
      if (this.client !== client) return;
      this.client = undefined;
      void this.reconnect();
    });
    return client;
  }

  private reconnect(): Promise<void> {
    this.reconnecting ??= (async () => {
      let delay = 100;
      while (!this.closed && !this.client) {
        try {
          const url = this.urlNow();
          const client = await this.open(url);
          if (this.closed) { await client.end().catch(() => {}); return; }
          // The pool moved again while this one was connecting: follow it.
          if (url !== this.urlNow()) { client.removeAllListeners('end'); await client.end().catch(() => {}); continue; }
          this.client = client;
          this.reconnects++;
          this.log?.(`database: LISTEN ${this.channel} connected again`);
          return;
        } catch {
          await sleep(delay + Math.floor(Math.random() * delay / 2));
          delay = Math.min(delay * 2, 5_000);
        }
      }
    })().finally(() => { this.reconnecting = undefined; });
    return this.reconnecting;
  }
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
