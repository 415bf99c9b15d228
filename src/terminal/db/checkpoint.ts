import type Database from 'better-sqlite3';

/**
 * WAL size (pages) at which SQLite checkpoints inside a commit. The terminal's own
 * checkpoint runs when it is idle (IdleCheckpointer); this is only the safety net for a
 * terminal that never idles (a rush at the till) or for writers other than the sale path.
 * 4000 pages ≈ 16 MB of WAL, ≈ 340 sales without a 1 s pause. Measured (3000 sales, no pause):
 * 1000 (SQLite's default) p99 1.26 ms; 4000 p99 0.61 ms, max 3 ms; 10 000 p99 0.70 ms, but one
 * checkpoint of 10 000 pages stalls its sale longer (max 7 ms).
 */
export const WAL_AUTOCHECKPOINT_PAGES = 4000;

/** Quiet time after the last write before the idle checkpoint runs. */
export const IDLE_CHECKPOINT_MS = 1000;

/**
 * Runs a PASSIVE checkpoint once the connection has been idle for IDLE_CHECKPOINT_MS after
 * a write, so copying the WAL back into the database happens between sales instead of
 * inside one sale's commit (where SQLite's auto-checkpoint lands). PASSIVE never waits for
 * readers or writers; the timer is unref'd (it never keeps the process alive) and fires on
 * the event loop, so it can never run inside a synchronous better-sqlite3 transaction.
 */
export class IdleCheckpointer {
  private timer: NodeJS.Timeout | undefined;

  /** `beforeCheckpoint`: other write-behind work for the same quiet moment (it runs first, on the event loop). */
  constructor(private readonly sqlite: Database.Database, private readonly idleMs = IDLE_CHECKPOINT_MS,
    private readonly beforeCheckpoint?: () => void) {}

  /** Call after a commit: (re)arms the timer. */
  touch(): void {
    if (this.timer) { this.timer.refresh(); return; }
    this.timer = setTimeout(() => this.run(), this.idleMs);
    this.timer.unref();
  }

  /** Runs now if armed (also what the timer does). Returns true when a checkpoint ran. */
  run(): boolean {
    if (this.timer) { clearTimeout(this.timer); this.timer = undefined; } else return false;
    return this.flush();
  }

  /** The idle work at once, armed or not (before a clean shutdown). Returns true when a checkpoint ran. */
  flush(): boolean {
    this.cancel();
    const db = this.sqlite;
    if (!db.open || db.inTransaction) return false;
    this.beforeCheckpoint?.();
    if (db.memory) return false;
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
      return true;
    } catch {
      return false; // busy or closing: the next idle period or the auto-checkpoint catches up
    }
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
