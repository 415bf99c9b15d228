import type { DbHandle } from './db/open.js';
import { POKE_CHANNEL } from './changes.js';

/**
 * Fans the database's NOTIFY canteen_changes (payload: school id) out to the
 * subscribers of that school. NOTIFY crosses processes, so with PostgreSQL a
 * change made by the admin CLI or by another server process pokes terminals
 * connected here too.
 */
export class PokeHub {
  private subs = new Map<string, Set<() => void>>();
  private unlisten?: () => Promise<void>;

  async start(handle: DbHandle): Promise<void> {
    this.unlisten = await handle.listen(POKE_CHANNEL, (schoolId) => this.poke(schoolId));
  }

  subscribe(schoolId: string, fn: () => void): () => void {
    let set = this.subs.get(schoolId);
    if (!set) this.subs.set(schoolId, (set = new Set()));
    set.add(fn);
    return () => {
      set.delete(fn);
      if (set.size === 0) this.subs.delete(schoolId);
    };
  }

  poke(schoolId: string): void {
    for (const fn of this.subs.get(schoolId) ?? []) {
      try { fn(); } catch { /* a dead socket must not stop the others */ }
    }
  }

  async stop(): Promise<void> {
    await this.unlisten?.();
    this.subs.clear();
  }
}
