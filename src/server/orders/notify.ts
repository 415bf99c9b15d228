import { sql } from 'drizzle-orm';
import { query, type Db, type Tx } from '../db/open.js';
import { schoolDay } from '../../core/datetime.js';
import { addDays, ruDay } from '../../core/period.js';
import { formatAmount } from '../../core/money.js';
import type { Mailer } from '../cabinet/mailer.js';

/**
 * "The balance won't cover tomorrow's order": the open pre-orders of today and tomorrow (the
 * school's days) against the balance. The cabinet shows the shortfall as a banner; the notifier
 * sends one letter per account and order day (`order_notices`, claimed before sending).
 */
export async function shortfallOf(db: Tx, accountNumber: string, now: Date): Promise<number | null> {
  const rows = await query<{ short: number | string | null }>(db, sql`
    SELECT sum(p.amount) - a.balance AS short FROM pre_orders p
    JOIN accounts a ON a.account_number = p.account_number
    JOIN schools s ON s.id = a.school_id
    WHERE p.account_number = ${accountNumber} AND p.state = 'open'
      AND p.day <= ((${now.toISOString()}::timestamptz AT TIME ZONE s.time_zone)::date + 1)
    GROUP BY a.balance`);
  const short = Number(rows[0]?.short ?? 0);
  return short > 0 ? short : null;
}

/** Sends the letters due now; returns how many were sent. */
export async function notifyOrderShortfalls(db: Db, mailer: Mailer, now: Date, cabinetUrl: string): Promise<number> {
  const due = await query<{ account_number: string; day: string; short: number | string; email: string; name: string | null; tz: string }>(db, sql`
    WITH t AS (
      SELECT p.account_number, min(p.day) AS day, sum(p.amount) AS need FROM pre_orders p
      JOIN accounts a ON a.account_number = p.account_number JOIN schools s ON s.id = a.school_id
      WHERE p.state = 'open' AND p.day <= ((${now.toISOString()}::timestamptz AT TIME ZONE s.time_zone)::date + 1)
      GROUP BY p.account_number)
    SELECT t.account_number, t.day::text AS day, t.need - a.balance AS short, c.email, st.full_name AS name, s.time_zone AS tz
    FROM t JOIN accounts a ON a.account_number = t.account_number JOIN schools s ON s.id = a.school_id
    JOIN cabinet_profiles c ON c.account_number = t.account_number AND c.email IS NOT NULL
    LEFT JOIN students st ON st.id = a.student_id
    WHERE t.need > a.balance`);
  let sent = 0;
  for (const d of due) {
    const claimed = await query<{ n: string }>(db, sql`INSERT INTO order_notices (account_number, day, short_by)
      VALUES (${d.account_number}, ${d.day}, ${Number(d.short)}) ON CONFLICT DO NOTHING RETURNING account_number AS n`);
    if (!claimed.length) continue;
    const tomorrow = d.day > schoolDay(now, d.tz) || d.day === addDays(schoolDay(now, d.tz), 1);
    try {
      await mailer.send({
        to: d.email,
        subject: `Не хватает денег на заказанное питание (л/с ${d.account_number})`,
        text: [
          'Здравствуйте!',
          '',
          `На ${tomorrow ? 'завтра' : 'сегодня'}, ${ruDay(d.day)}, для ${d.name ?? 'ребёнка'} заказано питание, а на лицевом счёте ${d.account_number}`,
          `не хватает ${formatAmount(Number(d.short))} руб. Пополните счёт до закрытия заказа, иначе счёт уйдёт в минус.`,
          '',
          `Пополнить счёт: ${cabinetUrl}/cabinet/topup`,
          `Изменить заказ: ${cabinetUrl}/cabinet/orders`,
          '',
          'Письмо отправлено автоматически, отвечать на него не нужно.',
        ].join('\n'),
      });
      sent++;
    } catch {
      // Unsent: give the claim back so the next round tries again.
      await db.execute(sql`DELETE FROM order_notices WHERE account_number = ${d.account_number} AND day = ${d.day}`);
    }
  }
  return sent;
}
