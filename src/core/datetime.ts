/** Time formatting at the edges, in the school's time zone (IANA name, e.g. "Europe/Moscow"). */
export const DEFAULT_TIME_ZONE = 'Europe/Moscow';

function parts(at: Date | string | number, timeZone: string): Record<string, string> {
  const fmt = new Intl.DateTimeFormat('ru-RU', {
    timeZone,
    year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
  });
  const out: Record<string, string> = {};
  for (const p of fmt.formatToParts(new Date(at))) out[p.type] = p.value;
  return out;
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
