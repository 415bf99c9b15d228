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
  // A child linked into a parent's cabinet usually has no e-mail of its own: the letter goes to
  // the child's address if set and to every family cabinet that links the child and has one.
  const familyEmails = sql`(SELECT array_agg(DISTINCT p.email) FROM cabinet_family_links l
      JOIN cabinet_profiles p ON p.account_number = l.owner_account AND p.email IS NOT NULL
      WHERE l.linked_account = ${cabinetProfiles.accountNumber})`;
  const due = await db.update(cabinetProfiles).set({ lowBalanceNotifiedAt: now.toISOString() })
    .where(and(isNull(cabinetProfiles.lowBalanceNotifiedAt), isNotNull(cabinetProfiles.lowBalanceThreshold),
      sql`(${cabinetProfiles.email} IS NOT NULL OR ${familyEmails} IS NOT NULL)`,
      sql`(SELECT balance FROM accounts a WHERE a.account_number = ${cabinetProfiles.accountNumber}) < ${cabinetProfiles.lowBalanceThreshold}`))
    .returning({ accountNumber: cabinetProfiles.accountNumber, email: cabinetProfiles.email, threshold: cabinetProfiles.lowBalanceThreshold, family: sql<string[] | null>`${familyEmails}` });
  let sent = 0;
  for (const d of due) {
    const [acc] = await db.select({ balance: accounts.balance, name: students.fullName }).from(accounts)
      .leftJoin(students, eq(students.id, accounts.studentId)).where(eq(accounts.accountNumber, d.accountNumber));
    const to = [...new Set([d.email, ...(d.family ?? [])].filter((e): e is string => !!e))];
    if (!acc || to.length === 0) continue;
    const text = [
      'Здравствуйте!',
      '',
      `Остаток на лицевом счёте ${d.accountNumber}${acc.name ? ` (${acc.name})` : ''}: ${formatAmount(acc.balance)} руб.`,
      `Это меньше порога ${formatAmount(d.threshold ?? 0)} руб., который вы указали в личном кабинете.`,
      '',
      `Пополнить счёт: ${cabinetUrl}/cabinet/topup`,
      '',
      'Письмо отправлено автоматически, отвечать на него не нужно.',
    ].join('\n');
    // One letter per address: two families linking one child never see each other's address.
    let delivered = 0;
    for (const address of to) {
      try {
        await mailer.send({ to: address, subject: `Низкий остаток на лицевом счёте ${d.accountNumber}`, text });
        delivered++;
      } catch {
        // counted below
      }
    }
    if (delivered > 0) sent++;
    // Nobody got it: clear the mark so the next check tries again.
    else await db.update(cabinetProfiles).set({ lowBalanceNotifiedAt: null }).where(eq(cabinetProfiles.accountNumber, d.accountNumber));
  }
  return sent;
}
