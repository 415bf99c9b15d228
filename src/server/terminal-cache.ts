import type { TerminalIdentity } from './ledger/push.js';

/**
 * Token hash → terminal, per process, for the push and pull routes: a push or pull then costs no
 * separate token lookup (issue 17: one round trip of seven). It may be stale for a moment, so it is
 * never the last word: the push's first statement and the pull's first statement check that the
 * token is still the terminal's and not revoked, in the database. Entries go when their school is
 * poked with `all` (a revoke pokes, in every process) and after `ttlMs` in any case.
 */
export class TerminalCache {
  private readonly byHash = new Map<string, { terminal: TerminalIdentity; until: number }>();

  constructor(private readonly ttlMs = 60_000, private readonly max = 50_000, private readonly now: () => number = Date.now) {}

  get(tokenHash: string): TerminalIdentity | undefined {
    const hit = this.byHash.get(tokenHash);
    if (!hit) return undefined;
    if (hit.until <= this.now()) { this.byHash.delete(tokenHash); return undefined; }
    return hit.terminal;
  }

  set(tokenHash: string, terminal: TerminalIdentity): void {
    // A flood of distinct tokens cannot grow it without bound (unknown tokens are never stored anyway).
    if (this.byHash.size >= this.max) this.byHash.clear();
    this.byHash.set(tokenHash, { terminal, until: this.now() + this.ttlMs });
  }

  /** Something about this school's tills may have changed (a revoke, a re-enrolment): ask the database again. */
  dropSchool(schoolId: string): void {
    for (const [hash, v] of this.byHash) if (v.terminal.schoolId === schoolId) this.byHash.delete(hash);
  }

  get size(): number { return this.byHash.size; }
}
