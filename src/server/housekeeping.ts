import type { Db } from './db/open.js';
import { pruneChanges } from './changes.js';
import { purgeExpiredSessions } from './cabinet/sessions.js';
import { purgeSpentResetTokens } from './cabinet/auth.js';
import { purgeStaffSessions } from './staff/sessions.js';
import { expireBenefits } from './admin/benefits.js';
import { rollUpRecent } from './reports/rollup.js';

/** Change-log rows are kept this long; a terminal silent for longer gets a full reset on its next pull. */
export const DEFAULT_CHANGES_KEEP_DAYS = 30;
export const DEFAULT_HOUSEKEEPING_INTERVAL_MS = 60 * 60_000;

export interface HousekeepingOptions {
  changesKeepDays?: number;
  now?: Date;
}

export interface HousekeepingResult { sessions: number; resetTokens: number; changes: number; horizon: number; benefits: number; rolledUp: number }

/**
 * Deletes what nothing will read again: expired cabinet and staff sessions, used or expired
 * password-reset links, and change-log rows older than the kept window (pruneChanges
 * raises the pull horizon with them, so an older cursor gets a full reset). It also takes
 * benefits whose basis document ran out off the pupils' lists the tills read (and puts on
 * those whose document began), by each school's local date: the hourly run does it within
 * an hour of midnight there. It rolls up the district's closed days for the reports (reports/rollup.ts:
 * the last 31, and days a late entry marked). The ledger and review flags are never touched. Every step is
 * idempotent; safe to run from several processes at once.
 */
export async function runHousekeeping(db: Db, opts: HousekeepingOptions = {}): Promise<HousekeepingResult> {
  const now = opts.now ?? new Date();
  const keepDays = opts.changesKeepDays ?? DEFAULT_CHANGES_KEEP_DAYS;
  const sessions = await purgeExpiredSessions(db, now) + await purgeStaffSessions(db, now);
  const resetTokens = await purgeSpentResetTokens(db, now);
  const pruned = await pruneChanges(db, new Date(now.getTime() - keepDays * 86_400_000));
  const benefits = await expireBenefits(db, now);
  const rolledUp = await rollUpRecent(db, now);
  return { sessions, resetTokens, changes: pruned.deleted, horizon: pruned.horizon, benefits, rolledUp };
}

/**
 * Runs housekeeping every `intervalMs` on an unref'd timer (it never keeps the process alive);
 * a run still going when the next is due is not doubled. Returns the function that stops it.
 */
export function startHousekeeping(
  db: Db, opts: { intervalMs: number; changesKeepDays?: number; onError: (err: unknown) => void },
): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    runHousekeeping(db, opts.changesKeepDays === undefined ? {} : { changesKeepDays: opts.changesKeepDays })
      .catch(opts.onError)
      .finally(() => { running = false; });
  }, opts.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
