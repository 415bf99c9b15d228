import { sql } from 'drizzle-orm';
import type { DbHandle } from './db/open.js';
import { POKE_CHANNEL } from './changes.js';
import { textArray } from './db/bulk.js';

/**
 * What a poke says: `all` = the school's data changed (a top-up, a card, the menu, a revoke …):
 * pull now; `sales` = only another till's sales moved balances: pull when convenient (the till
 * rate-limits these). On the WebSocket, `all` is an empty message (what every till understands)
 * and `sales` the text "sales".
 */
export type PokeKind = 'all' | 'sales';
export const SALES_POKE = 'sales';

/** How long sales pokes of one process are gathered before one NOTIFY statement carries them all. */
export const SALES_POKE_DELAY_MS = 250;

/**
 * Fans the database's NOTIFY canteen_changes out to the subscribers of a school. The payload is
 * the school id (`all`) or "school-id<TAB>sales". NOTIFY crosses processes, so with PostgreSQL a
 * change made by the admin CLI or by another server process pokes terminals connected here too.
 *
 * Pushes do not NOTIFY in their own transaction (every commit with a NOTIFY queues on one
 * cluster-wide lock): they call `salesCommitted` after their commit, and the hub sends the
 * schools gathered over SALES_POKE_DELAY_MS in one statement.
 */
export class PokeHub {
  private subs = new Map<string, Set<(kind: PokeKind) => void>>();
  private watchers = new Set<(schoolId: string, kind: PokeKind) => void>();
  private unlisten?: () => Promise<void>;
  private handle?: DbHandle;
  private pendingSales = new Set<string>();
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  /** NOTIFY statements sent for sales pokes (tests, diagnostics). */
  salesNotifies = 0;

  constructor(private readonly salesDelayMs = SALES_POKE_DELAY_MS) {}

  async start(handle: DbHandle): Promise<void> {
    this.handle = handle;
    this.unlisten = await handle.listen(POKE_CHANNEL, (payload) => {
      const tab = payload.indexOf('\t');
      if (tab < 0) this.poke(payload, 'all');
      else this.poke(payload.slice(0, tab), payload.slice(tab + 1) === SALES_POKE ? 'sales' : 'all');
    });
  }

  subscribe(schoolId: string, fn: (kind: PokeKind) => void): () => void {
    let set = this.subs.get(schoolId);
    if (!set) this.subs.set(schoolId, (set = new Set()));
    set.add(fn);
    return () => {
      set.delete(fn);
      if (set.size === 0) this.subs.delete(schoolId);
    };
  }

  /** Every poke of every school (the token cache drops a school's tills on an `all` poke). */
  onPoke(fn: (schoolId: string, kind: PokeKind) => void): () => void {
    this.watchers.add(fn);
    return () => { this.watchers.delete(fn); };
  }

  poke(schoolId: string, kind: PokeKind = 'all'): void {
    for (const fn of this.watchers) {
      try { fn(schoolId, kind); } catch { /* a watcher must not stop the pokes */ }
    }
    for (const fn of this.subs.get(schoolId) ?? []) {
      try { fn(kind); } catch { /* a dead socket must not stop the others */ }
    }
  }

  /** A push committed sales for this school: a `sales` poke goes out with the next gathered NOTIFY. */
  salesCommitted(schoolId: string): void {
    this.pendingSales.add(schoolId);
    if (this.flushTimer || !this.handle) return;
    this.flushTimer = setTimeout(() => { void this.flush(); }, this.salesDelayMs);
    this.flushTimer.unref?.();
  }

  private async flush(): Promise<void> {
    this.flushTimer = undefined;
    const schools = [...this.pendingSales];
    this.pendingSales.clear();
    if (!schools.length || !this.handle) return;
    this.salesNotifies++;
    try {
      await this.handle.db.execute(sql`SELECT pg_notify(${POKE_CHANNEL}, s || E'\\t' || ${SALES_POKE})
        FROM unnest(${textArray(schools)}::text[]) AS t(s)`);
    } catch { /* pokes are hints: the tills' interval pulls bring the same */ }
  }

  async stop(): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.pendingSales.clear();
    this.handle = undefined;
    await this.unlisten?.();
    this.subs.clear();
  }
}
