import type { PipelineOptions } from './pipeline.js';
import { BaseReader } from './reader.js';

/** An open device connection, as the hot-plug loop sees it. */
export interface Link {
  /** Shown to the cashier/installer: "/dev/ttyUSB0", "COM3", "hid:0403:1234". */
  port: string;
  close(): Promise<void>;
}

/** What `connect()` reports: a link, or why there is none yet (Russian, shown in the UI). */
export type ConnectOutcome = { link: Link } | { error: string; fatal?: boolean };

export interface ReconnectOptions extends PipelineOptions {
  /** How often to look for the device while disconnected. */
  pollMs?: number;
}

export const DEFAULT_POLL_MS = 500;

/**
 * The hot-plug loop: while disconnected, try `connect()` every `pollMs`; when the
 * link reports close or error, mark disconnected and start polling again. The
 * subclass only knows how to find and open its device and calls `lost()`.
 */
export abstract class ReconnectingReader extends BaseReader {
  private link: Link | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = true;
  private connecting = false;
  private readonly pollMs: number;
  private readonly dead = new WeakSet<Link>();

  constructor(opts: ReconnectOptions = {}) {
    super({ connected: false, simulated: false }, opts);
    this.pollMs = opts.pollMs ?? DEFAULT_POLL_MS;
  }

  /** Finds and opens the device. Must not throw. */
  protected abstract connect(): Promise<ConnectOutcome>;

  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    await this.attempt();
  }

  async close(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const link = this.link;
    this.link = null;
    if (link) await link.close().catch(() => undefined);
    this.setState({ connected: false, simulated: false, ...(link ? { port: link.port } : {}) });
  }

  /** Called by the subclass when its device went away (unplugged, I/O error). */
  protected lost(link: Link, reason?: string): void {
    if (this.link !== link) { this.dead.add(link); return; }   // an old link, or one still being set up
    this.link = null;
    this.pipeline.reset();
    void link.close().catch(() => undefined);
    this.setState({ connected: false, simulated: false, port: link.port, lastError: reason ?? 'Считыватель отключён' });
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => { this.timer = null; void this.attempt(); }, this.pollMs);
    // Polling for a missing reader must not keep a CLI process alive by itself.
    (this.timer as { unref?: () => void }).unref?.();
  }

  private async attempt(): Promise<void> {
    if (this.stopped || this.link || this.connecting) return;
    this.connecting = true;
    let outcome: ConnectOutcome;
    try {
      outcome = await this.connect();
    } catch (err) {
      outcome = { error: `Ошибка считывателя: ${(err as Error)?.message ?? String(err)}` };
    } finally {
      this.connecting = false;
    }
    if ('link' in outcome && this.dead.has(outcome.link)) outcome = { error: 'Считыватель отключился при подключении' };
    if ('link' in outcome) {
      if (this.stopped) { await outcome.link.close().catch(() => undefined); return; }
      this.link = outcome.link;
      this.pipeline.reset();
      this.setState({ connected: true, simulated: false, port: outcome.link.port });
      return;
    }
    this.setState({ connected: false, simulated: false, ...(this.state.port ? { port: this.state.port } : {}), lastError: outcome.error });
    if (!outcome.fatal) this.schedule();
  }
}

/**
 * A native driver (serialport, node-hid) loaded on first use, so the app runs
 * where it is missing. A failed load is remembered: the module will not appear
 * while the process runs, so the reader reports it as fatal instead of retrying.
 */
export class LazyDriver<T> {
  private error: string | undefined;

  constructor(private driver: T | undefined, private readonly load: () => Promise<T>) {}

  async get(): Promise<{ driver: T } | { error: string; fatal: true }> {
    if (this.driver) return { driver: this.driver };
    if (this.error === undefined) {
      try { this.driver = await this.load(); return { driver: this.driver }; } catch (err) { this.error = (err as Error).message; }
    }
    return { error: this.error, fatal: true };
  }
}
