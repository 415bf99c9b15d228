import { schoolDay, zoneOffsetMinutes } from './datetime.js';

/**
 * Statement periods are whole days in the school's time zone: "from" is the
 * start of its day, "to" includes its whole day. Instants are UTC ISO strings.
 */
export type QuickRange = '2d' | '2w' | '30d';
export const QUICK_RANGES: { id: QuickRange; label: string; days: number }[] = [
  { id: '2d', label: 'два дня', days: 2 },
  { id: '2w', label: 'две недели', days: 14 },
  { id: '30d', label: '30 дней', days: 30 },
];
export const MAX_PERIOD_DAYS = 400;

export interface Period { from: string; to: string; fromInstant: string; toInstantExclusive: string }

const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The instant a calendar day starts in the zone ("2018-03-15", "Europe/Moscow" → 2018-03-14T21:00:00Z). */
export function startOfDay(day: string, timeZone: string): Date {
  const m = DAY_RE.exec(day);
  if (!m) throw new RangeError(`bad day ${day}`);
  const guess = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  let at = guess - zoneOffsetMinutes(guess, timeZone) * 60_000;
  // Across a DST change the offset at the result may differ from the guess's.
  at = guess - zoneOffsetMinutes(at, timeZone) * 60_000;
  return new Date(at);
}

export function addDays(day: string, n: number): string {
  const m = DAY_RE.exec(day)!;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + n));
  return d.toISOString().slice(0, 10);
}

export function isValidDay(day: unknown): day is string {
  if (typeof day !== 'string') return false;
  const m = DAY_RE.exec(day);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === day && Number(m[1]) >= 2000 && Number(m[1]) <= 2100;
}

/** "2018-03-15" → "15.03.2018" */
export const ruDay = (day: string): string => `${day.slice(8, 10)}.${day.slice(5, 7)}.${day.slice(0, 4)}`;

export type PeriodResult = { ok: true; period: Period } | { ok: false; message: string };

/** From query fields (range, or from/to as YYYY-MM-DD); default: the last 30 days. */
export function resolvePeriod(q: { range?: unknown; from?: unknown; to?: unknown }, timeZone: string, now: Date): PeriodResult {
  const today = schoolDay(now, timeZone);
  let from: string;
  let to: string;
  const quick = QUICK_RANGES.find((r) => r.id === q.range);
  if (quick) {
    to = today;
    from = addDays(today, -(quick.days - 1));
  } else if (q.from === undefined && q.to === undefined) {
    to = today;
    from = addDays(today, -29);
  } else {
    if (!isValidDay(q.from)) return { ok: false, message: 'Неверная дата начала периода' };
    if (!isValidDay(q.to)) return { ok: false, message: 'Неверная дата конца периода' };
    from = q.from;
    to = q.to;
    if (from > to) return { ok: false, message: 'Дата начала периода позже даты конца' };
    if (Date.parse(to) - Date.parse(from) > MAX_PERIOD_DAYS * 86_400_000) {
      return { ok: false, message: `Период не может быть длиннее ${MAX_PERIOD_DAYS} дней` };
    }
  }
  return {
    ok: true,
    period: {
      from, to,
      fromInstant: startOfDay(from, timeZone).toISOString(),
      toInstantExclusive: startOfDay(addDays(to, 1), timeZone).toISOString(),
    },
  };
}
