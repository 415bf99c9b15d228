import { createHmac } from 'node:crypto';
import { and, eq, inArray } from 'drizzle-orm';
import { formatMoney } from '../../core/money.js';
import { benefitCategories, benefitRules, mealSets } from '../db/schema.js';
import type { Tx } from '../db/open.js';

/**
 * What a till learns about benefit categories (152-ФЗ: a social category such
 * as "малообеспеченные" is sensitive data about a child and its family). The
 * till needs only which rules apply to a pupil and a word for the cashier, so
 * the pull sends each category as an opaque id (an HMAC of the real one under
 * a server secret: stable, but not reversible by trying known ids) with a
 * neutral label saying what it gives: «Льгота: Завтрак — бесплатно».
 */
export function opaqueBenefitId(key: Buffer, schoolId: string, id: string): string {
  return `b-${createHmac('sha256', key).update(`${schoolId}\u0000${id}`).digest('base64url').slice(0, 16)}`;
}

/** «Льгота: Завтрак — бесплатно, Обед — 20,00 ₽»: the first word of each meal set (its meal), what the parents pay. */
export function neutralLabel(rules: { mealSetName: string; parentPays: number }[]): string {
  const parts = [...new Set(rules
    .slice().sort((a, b) => a.mealSetName.localeCompare(b.mealSetName, 'ru'))
    .map((r) => `${r.mealSetName.split(/\s+/)[0] ?? ''} — ${r.parentPays === 0 ? 'бесплатно' : formatMoney(r.parentPays)}`))];
  return parts.length ? `Льгота: ${parts.join(', ')}` : 'Льгота';
}

/** The pull's benefit categories (ids given, or all of the school's), as opaque ids and neutral labels. */
export async function neutralBenefitCategories(tx: Tx, key: Buffer, schoolId: string, ids: string[] | null): Promise<{ id: string; name: string; active: boolean }[]> {
  if (ids !== null && ids.length === 0) return [];
  const cats = await tx.select({ id: benefitCategories.id, active: benefitCategories.active }).from(benefitCategories)
    .where(and(eq(benefitCategories.schoolId, schoolId), ids ? inArray(benefitCategories.id, ids) : undefined));
  if (cats.length === 0) return [];
  const rules = await tx.select({ categoryId: benefitRules.benefitCategoryId, parentPays: benefitRules.parentPays, mealSetName: mealSets.name })
    .from(benefitRules)
    .innerJoin(mealSets, and(eq(mealSets.schoolId, benefitRules.schoolId), eq(mealSets.id, benefitRules.mealSetId)))
    .where(and(eq(benefitRules.schoolId, schoolId), eq(benefitRules.active, true), inArray(benefitRules.benefitCategoryId, cats.map((c) => c.id))));
  return cats.map((c) => ({
    id: opaqueBenefitId(key, schoolId, c.id),
    name: neutralLabel(rules.filter((r) => r.categoryId === c.id)),
    active: c.active,
  }));
}
