import { sql } from 'drizzle-orm';
import type { Db } from '../../src/server/db/open.js';
import { accounts, benefitCategories, benefitRules, mealSets, menuCategories, menuCycleDays, menuCycles, studentBenefits, students } from '../../src/server/db/schema.js';
import { mealSittings, orderSettings } from '../../src/server/db/orders-schema.js';
import { ensurePartitions, upsertSchool } from '../../src/server/admin/schools.js';
import { addServerEntry } from '../../src/server/ledger/server-entries.js';

/**
 * A school for the order tests and the benchmark: breakfast (07:30 set, 95 ₽; "бесплатный" 80 ₽)
 * and lunch (2 sets, 150 ₽ and 180 ₽) every weekday, grade 3 and grade 7 classes, a beneficiary
 * (многодетные: lunch, parents pay 30 ₽, regional budget the rest).
 */
export const FX = {
  school: 'school-77', code: '77',
  breakfast: 'bf', lunch: 'ln',
  setBreakfast: 'set-bf', setLunchA: 'set-ln-a', setLunchB: 'set-ln-b',
  priceBreakfast: 9_500, priceLunchA: 15_000, priceLunchB: 18_000,
  benefitCategory: 'mnogodet', benefitParentPays: 3_000,
};

export interface FixturePupil { id: string; account: string; className: string; name: string }

const account = (i: number) => `77${String(i).padStart(8, '0')}`;

export async function seedOrderSchool(db: Db, opts: { perClass?: number; classes?: string[]; balance?: number; beneficiaries?: number } = {}): Promise<FixturePupil[]> {
  const classes = opts.classes ?? ['03А', '07Б'];
  const perClass = opts.perClass ?? 3;
  const pupils: FixturePupil[] = [];
  await db.transaction(async (tx) => {
    await upsertSchool(tx, { id: FX.school, code: FX.code, name: 'Школа №77', timeZone: 'Europe/Moscow', cabinetUrl: '', overdraftLimit: 0, staleAfterMinutes: 1440 });
    await ensurePartitions(tx, 3, FX.school);
    await tx.insert(menuCategories).values([
      { schoolId: FX.school, id: 'cat-bf', name: 'Завтраки', sort: 1 },
      { schoolId: FX.school, id: 'cat-ln', name: 'Обеды', sort: 2 },
    ]);
    await tx.insert(mealSets).values([
      { schoolId: FX.school, id: FX.setBreakfast, name: 'Завтрак', price: FX.priceBreakfast, categoryId: 'cat-bf', sort: 1 },
      { schoolId: FX.school, id: FX.setLunchA, name: 'Обед А', price: FX.priceLunchA, categoryId: 'cat-ln', sort: 1 },
      { schoolId: FX.school, id: FX.setLunchB, name: 'Обед Б', price: FX.priceLunchB, categoryId: 'cat-ln', sort: 2 },
    ]);
    await tx.insert(menuCycles).values({ schoolId: FX.school, lengthDays: 10, startsOn: '2026-09-01' });
    await tx.insert(menuCycleDays).values(Array.from({ length: 10 }, (_, i) => ({
      schoolId: FX.school, dayNo: i + 1, mealSetIds: [FX.setBreakfast, FX.setLunchA, FX.setLunchB],
    })));
    await tx.insert(mealSittings).values([
      { schoolId: FX.school, id: FX.breakfast, kind: 'breakfast', name: 'Завтрак', startsAt: '09:40', endsAt: '10:00', classNames: classes, menuCategoryId: 'cat-bf', sort: 1 },
      { schoolId: FX.school, id: FX.lunch, kind: 'lunch', name: 'Обед', startsAt: '12:40', endsAt: '13:00', classNames: classes, menuCategoryId: 'cat-ln', sort: 2 },
    ]);
    await tx.insert(orderSettings).values({ schoolId: FX.school, cutoffKind: 'sameDay', cutoffTime: '08:00' });
    await tx.insert(benefitCategories).values({ schoolId: FX.school, id: FX.benefitCategory, name: 'Многодетные', fundingSource: 'regional' });
    await tx.insert(benefitRules).values({ schoolId: FX.school, id: 'rule-1', benefitCategoryId: FX.benefitCategory, mealSetId: FX.setLunchA, parentPays: FX.benefitParentPays });
    let n = 0;
    for (const c of classes) {
      for (let i = 0; i < perClass; i++) {
        n++;
        pupils.push({ id: `st-77-${n}`, account: account(n), className: c, name: `Учащийся ${n}` });
      }
    }
    for (let i = 0; i < pupils.length; i += 1000) {
      const chunk = pupils.slice(i, i + 1000);
      await tx.insert(students).values(chunk.map((p) => ({ id: p.id, schoolId: FX.school, fullName: p.name, className: p.className })));
      await tx.insert(accounts).values(chunk.map((p) => ({ accountNumber: p.account, schoolId: FX.school, studentId: p.id })));
    }
    const bens = pupils.slice(0, opts.beneficiaries ?? 0);
    if (bens.length) {
      await tx.insert(studentBenefits).values(bens.map((p) => ({ schoolId: FX.school, studentId: p.id, benefitCategoryId: FX.benefitCategory, document: 'Удостоверение 1', validFrom: '2026-01-01' })));
    }
    const balance = opts.balance ?? 100_000;
    if (balance) {
      if (pupils.length <= 50) {
        for (const p of pupils) await addServerEntry(tx, { accountNumber: p.account, amount: balance, kind: 'topUp', createdAt: '2026-11-30T10:00:00Z' });
      } else {
        // The benchmark's thousands: one statement (entries + entry_ids + balances), as reconcile expects.
        await tx.execute(sql`WITH a AS (SELECT account_number, gen_random_uuid()::text AS uuid FROM accounts WHERE school_id = ${FX.school}),
          i AS (INSERT INTO entry_ids (uuid, school_id, created_at) SELECT uuid, ${FX.school}, '2026-11-30T10:00:00Z' FROM a),
          e AS (INSERT INTO entries (uuid, school_id, created_at, kind, account_number, amount) SELECT uuid, ${FX.school}, '2026-11-30T10:00:00Z', 'topUp', account_number, ${balance} FROM a)
          UPDATE accounts SET balance = balance + ${balance} WHERE school_id = ${FX.school}`);
      }
    }
  });
  return pupils;
}
