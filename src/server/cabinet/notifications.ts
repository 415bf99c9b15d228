import { and, eq, isNotNull, isNull, sql } from 'drizzle-orm';
import { formatAmount } from '../../core/money.js';
import { accounts, students } from '../db/schema.js';
import { cabinetProfiles } from '../db/cabinet-schema.js';
import type { Db } from '../db/open.js';
import type { Mailer } from './mailer.js';

/**
 * Low-balance letters. Sales arrive through terminal pushes at any time, so
 * a periodic check (and one after every cabinet change) compares balances
 * with thresholds: one letter per dip below the threshold; the mark is
 * cleared when the balance is back at or above it. The mark is set before
 * sending in a claim-style UPDATE, so two server processes never both send.
 */
export async function checkLowBalances(db: Db, mailer: Mailer, now: Date, cabinetUrl: string): Promise<number> {
  await db.update(cabinetProfiles).set({ lowBalanceNotifiedAt: null })
    .where(and(isNotNull(cabinetProfiles.lowBalanceNotifiedAt), sql`(${cabinetProfiles.lowBalanceThreshold} IS NULL OR
      (SELECT balance FROM accounts a WHERE a.account_number = ${cabinetProfiles.accountNumber}) >= ${cabinetProfiles.lowBalanceThreshold})`));
  const due = await db.update(cabinetProfiles).set({ lowBalanceNotifiedAt: now.toISOString() })
    .where(and(isNull(cabinetProfiles.lowBalanceNotifiedAt), isNotNull(cabinetProfiles.lowBalanceThreshold), isNotNull(cabinetProfiles.email),
      sql`(SELECT balance FROM accounts a WHERE a.account_number = ${cabinetProfiles.accountNumber}) < ${cabinetProfiles.lowBalanceThreshold}`))
    .returning({ accountNumber: cabinetProfiles.accountNumber, email: cabinetProfiles.email, threshold: cabinetProfiles.lowBalanceThreshold });
  let sent = 0;
  for (const d of due) {
    const [acc] = await db.select({ balance: accounts.balance, name: students.fullName }).from(accounts)
      .leftJoin(students, eq(students.id, accounts.studentId)).where(eq(accounts.accountNumber, d.accountNumber));
    if (!acc || !d.email) continue;
    try {
      await mailer.send({
        to: d.email,
        subject: `Низкий остаток на лицевом счёте ${d.accountNumber}`,
        text: [
          'Здравствуйте!',
          '',
          `Остаток на лицевом счёте ${d.accountNumber}${acc.name ? ` (${acc.name})` : ''}: ${formatAmount(acc.balance)} руб.`,
          `Это меньше порога ${formatAmount(d.threshold ?? 0)} руб., который вы указали в личном кабинете.`,
          '',
          `Пополнить счёт: ${cabinetUrl}/cabinet/topup`,
          '',
          'Письмо отправлено автоматически, отвечать на него не нужно.',
        ].join('\n'),
      });
      sent++;
    } catch {
      // Unsent: clear the mark so the next check tries again.
      await db.update(cabinetProfiles).set({ lowBalanceNotifiedAt: null }).where(eq(cabinetProfiles.accountNumber, d.accountNumber));
    }
  }
  return sent;
}
