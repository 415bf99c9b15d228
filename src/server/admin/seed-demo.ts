import { eq } from 'drizzle-orm';
import { DEMO_SCHOOL, type DemoSchool } from '../../core/demo-school.js';
import { normalizeAllergens } from '../../core/allergens.js';
import { accounts, cards, cashiers, schools, students, terminals } from '../db/schema.js';
import type { Db } from '../db/open.js';
import { recordChanges } from '../changes.js';
import { applyMenu } from './menu.js';
import { ensurePartitions, upsertSchool } from './schools.js';
import { hashSecret } from './cashiers.js';
import { hashStaffPin, schoolPinPepper } from '../pins.js';
import { addServerEntry } from '../ledger/server-entries.js';

/**
 * Loads the demo school (src/core/demo-school.ts, the same ids the terminal
 * uses) into the server. Opening balances become `correction` entries with
 * fixed UUIDs, so seeding twice changes nothing. Returns false when the school was already there.
 */
export async function seedDemo(db: Db, demo: DemoSchool = DEMO_SCHOOL): Promise<boolean> {
  const [exists] = await db.select({ id: schools.id }).from(schools).where(eq(schools.id, demo.school.id));
  if (exists) return false;
  const pepper = await schoolPinPepper(db, demo.school.id);
  const pinHashes = await Promise.all(demo.cashiers.map((c) => hashStaffPin(c.pin, pepper)));
  await db.transaction(async (tx) => {
    const s = demo.school;
    await upsertSchool(tx, {
      id: s.id, code: s.code, name: s.name, timeZone: s.timeZone, cabinetUrl: s.cabinetUrl,
      overdraftLimit: s.overdraftLimit, staleAfterMinutes: s.staleAfterMinutes,
    });
    await tx.insert(terminals).values({ id: demo.terminal.id, schoolId: s.id, name: demo.terminal.name }).onConflictDoNothing();
    await applyMenu(tx, s.id, {
      categories: demo.categories,
      dishes: demo.dishes.map((d) => ({ ...d, hotkey: d.hotkey ?? null, allergens: normalizeAllergens(d.allergens ?? []) })),
      mealSets: demo.mealSets.map((m) => ({ ...m, hotkey: m.hotkey ?? null, allergens: normalizeAllergens(m.allergens ?? []) })),
      benefitCategories: demo.benefitCategories,
      benefitRules: demo.entitlementRules,
    });
    for (const st of demo.students) {
      await tx.insert(students).values({
        id: st.id, schoolId: s.id, fullName: st.fullName, className: st.className, benefitCategoryIds: st.benefitCategoryIds,
        allergies: st.allergies ?? [],
      });
      await tx.insert(accounts).values({
        accountNumber: st.accountNumber, schoolId: s.id, studentId: st.id, dailyLimit: st.dailyLimit ?? null,
        barredItemIds: st.barredItemIds, barredCategoryIds: st.barredCategoryIds,
        // Demo only: "has a permanent password" needs some hash; the cabinet replaces it when a parent sets one.
        permanentPasswordHash: st.hasPermanentPassword ? await hashSecret(`demo-${st.accountNumber}`) : null,
      });
    }
    await recordChanges(tx, s.id, 'student', demo.students.map((st) => st.id));
    await recordChanges(tx, s.id, 'account', demo.students.map((st) => st.accountNumber));
    for (const c of demo.cards) await tx.insert(cards).values({ id: c.id, schoolId: s.id, accountNumber: c.accountNumber, state: c.state });
    await recordChanges(tx, s.id, 'card', demo.cards.map((c) => c.id));
    for (const [i, c] of demo.cashiers.entries()) {
      await tx.insert(cashiers).values({ id: c.id, schoolId: s.id, name: c.name, role: c.role, pinHash: pinHashes[i]! });
    }
    await recordChanges(tx, s.id, 'cashier', demo.cashiers.map((c) => c.id));
    await ensurePartitions(tx, 3, s.id);
    for (const [i, st] of demo.students.entries()) {
      if (st.openingBalance === 0) continue;
      await addServerEntry(tx, {
        accountNumber: st.accountNumber, amount: st.openingBalance, kind: 'correction',
        uuid: `00000000-0000-7000-8000-${String(i + 1).padStart(12, '0')}`,
        createdAt: '2018-01-16T00:00:00+03:00',
        payload: { reason: 'Входящий остаток (демо)' },
      });
    }
  });
  return true;
}
