/**
 * Audit-log entity names and ids of the console's records. The routes write
 * the audit rows under these and `checkVersion` (src/server/audit.ts) reads
 * them back to say what changed, so both sides must name a record alike.
 * Menu and benefit ids are unique per school only: their key includes the school.
 */
export const AUDIT = {
  pupil: 'pupil',
  dish: 'dish',
  mealSet: 'mealSet',
  menuCategory: 'menuCategory',
  menuCycle: 'menuCycle',
  menuOverride: 'menuOverride',
  benefitCategory: 'benefitCategory',
  benefitRule: 'benefitRule',
  pupilBenefit: 'pupilBenefit',
  card: 'card',
  key: (scope: string, id: string) => `${scope}:${id}`,
} as const;
