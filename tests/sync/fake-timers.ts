import type { Timers } from '../../src/terminal/sync/client.js';

/**
 * A manual clock + timer queue for the sync scheduler: time moves only when
 * the test says so, so a week offline runs in seconds and every request the
 * client makes can be counted.
 */
export class FakeTimers implements Timers {
  private seq = 0;
  private queue: { id: number; at: number; fn: () => void }[] = [];
  constructor(public nowMs = Date.parse('2026-03-02T06:00:00Z')) {}

  readonly clock = { now: () => new Date(this.nowMs) };

  setTimeout = (fn: () => void, ms: number): unknown => {
    const id = ++this.seq;
    this.queue.push({ id, at: this.nowMs + Math.max(0, ms), fn });
    return id;
  };

  clearTimeout = (h: unknown): void => {
    this.queue = this.queue.filter((t) => t.id !== h);
  };

  /** Milliseconds until the next timer fires (undefined if none). */
  nextIn(): number | undefined {
    if (!this.queue.length) return undefined;
    return Math.min(...this.queue.map((t) => t.at)) - this.nowMs;
  }

  /**
   * Moves time forward by `ms`, firing timers in order; after each one,
   * `settle` is awaited (e.g. the sync client's idle()) so a run it started
   * finishes before time moves on.
   */
  async advance(ms: number, settle: () => Promise<void>): Promise<number> {
    const end = this.nowMs + ms;
    let fired = 0;
    for (;;) {
      const due = this.queue.filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.queue = this.queue.filter((t) => t !== due);
      this.nowMs = Math.max(this.nowMs, due.at);
      due.fn();
      fired++;
      await settle();
    }
    this.nowMs = end;
    return fired;
  }
}
