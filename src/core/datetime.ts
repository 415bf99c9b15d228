/** Time formatting at the edges, in the school's time zone (IANA name, e.g. "Europe/Moscow"). */
export const DEFAULT_TIME_ZONE = 'Europe/Moscow';

interface Parts { year: string; month: string; day: string; hour: string; minute: string }

/*
 * Building an Intl.DateTimeFormat costs tens of microseconds and formatToParts
 * several more; the sale path asks for the school day on every sale. Every
 * output here has minute resolution and real time-zone offsets change only on
 * whole minutes, so the parts are a function of (zone, minute): keep one
 * formatter per zone and the last minute's parts.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();
const lastMinute = new Map<string, { minute: number; parts: Parts }>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let fmt = formatters.get(timeZone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('ru-RU', {
      timeZone,
      year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
    });
    formatters.set(timeZone, fmt);
  }
  return fmt;
}

function parts(at: Date | string | number, timeZone: string): Parts {
  const ms = at instanceof Date ? at.getTime() : new Date(at).getTime();
  const minute = Math.floor(ms / 60_000);
  const hit = lastMinute.get(timeZone);
  if (hit && hit.minute === minute) return hit.parts;
  const out: Record<string, string> = {};
  for (const p of formatterFor(timeZone).formatToParts(ms)) out[p.type] = p.value;
  const result: Parts = { year: out.year!, month: out.month!, day: out.day!, hour: out.hour!, minute: out.minute! };
  if (Number.isFinite(minute)) lastMinute.set(timeZone, { minute, parts: result });
  return result;
}

/**
 * Minutes the zone is ahead of UTC at an instant (Europe/Moscow: 180), read to
 * the second from the zone's cached formatter, so zones whose historical
 * offsets are not whole minutes round the same way every time.
 */
export function zoneOffsetMinutes(instant: number, timeZone: string): number {
  const p: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(instant)) if (part.type !== 'literal') p[part.type] = Number(part.value);
  const wall = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  return Math.round((wall - Math.floor(instant / 1000) * 1000) / 60_000);
}

/** "15.03.2018 10:42" */
export function formatDateTime(at: Date | string | number, timeZone = DEFAULT_TIME_ZONE): string {
  const p = parts(at, timeZone);
  return `${p.day}.${p.month}.${p.year} ${p.hour}:${p.minute}`;
}

/** "15.03.2018" */
export function formatDate(at: Date | string | number, timeZone = DEFAULT_TIME_ZONE): string {
  const p = parts(at, timeZone);
  return `${p.day}.${p.month}.${p.year}`;
}

/** The school day an instant belongs to, as "2018-03-15" (used for once-a-day benefits and daily limits). */
export function schoolDay(at: Date | string | number, timeZone = DEFAULT_TIME_ZONE): string {
  const p = parts(at, timeZone);
  return `${p.year}-${p.month}-${p.day}`;
}

/*
 * A statement formats one instant per line, hundreds of different minutes, so
 * the last-minute cache above never hits and formatToParts (~4 µs) dominated
 * building it. format() on the same cached options costs ~1 µs; ICU's ru-RU
 * pattern for them is "15.03.2018, 10:42:07", read here by position. Any other
 * shape (a different ICU) falls back to formatDateTime, so the text is the same.
 */
const SHAPE = /^(\d{2})\.(\d{2})\.(\d{4}), (\d{2}):(\d{2}):\d{2}$/;

/** Same text as formatDateTime ("15.03.2018 10:42"), cheaper for many different instants in one zone. */
export function formatDateTimeMany(at: Date | string | number, timeZone = DEFAULT_TIME_ZONE): string {
  const ms = at instanceof Date ? at.getTime() : new Date(at).getTime();
  if (!Number.isFinite(ms)) return formatDateTime(at, timeZone);
  const m = SHAPE.exec(formatterFor(timeZone).format(ms));
  if (!m) return formatDateTime(ms, timeZone);
  return `${m[1]}.${m[2]}.${m[3]} ${m[4]}:${m[5]}`;
}
