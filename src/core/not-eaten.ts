import { startOfDay } from './period.js';

/**
 * «Заказано, не отменено, не съедено» (docs/orders.md "Not eaten"), the pure part: when a day's
 * unserved fixed lines are settled by the school's policy. No I/O.
 *
 * A day is settled `graceHours` after its last sitting ends (school's local time). The grace is for
 * the tills: a till offline during the sitting pushes its served marks when it is back, usually the
 * next morning, and a line it marked must not be refunded. 24 hours gives every till a whole school
 * day to come back; a mark arriving later still re-charges the line (src/server/orders/not-eaten.ts).
 */
export const NOT_EATEN_GRACE_HOURS = 24;

export type NotEatenPolicy = 'charge' | 'release';

/** The latest "HH:MM" of the sittings' ends ("23:59" when there are none: the day's end). */
export function lastSittingEnd(endsAt: readonly string[]): string {
  return endsAt.filter((t) => /^\d{2}:\d{2}$/.test(t)).sort().at(-1) ?? '23:59';
}

/** The instant the policy applies to `day`: its last sitting's end + `graceHours`. */
export function notEatenDueAt(day: string, lastEnd: string, timeZone: string, graceHours = NOT_EATEN_GRACE_HOURS): Date {
  const [h, m] = lastEnd.split(':').map(Number);
  // startOfDay is midnight in the zone; wall-clock minutes are right except across a DST change (none in Russia).
  return new Date(startOfDay(day, timeZone).getTime() + (((h ?? 23) * 60 + (m ?? 59)) + graceHours * 60) * 60_000);
}
