import { eq } from 'drizzle-orm';
import { accounts, schools, students } from '../db/schema.js';
import { cabinetProfiles } from '../db/cabinet-schema.js';
import type { Tx } from '../db/open.js';

/** A child the session may open: the login account itself and the accounts linked to it. */
export interface FamilyMember { accountNumber: string; pupilName: string; className: string; balance: number }

/**
 * Everything the cabinet's pages show about the account being viewed (one
 * query), plus who is looking: the login account and the family it may open
 * (set by the guard; a lone account is its own family).
 */
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
  /** The account the session logged in with: password, e-mail and family links are its own. */
  loginAccount: string;
  /** Every account the session may open, the login account first. */
  family: FamilyMember[];
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
    loginAccount: row.accountNumber,
    family: [{ accountNumber: row.accountNumber, pupilName: row.pupilName ?? '', className: row.className ?? '', balance: row.balance }],
  };
}
