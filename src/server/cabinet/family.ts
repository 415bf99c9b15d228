import { and, asc, eq, sql } from 'drizzle-orm';
import { accounts, students } from '../db/schema.js';
import { cabinetFamilyLinks } from '../db/cabinet-schema.js';
import type { Db, Tx } from '../db/open.js';
import type { FamilyMember } from './account.js';
import { checkAccountPassword, logEvent } from './auth.js';

/**
 * Families (многодетные): one parent login opens several children. A child is
 * linked by proving its password (the receipt's temporary one or the
 * permanent one) under the same throttle as login; a link is one-way, from
 * the login account to the child, and nothing else grants access.
 */
export const MAX_FAMILY = 10;

/** The children linked to the login account (not itself), in the order they were linked; closed accounts left out. */
export async function linkedChildren(db: Tx, login: string): Promise<FamilyMember[]> {
  const rows = await db.select({
    accountNumber: accounts.accountNumber, pupilName: students.fullName, className: students.className,
    balance: accounts.balance, active: accounts.active, linkedAt: cabinetFamilyLinks.createdAt,
  }).from(cabinetFamilyLinks)
    .innerJoin(accounts, eq(accounts.accountNumber, cabinetFamilyLinks.linkedAccount))
    .leftJoin(students, eq(students.id, accounts.studentId))
    .where(eq(cabinetFamilyLinks.ownerAccount, login))
    .orderBy(asc(cabinetFamilyLinks.createdAt), asc(cabinetFamilyLinks.linkedAccount));
  return rows.filter((r) => r.active).map((r) => ({
    accountNumber: r.accountNumber, pupilName: r.pupilName ?? '', className: r.className ?? '', balance: r.balance,
  }));
}

/** Whether the login account may open `target`: its own, or linked to it. */
export async function inFamily(db: Tx, login: string, target: string): Promise<boolean> {
  if (login === target) return true;
  const [row] = await db.select({ a: cabinetFamilyLinks.linkedAccount }).from(cabinetFamilyLinks)
    .where(and(eq(cabinetFamilyLinks.ownerAccount, login), eq(cabinetFamilyLinks.linkedAccount, target)));
  return !!row;
}

export type LinkResult =
  | { kind: 'linked'; accountNumber: string }
  | { kind: 'bad' }                                  // one message for unknown account and wrong password
  | { kind: 'locked'; seconds: number }
  | { kind: 'self' }
  | { kind: 'already' }
  | { kind: 'full' };

export async function linkChild(db: Db, input: { login: string; accountNumber: string; password: string; ip: string; now: Date }): Promise<LinkResult> {
  const number = input.accountNumber.replace(/\s/g, '');
  if (number === input.login) return { kind: 'self' };
  // The password is checked first (and counted) even for a child already linked: the answer tells nothing for free.
  const check = await checkAccountPassword(db, { accountNumber: number, password: input.password, ip: input.ip, now: input.now, event: 'familyLinkFailed', by: input.login });
  // Another attempt from this address is still being checked: the same answer as a short lock.
  if (check.kind === 'busy') return { kind: 'locked', seconds: 5 };
  if (check.kind !== 'ok') return check;
  if (await inFamily(db, input.login, number)) return { kind: 'already' };
  const [{ n } = { n: 0 }] = await db.select({ n: sql<number>`count(*)::int` }).from(cabinetFamilyLinks)
    .where(eq(cabinetFamilyLinks.ownerAccount, input.login));
  if (Number(n) + 1 >= MAX_FAMILY) return { kind: 'full' };
  await db.transaction(async (tx) => {
    await tx.insert(cabinetFamilyLinks).values({ ownerAccount: input.login, linkedAccount: number, createdAt: input.now.toISOString() })
      .onConflictDoNothing();
    // Both accounts' histories say who opened whom.
    await logEvent(tx, { accountNumber: input.login, kind: 'familyLinked', ip: input.ip, details: { linked: number } });
    await logEvent(tx, { accountNumber: number, kind: 'familyLinkedBy', ip: input.ip, details: { by: input.login } });
  });
  return { kind: 'linked', accountNumber: number };
}

/** Removes a link from the login account's family; another family's link or an unknown number changes nothing. */
export async function unlinkChild(db: Db, input: { login: string; accountNumber: string; ip: string }): Promise<boolean> {
  return db.transaction(async (tx) => {
    const gone = await tx.delete(cabinetFamilyLinks)
      .where(and(eq(cabinetFamilyLinks.ownerAccount, input.login), eq(cabinetFamilyLinks.linkedAccount, input.accountNumber)))
      .returning({ a: cabinetFamilyLinks.linkedAccount });
    if (gone.length === 0) return false;
    await logEvent(tx, { accountNumber: input.login, kind: 'familyUnlinked', ip: input.ip, details: { linked: input.accountNumber } });
    await logEvent(tx, { accountNumber: input.accountNumber, kind: 'familyUnlinkedBy', ip: input.ip, details: { by: input.login } });
    return true;
  });
}
