import { and, asc, count, desc, eq, inArray, isNotNull, isNull, sql, type SQL } from 'drizzle-orm';
import { accounts, balanceReturnTasks, cards, schoolYearTransitions, students } from '../db/schema.js';
import type { Tx } from '../db/open.js';
import { recordChanges } from '../changes.js';
import { HttpError } from '../errors.js';
import { normaliseClassName, promotedClassName } from '../../core/class-name.js';
import { normaliseCardId } from './cards.js';
import { checkVersion } from '../audit.js';
import { AUDIT } from './audit-keys.js';
import type { PupilListQuery, PupilPatch, PupilRow } from '../../api/admin/pupils.js';

/** Which schools a caller may see: a list, or every school (district admin). */
export type SchoolScope = readonly string[] | 'all';

const inScope = (scope: SchoolScope, column: typeof students.schoolId): SQL | undefined =>
  scope === 'all' ? undefined : scope.length ? inArray(column, [...scope]) : sql`false`;

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);
const nameKey = sql`lower(${students.fullName}) COLLATE "C"`;

/**
 * What the search box means: ten digits are an account, a card id is a card,
 * "3Б" is a class, anything else is the start of the name ("Иванова А").
 */
function searchCondition(q: string): SQL {
  if (/^\d{10}$/.test(q)) return eq(accounts.accountNumber, q);
  try {
    const cardId = normaliseCardId(q);
    return sql`${accounts.accountNumber} IN (SELECT ${cards.accountNumber} FROM ${cards} WHERE ${cards.id} = ${cardId})`;
  } catch { /* not a card */ }
  const cls = q.length <= 4 ? normaliseClassName(q) : null;
  if (cls) return eq(students.className, cls);
  return sql`${nameKey} LIKE ${`${escapeLike(q.toLowerCase().replace(/\s+/g, ' '))}%`}`;
}

/**
 * One page of pupils for the console (50,000 in a district): filtered, sorted
 * and cut in the database with the indexes of migration 0006 (name prefix by
 * school and across schools, class by school), with the total for the pager.
 */
export async function searchPupils(db: Tx, query: PupilListQuery, scope: SchoolScope, classNames: readonly string[] | null = null): Promise<{ rows: PupilRow[]; total: number; totalCapped: boolean }> {
  const where = and(
    inScope(scope, students.schoolId),
    // A class teacher sees their classes only.
    classNames === null ? undefined : classNames.length ? inArray(students.className, [...classNames]) : sql`false`,
    query.schoolId ? eq(students.schoolId, query.schoolId) : undefined,
    query.archived === '1' ? isNotNull(students.archivedAt) : isNull(students.archivedAt),
    query.className ? eq(students.className, normaliseClassName(query.className) ?? query.className) : undefined,
    query.q ? searchCondition(query.q) : undefined,
  );
  const dir = query.dir === 'desc' ? desc : asc;
  const order: SQL[] = {
    name: [dir(nameKey)],
    class: [dir(students.className), asc(nameKey)],
    account: [dir(accounts.accountNumber)],
    balance: [dir(accounts.balance), asc(nameKey)],
  }[query.sort];
  // Same school on both sides: lets the planner narrow accounts to the school too (a join by
  // index instead of reading every account of the district when sorting by balance).
  const join = and(eq(accounts.studentId, students.id), eq(accounts.schoolId, students.schoolId));
  const needsAccounts = query.sort === 'account' || query.sort === 'balance' || (query.q !== undefined && (/^\d{10}$/.test(query.q) || isCardQuery(query.q)));
  const [rows, total] = await Promise.all([
    db.select({
      id: students.id, schoolId: students.schoolId, fullName: students.fullName, className: students.className,
      accountNumber: accounts.accountNumber, balance: accounts.balance, benefitCategoryIds: students.benefitCategoryIds,
      active: students.active, archivedAt: students.archivedAt, version: students.version,
    }).from(students).leftJoin(accounts, join).where(where)
      .orderBy(...order, asc(students.id)).limit(query.limit).offset(query.offset),
    countUpTo(db, where, needsAccounts ? join : undefined),
  ]);
  const numbers = rows.map((r) => r.accountNumber).filter((a): a is string => a !== null);
  const cardRows = numbers.length
    ? await db.select({ id: cards.id, state: cards.state, accountNumber: cards.accountNumber }).from(cards).where(inArray(cards.accountNumber, numbers)).orderBy(desc(cards.issuedAt))
    : [];
  return {
    rows: rows.map((r) => ({ ...r, cards: cardRows.filter((c) => c.accountNumber === r.accountNumber).map((c) => ({ id: c.id, state: c.state })) })),
    total: total.n,
    totalCapped: total.capped,
  };
}

/** Past this many matches the pager says "more than": an exact count of a whole district costs a scan of it. */
export const COUNT_CAP = 10_000;

async function countUpTo(db: Tx, where: SQL | undefined, join: SQL | undefined): Promise<{ n: number; capped: boolean }> {
  const base = db.select({ one: sql`1` }).from(students);
  const inner = (join ? base.leftJoin(accounts, join) : base).where(where).limit(COUNT_CAP + 1).as('m');
  const [row] = await db.select({ n: count() }).from(inner);
  const n = row?.n ?? 0;
  return n > COUNT_CAP ? { n: COUNT_CAP, capped: true } : { n, capped: false };
}

function isCardQuery(q: string): boolean {
  try { normaliseCardId(q); return true; } catch { return false; }
}

export async function getPupil(db: Tx, id: string, scope: SchoolScope): Promise<PupilRow> {
  const [row] = await db.select({ id: students.id }).from(students).where(and(eq(students.id, id), inScope(scope, students.schoolId)));
  if (!row) throw new HttpError(404, 'NOT_FOUND', 'Ученик не найден');
  return pupilById(db, id);
}

async function pupilById(db: Tx, id: string): Promise<PupilRow> {
  const [r] = await db.select({
    id: students.id, schoolId: students.schoolId, fullName: students.fullName, className: students.className,
    accountNumber: accounts.accountNumber, balance: accounts.balance, benefitCategoryIds: students.benefitCategoryIds,
    active: students.active, archivedAt: students.archivedAt, version: students.version,
  }).from(students).leftJoin(accounts, eq(accounts.studentId, students.id)).where(eq(students.id, id));
  if (!r) throw new HttpError(404, 'NOT_FOUND', 'Ученик не найден');
  const cardRows = r.accountNumber ? await db.select({ id: cards.id, state: cards.state }).from(cards).where(eq(cards.accountNumber, r.accountNumber)) : [];
  return { ...r, cards: cardRows };
}

/** Edits a pupil (name, class) if nobody saved it since `version`; the tills get the change on their next pull. */
export async function updatePupil(db: Tx, id: string, patch: PupilPatch, scope: SchoolScope): Promise<{ before: PupilRow; after: PupilRow }> {
  return db.transaction(async (tx) => {
    const [locked] = await tx.select({ schoolId: students.schoolId }).from(students)
      .where(and(eq(students.id, id), inScope(scope, students.schoolId))).for('update');
    if (!locked) throw new HttpError(404, 'NOT_FOUND', 'Ученик не найден');
    const before = await pupilById(tx, id);
    await checkVersion(tx, AUDIT.pupil, id, before, patch.version);
    const set = {
      ...(patch.fullName !== undefined ? { fullName: patch.fullName } : {}),
      ...(patch.className !== undefined ? { className: patch.className } : {}),
    };
    await tx.update(students).set({ ...set, version: sql`${students.version} + 1`, updatedAt: sql`now()` }).where(eq(students.id, id));
    await recordChanges(tx, before.schoolId, 'student', [id]);
    return { before, after: await pupilById(tx, id) };
  });
}

/** Moves pupils to another class of their school (a class split, a pupil who changed class). */
export async function movePupils(db: Tx, ids: string[], className: string, scope: SchoolScope): Promise<{ moved: number }> {
  return db.transaction(async (tx) => {
    const rows = await tx.update(students).set({ className, version: sql`${students.version} + 1`, updatedAt: sql`now()` })
      .where(and(inArray(students.id, ids), inScope(scope, students.schoolId), isNull(students.archivedAt)))
      .returning({ id: students.id, schoolId: students.schoolId });
    if (rows.length !== new Set(ids).size) throw new HttpError(404, 'NOT_FOUND', 'Часть учеников не найдена (или в архиве): никто не переведён');
    const bySchool = new Map<string, string[]>();
    for (const r of rows) bySchool.set(r.schoolId, [...(bySchool.get(r.schoolId) ?? []), r.id]);
    for (const [schoolId, keys] of bySchool) await recordChanges(tx, schoolId, 'student', keys);
    return { moved: rows.length };
  });
}

export interface NewYearResult {
  dryRun: boolean;
  promoted: number;
  graduated: number;
  returnTasks: { accountNumber: string; fullName: string; amount: number }[];
}

class Rollback extends Error {}

/**
 * The new school year of one school, once per year: every class goes up one
 * grade (03Б → 04Б), the 11th graduate: archived, their accounts closed and
 * cards blocked, and a balance-return task for each account with money left
 * (the ledger is untouched: the money is returned or moved by a later, audited entry).
 * `dryRun` answers the same numbers and writes nothing.
 */
export async function newSchoolYear(db: Tx, opts: { schoolId: string; year: number; by: string; dryRun?: boolean }): Promise<NewYearResult> {
  let out: NewYearResult | undefined;
  try {
    await db.transaction(async (tx) => {
      // One transition per school at a time: the second waits, then finds the year done.
      await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${`new-year:${opts.schoolId}`}))`);
      const [done] = await tx.select().from(schoolYearTransitions)
        .where(and(eq(schoolYearTransitions.schoolId, opts.schoolId), eq(schoolYearTransitions.year, opts.year)));
      if (done) throw new HttpError(409, 'CONFLICT', `Новый ${opts.year}/${String((opts.year + 1) % 100).padStart(2, '0')} учебный год в этой школе уже начат (${done.doneBy})`);
      const pupils = await tx.select({ id: students.id, fullName: students.fullName, className: students.className, accountNumber: accounts.accountNumber, balance: accounts.balance })
        .from(students).leftJoin(accounts, eq(accounts.studentId, students.id))
        .where(and(eq(students.schoolId, opts.schoolId), isNull(students.archivedAt)));
      const leavers = pupils.filter((p) => promotedClassName(p.className) === null);
      const stayers = pupils.filter((p) => promotedClassName(p.className) !== null);
      // One statement, so no pupil passes through a class name another still holds (same rule as promotedClassName).
      await tx.update(students).set({
        className: sql`lpad((substr(${students.className}, 1, 2)::int + 1)::text, 2, '0') || substr(${students.className}, 3)`,
        version: sql`${students.version} + 1`, updatedAt: sql`now()`,
      }).where(and(eq(students.schoolId, opts.schoolId), isNull(students.archivedAt), sql`${students.className} ~ '^(0[1-9]|10)'`));
      const leaverIds = leavers.map((p) => p.id);
      const leaverAccounts = leavers.map((p) => p.accountNumber).filter((a): a is string => a !== null);
      if (leaverIds.length) {
        await tx.update(students).set({ active: false, archivedAt: sql`now()`, version: sql`${students.version} + 1`, updatedAt: sql`now()` })
          .where(inArray(students.id, leaverIds));
      }
      if (leaverAccounts.length) {
        await tx.update(accounts).set({ active: false, updatedAt: sql`now()` }).where(inArray(accounts.accountNumber, leaverAccounts));
        const blocked = await tx.update(cards).set({ state: 'blocked', reason: 'выпуск', updatedAt: sql`now()` })
          .where(and(inArray(cards.accountNumber, leaverAccounts), eq(cards.state, 'active'))).returning({ id: cards.id });
        await recordChanges(tx, opts.schoolId, 'card', blocked.map((c) => c.id));
        await recordChanges(tx, opts.schoolId, 'account', leaverAccounts);
      }
      const returnTasks = leavers.filter((p) => p.accountNumber && p.balance).map((p) => ({ accountNumber: p.accountNumber!, fullName: p.fullName, amount: p.balance! }));
      for (const t of returnTasks) {
        const leaver = leavers.find((p) => p.accountNumber === t.accountNumber)!;
        await tx.insert(balanceReturnTasks).values({ schoolId: opts.schoolId, accountNumber: t.accountNumber, studentId: leaver.id, amount: t.amount, reason: `выпуск ${opts.year}` });
      }
      await recordChanges(tx, opts.schoolId, 'student', pupils.map((p) => p.id));
      await tx.insert(schoolYearTransitions).values({ schoolId: opts.schoolId, year: opts.year, doneBy: opts.by, promoted: stayers.length, graduated: leavers.length });
      out = { dryRun: opts.dryRun === true, promoted: stayers.length, graduated: leavers.length, returnTasks };
      if (opts.dryRun) throw new Rollback();
    });
  } catch (e) {
    if (!(e instanceof Rollback)) throw e;
  }
  return out!;
}

/** Open balance-return tasks of the schools in scope (money of pupils who left). */
export async function listReturnTasks(db: Tx, scope: SchoolScope, state: 'open' | 'done' = 'open') {
  return db.select().from(balanceReturnTasks)
    .where(and(scope === 'all' ? undefined : inArray(balanceReturnTasks.schoolId, [...scope, '']), state === 'open' ? isNull(balanceReturnTasks.doneAt) : isNotNull(balanceReturnTasks.doneAt)))
    .orderBy(desc(balanceReturnTasks.createdAt)).limit(500);
}

/** Marks a return task done (the money went back by an entry made elsewhere); once, with who and a note. */
export async function closeReturnTask(db: Tx, id: number, by: string, note: string, scope: SchoolScope) {
  const [row] = await db.update(balanceReturnTasks).set({ doneAt: sql`now()`, doneBy: by, note })
    .where(and(eq(balanceReturnTasks.id, id), isNull(balanceReturnTasks.doneAt), scope === 'all' ? undefined : inArray(balanceReturnTasks.schoolId, [...scope, ''])))
    .returning();
  if (!row) throw new HttpError(404, 'NOT_FOUND', 'Задача не найдена или уже закрыта');
  return row;
}
