/**
 * Russian schools approve a cycle menu of 10 or 14 school days (СанПиН
 * 2.3/2.4.3590-20): day 1 on the cycle's first date, the next day of the cycle
 * on each following school day, back to day 1 after the last. Dates are
 * 'YYYY-MM-DD' in the school's time zone; weekdays 1 = Monday … 7 = Sunday.
 */
export const CYCLE_LENGTHS = [10, 14] as const;

const DAY_MS = 86_400_000;
const toUtc = (d: string) => Date.UTC(Number(d.slice(0, 4)), Number(d.slice(5, 7)) - 1, Number(d.slice(8, 10)));
const isoWeekday = (ms: number) => ((new Date(ms).getUTCDay() + 6) % 7) + 1;

export interface CycleSpec { startsOn: string; lengthDays: number; weekdays: readonly number[]; holidays?: ReadonlySet<string> }

/** The cycle day (1…length) a date falls on, or null: before the start, or not a school day. */
export function cycleDayOf(spec: CycleSpec, date: string): number | null {
  const start = toUtc(spec.startsOn);
  const end = toUtc(date);
  if (!(end >= start) || spec.lengthDays < 1) return null;
  const days = new Set(spec.weekdays);
  const isSchoolDay = (ms: number) => days.has(isoWeekday(ms)) && !spec.holidays?.has(new Date(ms).toISOString().slice(0, 10));
  if (!isSchoolDay(end)) return null;
  let n = 0;
  for (let ms = start; ms <= end; ms += DAY_MS) if (isSchoolDay(ms)) n++;
  return ((n - 1) % spec.lengthDays) + 1;
}
