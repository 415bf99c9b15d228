import { eq } from 'drizzle-orm';
import { accounts, schools, students } from '../db/schema.js';
import { cabinetProfiles } from '../db/cabinet-schema.js';
import type { Tx } from '../db/open.js';

/** Everything the cabinet's pages show about the logged-in account (one query). */
export interface AccountView {
  accountNumber: string;
  balance: number;
  dailyLimit: number | null;
  hasPermanentPassword: boolean;
  active: boolean;
  schoolId: string;
  schoolName: string;
  timeZone: string;
  pupilName: string;
  className: string;
  email: string | null;
  lowBalanceThreshold: number | null;
}

export async function loadAccount(db: Tx, accountNumber: string): Promise<AccountView | null> {
  const [row] = await db.select({
    accountNumber: accounts.accountNumber, balance: accounts.balance, dailyLimit: accounts.dailyLimit,
    permanent: accounts.permanentPasswordHash, active: accounts.active, schoolId: accounts.schoolId,
    schoolName: schools.name, timeZone: schools.timeZone, pupilName: students.fullName, className: students.className,
    email: cabinetProfiles.email, lowBalanceThreshold: cabinetProfiles.lowBalanceThreshold,
  }).from(accounts)
    .innerJoin(schools, eq(schools.id, accounts.schoolId))
    .leftJoin(students, eq(students.id, accounts.studentId))
    .leftJoin(cabinetProfiles, eq(cabinetProfiles.accountNumber, accounts.accountNumber))
    .where(eq(accounts.accountNumber, accountNumber));
  if (!row) return null;
  return {
    accountNumber: row.accountNumber, balance: row.balance, dailyLimit: row.dailyLimit,
    hasPermanentPassword: row.permanent !== null, active: row.active, schoolId: row.schoolId,
    schoolName: row.schoolName, timeZone: row.timeZone, pupilName: row.pupilName ?? '', className: row.className ?? '',
    email: row.email ?? null, lowBalanceThreshold: row.lowBalanceThreshold ?? null,
  };
}
