import { sql } from 'drizzle-orm';
import { query, type Db } from '../db/open.js';
import { schoolDay } from '../../core/datetime.js';
import { addDays } from '../../core/period.js';
import { cutoffInstant, isSchoolDay } from '../../core/orders.js';
import { calendarFacts, getOrderSettings } from './school-facts.js';
import { fixDay, type FixResult } from './fix.js';
import { runDueNotEaten } from './not-eaten.js';

/**
 * The order fixer: every school with sittings, every day whose cutoff has passed (yesterday,
 * today, tomorrow: a `dayBefore` cutoff closes tomorrow today; yesterday catches a server that
 * was down at the cutoff) is fixed. Idempotent (fix.ts), so running it often, twice, or from two
 * processes is safe. The clock is injected: tests move it past a cutoff and call `runDueFixes`.
 */
export async function runDueFixes(db: Db, now: Date): Promise<{ schoolId: string; day: string; result: FixResult }[]> {
  const schoolRows = await query<{ id: string; tz: string }>(db, sql`SELECT s.id, s.time_zone AS tz FROM schools s
    WHERE EXISTS (SELECT 1 FROM meal_sittings m WHERE m.school_id = s.id AND m.active)`);
  const out: { schoolId: string; day: string; result: FixResult }[] = [];
  for (const s of schoolRows) {
    const settings = await getOrderSettings(db, s.id);
    const today = schoolDay(now, s.tz);
    const calendar = await calendarFacts(db, s.id, addDays(today, -1), addDays(today, 1));
    for (const day of [addDays(today, -1), today, addDays(today, 1)]) {
      if (!isSchoolDay(day, calendar) || now < cutoffInstant(day, settings, s.tz)) continue;
      const result = await fixDay(db, s.id, day, { now, by: 'auto' });
      out.push({ schoolId: s.id, day, result });
    }
  }
  return out;
}

export const DEFAULT_ORDER_FIX_INTERVAL_MS = 60_000;

/** One tick of the orders scheduler: the fixes due, then the «not eaten» policy of the settled days (not-eaten.ts). */
export async function runOrdersDue(db: Db, now: Date, opts: { notEatenGraceHours?: number } = {}) {
  const fixed = await runDueFixes(db, now);
  const notEaten = await runDueNotEaten(db, now, opts.notEatenGraceHours === undefined ? {} : { graceHours: opts.notEatenGraceHours });
  return { fixed, notEaten };
}

/** Runs the fixer (and the «not eaten» policy) every `intervalMs` on an unref'd timer; a run still going is not doubled. Returns the stop function. */
export function startOrderFixer(db: Db, opts: { intervalMs: number; now: () => Date; onError: (err: unknown) => void; notEatenGraceHours?: number }): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    runOrdersDue(db, opts.now(), opts).catch(opts.onError).finally(() => { running = false; });
  }, opts.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
