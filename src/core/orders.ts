import type { Kopecks } from './money.js';
import { addDays, startOfDay } from './period.js';

/**
 * Meals by order, the pure part (docs/orders.md): when a day's order closes, which days are
 * open for ordering, and who pays what for a pupil's meal at a sitting. No I/O.
 */

export interface CutoffSettings { cutoffKind: 'sameDay' | 'dayBefore'; cutoffTime: string }

/** The instant a day's order closes: `cutoffTime` of the day itself, or of the calendar day before. */
export function cutoffInstant(day: string, s: CutoffSettings, timeZone: string): Date {
  const [h, m] = s.cutoffTime.split(':').map(Number);
  const base = startOfDay(s.cutoffKind === 'sameDay' ? day : addDays(day, -1), timeZone);
  // startOfDay is midnight in the zone; adding wall-clock hours is right except across a DST change at night (none in Russia).
  return new Date(base.getTime() + ((h ?? 0) * 60 + (m ?? 0)) * 60_000);
}

export const isBeforeCutoff = (day: string, s: CutoffSettings, timeZone: string, now: Date): boolean =>
  now.getTime() < cutoffInstant(day, s, timeZone).getTime();

/** "08:00 того же дня" / "14:00 накануне" */
export function describeCutoff(s: CutoffSettings): string {
  return s.cutoffKind === 'sameDay' ? `${s.cutoffTime} того же дня` : `${s.cutoffTime} накануне`;
}

const isoWeekday = (day: string) => ((new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7) + 1;

export interface CalendarFacts {
  /** Days of the usual week that are school days (1 = Monday … 7 = Sunday). */
  weekdays: readonly number[];
  /** Dates that differ from the usual week. */
  exceptions: ReadonlyMap<string, 'schoolDay' | 'holiday'>;
  /** Quarantines: empty classNames = the whole school. */
  quarantines: readonly { classNames: readonly string[]; fromDay: string; toDay: string }[];
}

export function isSchoolDay(day: string, c: CalendarFacts): boolean {
  const ex = c.exceptions.get(day);
  if (ex) return ex === 'schoolDay';
  return c.weekdays.includes(isoWeekday(day));
}

/** Why a class takes no order on a day (Russian, for the parent and the teacher), or null when it does. */
export function closedReason(day: string, className: string, c: CalendarFacts): string | null {
  if (!isSchoolDay(day, c)) return 'выходной или каникулы';
  const q = c.quarantines.find((x) => x.fromDay <= day && day <= x.toDay && (x.classNames.length === 0 || x.classNames.includes(className)));
  return q ? 'карантин' : null;
}

/** Grade of a class name in the seed's form ("03Б" → 3); null when it has none. */
export function gradeOf(className: string): number | null {
  const m = /^(\d{1,2})/u.exec(className);
  return m ? Number(m[1]) : null;
}

export interface SittingFacts { id: string; kind: 'breakfast' | 'lunch' | 'snack'; menuCategoryId: string | null; sort: number; startsAt: string }
export interface SetFacts { id: string; name: string; price: Kopecks; categoryId: string; sort: number }
export interface BenefitFacts { categoryId: string; mealSetId: string; parentPays: Kopecks; fundingSource: string }

/** What a pupil is entitled to at a sitting without choosing: a beneficiary's set or the free meal of grades 1–4. */
export interface Entitled {
  mealSet: SetFacts;
  parentAmount: Kopecks;
  subsidyAmount: Kopecks;
  fundingSource: string;
  benefitCategoryId: string | null;
  basis: 'benefit' | 'primary';
}

/** The meal sets a sitting offers on a day: the day's menu sets of its menu category (all of them when it has none). */
export function setsOfSitting(sitting: SittingFacts, daySets: readonly SetFacts[]): SetFacts[] {
  return daySets.filter((s) => sitting.menuCategoryId === null || s.categoryId === sitting.menuCategoryId)
    .sort((a, b) => a.sort - b.sort || a.name.localeCompare(b.name));
}

/**
 * The entitlement of each sitting of a class's day, one meal a day at most (as the till allows one
 * benefit a day): a beneficiary's rule set at the first sitting that serves the set's menu category
 * (the cheapest share when several rules apply); otherwise, for grades 1–4 when the school gives it,
 * the first set of the class's first breakfast or lunch sitting, paid in full by `primaryFundingSource`.
 */
export function entitlements(input: {
  sittings: readonly SittingFacts[];      // the class's sittings, any order
  daySets: readonly SetFacts[];           // the day's menu
  allSets: ReadonlyMap<string, SetFacts>; // the school's catalogue (a rule's set need not be on the day's menu)
  benefits: readonly BenefitFacts[];      // the pupil's valid benefits with their rules
  grade: number | null;
  primaryFree: boolean;
  primaryFundingSource: string;
}): Map<string, Entitled> {
  const out = new Map<string, Entitled>();
  const ordered = [...input.sittings].sort((a, b) => a.sort - b.sort || a.startsAt.localeCompare(b.startsAt));
  const rules = [...input.benefits].filter((b) => input.allSets.has(b.mealSetId)).sort((a, b) => a.parentPays - b.parentPays);
  for (const rule of rules) {
    const set = input.allSets.get(rule.mealSetId)!;
    const sitting = ordered.find((s) => s.menuCategoryId === null || s.menuCategoryId === set.categoryId);
    if (!sitting) continue;
    const parentAmount = Math.min(rule.parentPays, set.price);
    out.set(sitting.id, {
      mealSet: set, parentAmount, subsidyAmount: set.price - parentAmount, fundingSource: rule.fundingSource,
      benefitCategoryId: rule.categoryId, basis: 'benefit',
    });
    return out;
  }
  if (input.primaryFree && input.grade !== null && input.grade >= 1 && input.grade <= 4) {
    for (const sitting of ordered.filter((s) => s.kind === 'breakfast' || s.kind === 'lunch')) {
      const set = setsOfSitting(sitting, input.daySets)[0];
      if (!set) continue;
      out.set(sitting.id, {
        mealSet: set, parentAmount: 0, subsidyAmount: set.price, fundingSource: input.primaryFundingSource,
        benefitCategoryId: null, basis: 'primary',
      });
      return out;
    }
  }
  return out;
}

/** A line the fix writes for one pupil and sitting, or null (nothing served, nothing charged). */
export interface PlannedLine {
  mealSet: SetFacts;
  parentAmount: Kopecks;
  subsidyAmount: Kopecks;
  fundingSource: string | null;
  benefitCategoryId: string | null;
  basis: 'preOrder' | 'benefit' | 'primary';
}

/**
 * The rule of the fix for one pupil and sitting: absent → nothing; «не питается» → nothing;
 * entitled → the entitled set; a pre-ordered set → charged in full; no pre-order → nothing.
 */
export function planLine(input: {
  present: boolean;
  preOrder: { mealSetId: string | null } | null;
  entitled: Entitled | null;
  sets: ReadonlyMap<string, SetFacts>;
}): PlannedLine | null {
  if (!input.present) return null;
  if (input.preOrder && input.preOrder.mealSetId === null) return null;
  const e = input.entitled;
  if (e) return { mealSet: e.mealSet, parentAmount: e.parentAmount, subsidyAmount: e.subsidyAmount, fundingSource: e.fundingSource, benefitCategoryId: e.benefitCategoryId, basis: e.basis };
  if (!input.preOrder) return null;
  const set = input.sets.get(input.preOrder.mealSetId!);
  if (!set) return null;
  return { mealSet: set, parentAmount: set.price, subsidyAmount: 0, fundingSource: null, benefitCategoryId: null, basis: 'preOrder' };
}

/** The cabinet's order page for one pupil (src/server/orders/pre-orders.ts builds it). */
export interface SittingChoice {
  sittingId: string;
  sittingName: string;
  startsAt: string;
  options: SetFacts[];
  /** A beneficiary's or grades 1–4 meal at this sitting: the parent may only decline it. */
  entitled: Entitled | null;
  /** The current choice: a meal set id, null for «не питается», undefined for no pre-order. */
  chosen: string | null | undefined;
  amount: number;
  fixed: boolean;
}

export interface OrderDay {
  day: string;
  label: string;
  closed: string | null;
  cutoff: string;               // ISO instant
  editable: boolean;
  sittings: SittingChoice[];
}

export interface OrderPlan {
  accountNumber: string;
  studentId: string;
  className: string;
  balance: number;
  reserved: number;
  available: number;
  cutoffText: string;
  days: OrderDay[];
}
