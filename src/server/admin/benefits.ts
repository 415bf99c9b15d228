import { and, asc, eq, inArray, isNotNull, lte, sql } from 'drizzle-orm';
import { benefitCategories, benefitRules, mealSets, studentBenefits, students } from '../db/schema.js';
import { query, type Tx } from '../db/open.js';
import { recordChanges } from '../changes.js';
import { HttpError } from '../errors.js';
import { checkVersion } from '../audit.js';
import { AUDIT } from './audit-keys.js';
import { saveSchoolRow } from './versioned.js';
import type { SchoolScope } from './pupils.js';
import type { PupilBenefitInput } from '../../api/admin/benefits.js';
import type { z } from 'zod';
import type { benefitCategoryInput, benefitRuleInput } from '../../api/admin/benefits.js';

/**
 * Benefits (льготы) in the console: a school's categories with their funding
 * source, what each gets (a meal set: parents pay `parentPays`, the budget the
 * rest), and per pupil the basis document and its expiry. The till keeps
 * reading students.benefit_category_ids, which these writes keep in step.
 */
export async function listBenefits(db: Tx, schoolId: string) {
  const [cats, rules, sets] = await Promise.all([
    db.select().from(benefitCategories).where(eq(benefitCategories.schoolId, schoolId)).orderBy(asc(benefitCategories.name)),
    db.select().from(benefitRules).where(eq(benefitRules.schoolId, schoolId)),
    db.select({ id: mealSets.id, name: mealSets.name, price: mealSets.price }).from(mealSets).where(eq(mealSets.schoolId, schoolId)),
  ]);
  return cats.map((c) => ({
    ...c,
    rules: rules.filter((r) => r.benefitCategoryId === c.id).map((r) => {
      const set = sets.find((s) => s.id === r.mealSetId);
      return { ...r, mealSetName: set?.name ?? r.mealSetId, price: set?.price ?? null, budgetPays: set ? Math.max(0, set.price - r.parentPays) : null };
    }),
  }));
}

export async function saveBenefitCategory(db: Tx, schoolId: string, input: z.infer<typeof benefitCategoryInput>) {
  return db.transaction(async (tx) => {
    const row = { name: input.name, fundingSource: input.fundingSource, active: input.active };
    return saveSchoolRow(tx, benefitCategories, { schoolId, id: input.id, version: input.version, row, entity: AUDIT.benefitCategory, change: 'benefitCategory' });
  });
}

export async function saveBenefitRule(db: Tx, schoolId: string, input: z.infer<typeof benefitRuleInput>) {
  return db.transaction(async (tx) => {
    const [cat] = await tx.select().from(benefitCategories).where(and(eq(benefitCategories.schoolId, schoolId), eq(benefitCategories.id, input.benefitCategoryId)));
    if (!cat) throw new HttpError(400, 'BAD_INPUT', 'Нет такой льготной категории');
    const [set] = await tx.select().from(mealSets).where(and(eq(mealSets.schoolId, schoolId), eq(mealSets.id, input.mealSetId)));
    if (!set) throw new HttpError(400, 'BAD_INPUT', 'Нет такого комплекса в меню школы');
    if (input.parentPays > set.price) throw new HttpError(400, 'BAD_INPUT', `Доля родителей больше цены комплекса «${set.name}»`);
    const row = { benefitCategoryId: input.benefitCategoryId, mealSetId: input.mealSetId, parentPays: input.parentPays, active: input.active };
    return saveSchoolRow(tx, benefitRules, { schoolId, id: input.id, version: input.version, row, entity: AUDIT.benefitRule, change: 'benefitRule' });
  });
}

async function pupilInScope(tx: Tx, studentId: string, scope: SchoolScope) {
  const [pupil] = await tx.select().from(students).where(eq(students.id, studentId)).for('update');
  if (!pupil || (scope !== 'all' && !scope.includes(pupil.schoolId))) throw new HttpError(404, 'NOT_FOUND', 'Ученик не найден');
  return pupil;
}

export async function listPupilBenefits(db: Tx, studentId: string) {
  return db.select().from(studentBenefits).where(eq(studentBenefits.studentId, studentId)).orderBy(asc(studentBenefits.validFrom));
}

/**
 * Grants a pupil a benefit on a basis document (or edits it, with the version
 * read). The category joins the pupil's list the till reads only while the
 * document holds on `today`; `expireBenefits` takes it off when it runs out.
 */
export async function setPupilBenefit(db: Tx, studentId: string, input: PupilBenefitInput, scope: SchoolScope, today: string) {
  return db.transaction(async (tx) => {
    const pupil = await pupilInScope(tx, studentId, scope);
    const [cat] = await tx.select().from(benefitCategories).where(and(eq(benefitCategories.schoolId, pupil.schoolId), eq(benefitCategories.id, input.benefitCategoryId), eq(benefitCategories.active, true)));
    if (!cat) throw new HttpError(400, 'BAD_INPUT', 'Нет такой действующей льготной категории в школе ученика');
    const [before] = await tx.select().from(studentBenefits).where(and(eq(studentBenefits.studentId, studentId), eq(studentBenefits.benefitCategoryId, input.benefitCategoryId)));
    const row = { document: input.document, validFrom: input.validFrom, validUntil: input.validUntil ?? null };
    if (before) {
      await checkVersion(tx, AUDIT.pupilBenefit, AUDIT.key(studentId, input.benefitCategoryId), before, input.version ?? 0);
      await tx.update(studentBenefits).set({ ...row, version: sql`${studentBenefits.version} + 1`, updatedAt: sql`now()` })
        .where(and(eq(studentBenefits.studentId, studentId), eq(studentBenefits.benefitCategoryId, input.benefitCategoryId)));
    } else {
      await tx.insert(studentBenefits).values({ schoolId: pupil.schoolId, studentId, benefitCategoryId: input.benefitCategoryId, ...row });
    }
    const holds = row.validFrom <= today && (!row.validUntil || row.validUntil >= today);
    await setCategory(tx, pupil, input.benefitCategoryId, holds);
    return { before: before ?? null, after: (await listPupilBenefits(tx, studentId)).find((b) => b.benefitCategoryId === input.benefitCategoryId)! };
  });
}

export async function removePupilBenefit(db: Tx, studentId: string, benefitCategoryId: string, scope: SchoolScope) {
  return db.transaction(async (tx) => {
    const pupil = await pupilInScope(tx, studentId, scope);
    const gone = await tx.delete(studentBenefits).where(and(eq(studentBenefits.studentId, studentId), eq(studentBenefits.benefitCategoryId, benefitCategoryId))).returning();
    await setCategory(tx, pupil, benefitCategoryId, false);
    if (!gone.length && !pupil.benefitCategoryIds.includes(benefitCategoryId)) throw new HttpError(404, 'NOT_FOUND', 'У ученика нет этой льготы');
    return gone[0] ?? null;
  });
}

async function setCategory(tx: Tx, pupil: typeof students.$inferSelect, categoryId: string, on: boolean): Promise<void> {
  const has = pupil.benefitCategoryIds.includes(categoryId);
  if (has === on) return;
  const ids = on ? [...pupil.benefitCategoryIds, categoryId] : pupil.benefitCategoryIds.filter((c) => c !== categoryId);
  await tx.update(students).set({ benefitCategoryIds: ids, version: sql`${students.version} + 1`, updatedAt: sql`now()` }).where(eq(students.id, pupil.id));
  await recordChanges(tx, pupil.schoolId, 'student', [pupil.id]);
}

/** Basis documents that run out within `withinDays` of `today` (or already have), soonest first. */
export async function expiringBenefits(db: Tx, scope: SchoolScope, opts: { today: string; withinDays: number; schoolId?: string }) {
  const until = new Date(Date.parse(`${opts.today}T00:00:00Z`) + opts.withinDays * 86_400_000).toISOString().slice(0, 10);
  return db.select({
    studentId: studentBenefits.studentId, schoolId: studentBenefits.schoolId, benefitCategoryId: studentBenefits.benefitCategoryId,
    categoryName: benefitCategories.name, document: studentBenefits.document, validFrom: studentBenefits.validFrom, validUntil: studentBenefits.validUntil,
    fullName: students.fullName, className: students.className,
  }).from(studentBenefits)
    .innerJoin(students, eq(students.id, studentBenefits.studentId))
    .leftJoin(benefitCategories, and(eq(benefitCategories.schoolId, studentBenefits.schoolId), eq(benefitCategories.id, studentBenefits.benefitCategoryId)))
    .where(and(
      scope === 'all' ? undefined : inArray(studentBenefits.schoolId, [...scope, '']),
      opts.schoolId ? eq(studentBenefits.schoolId, opts.schoolId) : undefined,
      isNotNull(studentBenefits.validUntil), lte(studentBenefits.validUntil, until),
    ))
    .orderBy(asc(studentBenefits.validUntil), asc(students.fullName)).limit(1000);
}

/**
 * Keeps the pupils' lists the tills read in step with the basis documents' dates: a benefit whose
 * document has run out comes off, one whose document has begun goes on. `at` is a date for every
 * school ("2027-01-01"), or an instant taken as each school's own local date (the housekeeping
 * scheduler passes its clock). Only rows that differ are touched, so a second run changes nothing.
 * Benefits without a document row (set by an import) are left alone. Returns how many changed.
 */
export async function expireBenefits(db: Tx, at: string | Date): Promise<number> {
  return db.transaction(async (tx) => {
    const today = typeof at === 'string' ? sql`${at}::date` : sql`(${at.toISOString()}::timestamptz AT TIME ZONE s.time_zone)::date`;
    const due = await query<{ student_id: string; category_id: string; holds: boolean }>(tx, sql`
      SELECT b.student_id, b.benefit_category_id AS category_id, t.holds
      FROM student_benefits b
      JOIN students st ON st.id = b.student_id
      JOIN schools s ON s.id = b.school_id
      CROSS JOIN LATERAL (SELECT (b.valid_from <= ${today} AND (b.valid_until IS NULL OR b.valid_until >= ${today})) AS holds) t
      WHERE st.archived_at IS NULL AND t.holds <> (b.benefit_category_id = ANY(st.benefit_category_ids))
      ORDER BY b.student_id`);
    let changed = 0;
    for (const d of due) {
      const [pupil] = await tx.select().from(students).where(eq(students.id, d.student_id)).for('update');
      if (pupil && pupil.benefitCategoryIds.includes(d.category_id) !== d.holds) { await setCategory(tx, pupil, d.category_id, d.holds); changed++; }
    }
    return changed;
  });
}
