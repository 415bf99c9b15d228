import { sql } from 'drizzle-orm';
import { query, type Tx } from '../db/open.js';
import { textArray } from '../db/bulk.js';
import { HttpError } from '../errors.js';
import { schoolDay } from '../../core/datetime.js';
import { addDays, ruDay } from '../../core/period.js';
import { listSittings, schoolTimeZone } from './school-facts.js';

/**
 * The calendar of a day whose order is fixed does not change (docs/orders.md): its lines are
 * written, charged and on the kitchen's sheet, so a holiday or quarantine put on it afterwards
 * would say one thing while the ledger says another. We refuse such a change with the reason;
 * the way back is the existing one, a reversal of the lines by the manager (POST lines/:id/reversal).
 *
 * The check takes the class orders' row locks the fix takes (fix.ts locks `class_orders` FOR
 * UPDATE), so a fix running at the same moment either finishes first (and we refuse) or waits for
 * our commit (and then reads the new calendar). For the days the scheduler may be fixing now
 * (yesterday, today, tomorrow) the rows are made first, as the fix makes them, so there is a row to lock.
 */
export async function assertDaysNotFixed(tx: Tx, schoolId: string, days: readonly string[], classNames: readonly string[] | null, now: Date): Promise<void> {
  if (days.length === 0 || classNames?.length === 0) return;
  const today = schoolDay(now, await schoolTimeZone(tx, schoolId));
  const near = days.filter((d) => d >= addDays(today, -1) && d <= addDays(today, 1));
  const eating = [...new Set((await listSittings(tx, schoolId)).flatMap((s) => s.classNames))]
    .filter((c) => classNames === null || classNames.includes(c));
  if (near.length && eating.length) {
    await tx.execute(sql`INSERT INTO class_orders (school_id, day, class_name)
      SELECT ${schoolId}, d, c FROM unnest(${textArray(near)}::date[]) AS x(d), unnest(${textArray(eating)}::text[]) AS y(c)
      ON CONFLICT DO NOTHING`);
  }
  const rows = await query<{ day: string; class_name: string; state: string }>(tx, sql`SELECT day::text AS day, class_name, state FROM class_orders
    WHERE school_id = ${schoolId} AND day = ANY(${textArray(days)}::date[])
      ${classNames === null ? sql`` : sql`AND class_name = ANY(${textArray(classNames)}::text[])`}
    ORDER BY day, class_name FOR UPDATE`);
  const fixed = rows.filter((r) => r.state === 'fixed');
  if (!fixed.length) return;
  const byDay = new Map<string, string[]>();
  for (const r of fixed) byDay.set(r.day, [...(byDay.get(r.day) ?? []), r.class_name]);
  const list = [...byDay].map(([d, cs]) => `${ruDay(d)} (${cs.join(', ')})`).join('; ');
  throw new HttpError(409, 'CONFLICT',
    `Заявка уже зафиксирована: ${list}. Календарь зафиксированного дня не меняется: питание этого дня уже списано и передано на кухню. `
    + 'Чтобы вернуть деньги за несъеденное, заведующий производством оформляет возврат по строкам заявки; закройте только следующие дни.',
    { fixedDays: [...byDay.keys()] });
}
