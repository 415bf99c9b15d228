import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import { createTestDb } from './helpers.js';
import type { DbHandle } from '../../src/server/db/open.js';
import { seedDemo } from '../../src/server/admin/seed-demo.js';
import { upsertSchool } from '../../src/server/admin/schools.js';
import { getCatalogue, menuOfDates, saveCycle, saveDish, saveMealSet, saveOverride } from '../../src/server/admin/menu-plan.js';
import { expireBenefits, expiringBenefits, listBenefits, removePupilBenefit, saveBenefitRule, setPupilBenefit } from '../../src/server/admin/benefits.js';
import { listCards } from '../../src/server/admin/cards.js';
import { cycleInput, dishInput, mealSetInput, overrideInput } from '../../src/api/admin/menu.js';
import { benefitRuleInput, pupilBenefitInput } from '../../src/api/admin/benefits.js';
import { changes, dishes, students } from '../../src/server/db/schema.js';
import { DEMO_SCHOOL } from '../../src/core/demo-school.js';

const S24 = DEMO_SCHOOL.school.id;
let h: DbHandle;
beforeAll(async () => {
  h = await createTestDb();
  await seedDemo(h.db);
  await upsertSchool(h.db, { id: 'school-25', code: '25', name: 'Школа №25' });
}, 120_000);
afterAll(async () => { await h?.close(); });
const changeCount = async (kind: string) => (await h.db.select({ n: sql<number>`count(*)::int` }).from(changes).where(eq(changes.kind, kind)))[0]!.n;

describe('menu catalogue', () => {
  it('a new dish reaches the change log; an edit with a stale version is refused', async () => {
    const before = await changeCount('dish');
    const { after: borsch } = await saveDish(h.db, S24, dishInput.parse({ name: 'Борщ со сметаной', portion: '250 г', price: 4500, categoryId: 'cat-hot' }));
    expect(borsch.version).toBe(1);
    expect(await changeCount('dish')).toBe(before + 1);
    await saveDish(h.db, S24, dishInput.parse({ id: borsch.id, name: 'Борщ со сметаной', portion: '250 г', price: 4700, categoryId: 'cat-hot', version: 1 }));
    await expect(saveDish(h.db, S24, dishInput.parse({ id: borsch.id, name: 'Борщ', portion: '250 г', price: 4500, categoryId: 'cat-hot', version: 1 })))
      .rejects.toMatchObject({ status: 409, details: { currentVersion: 2 } });
    const [row] = await h.db.select().from(dishes).where(and(eq(dishes.schoolId, S24), eq(dishes.id, borsch.id)));
    expect([row!.name, row!.price, row!.version]).toEqual(['Борщ со сметаной', 4700, 2]);
    await expect(saveDish(h.db, S24, dishInput.parse({ name: 'Суп', price: 100, categoryId: 'cat-nope' }))).rejects.toMatchObject({ status: 400 });
  });

  it('bad input is refused in Russian by the schema', () => {
    const r = dishInput.safeParse({ name: '', price: -5, categoryId: 'cat-hot' });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.message)).toEqual(expect.arrayContaining(['Введите наименование', 'Цена не может быть отрицательной']));
    expect(mealSetInput.safeParse({ name: 'Обед', price: 100, categoryId: 'cat-sets', dishIds: [] }).error!.issues[0]!.message).toMatch(/хотя бы одно блюдо/);
    expect(cycleInput.safeParse({ lengthDays: 7, startsOn: '2026-09-01', days: [] }).error!.issues[0]!.message).toBe('Цикл — 10 или 14 дней');
    expect(overrideInput.safeParse({ day: '2026-02-30' }).error!.issues[0]!.message).toBe('Такой даты нет');
  });

  it('a meal set names only dishes of its school', async () => {
    await expect(saveMealSet(h.db, S24, mealSetInput.parse({ name: 'Обед', price: 9000, categoryId: 'cat-sets', dishIds: ['dish-pizza', 'dish-nope'] })))
      .rejects.toMatchObject({ status: 400, message: expect.stringContaining('dish-nope') });
    const { after } = await saveMealSet(h.db, S24, mealSetInput.parse({ name: 'Обед', price: 9000, categoryId: 'cat-sets', dishIds: ['dish-pizza', 'dish-sok'] }));
    expect((await getCatalogue(h.db, S24)).mealSets.find((m) => m.id === after.id)?.dishIds).toEqual(['dish-pizza', 'dish-sok']);
  });

  it('the menu of each date: cycle day, or the override for that date', async () => {
    await saveCycle(h.db, S24, cycleInput.parse({
      lengthDays: 10, startsOn: '2026-09-01',
      days: [{ dayNo: 1, dishIds: ['dish-kasha-grech'], mealSetIds: ['set-breakfast-1-4'] }, { dayNo: 2, dishIds: ['dish-ris'] }],
    }));
    await saveOverride(h.db, S24, overrideInput.parse({ day: '2026-09-15', dishIds: ['dish-pizza'], note: 'праздничное меню' }));
    const week = await menuOfDates(h.db, S24, '2026-09-01', '2026-09-16');
    const byDate = Object.fromEntries(week.map((d) => [d.date, d]));
    expect(byDate['2026-09-01']).toMatchObject({ source: 'cycle', dayNo: 1, dishIds: ['dish-kasha-grech'], mealSetIds: ['set-breakfast-1-4'] });
    expect(byDate['2026-09-02']).toMatchObject({ source: 'cycle', dayNo: 2, dishIds: ['dish-ris'] });
    expect(byDate['2026-09-05']).toMatchObject({ source: 'none', dayNo: null });
    expect(byDate['2026-09-15']).toMatchObject({ source: 'override', note: 'праздничное меню', dishIds: ['dish-pizza'] });
    expect(byDate['2026-09-16']).toMatchObject({ source: 'cycle', dayNo: 2 });
    await expect(saveCycle(h.db, S24, cycleInput.parse({ lengthDays: 14, startsOn: '2026-09-01', days: [], version: 99 }))).rejects.toMatchObject({ status: 409 });
  });
});

describe('benefits', () => {
  it('what a category gets: the meal set, the parents\' share and the budget\'s', async () => {
    await saveBenefitRule(h.db, S24, benefitRuleInput.parse({ id: 'rule-low-income', benefitCategoryId: 'ben-low-income', mealSetId: 'set-breakfast-1-4', parentPays: 1000 }));
    const cats = await listBenefits(h.db, S24);
    const low = cats.find((c) => c.id === 'ben-low-income')!;
    expect(low.rules.filter((r) => r.id === 'rule-low-income').map((r) => [r.mealSetId, r.parentPays, r.budgetPays])).toEqual([['set-breakfast-1-4', 1000, 3961]]);
    await expect(saveBenefitRule(h.db, S24, benefitRuleInput.parse({ benefitCategoryId: 'ben-low-income', mealSetId: 'set-breakfast-1-4', parentPays: 999999 })))
      .rejects.toMatchObject({ status: 400 });
  });

  it('a pupil\'s benefit with its basis document: listed when it runs out, taken off the till\'s list when it has', async () => {
    const sid = DEMO_SCHOOL.students.find((s) => s.className === '07В')!.id;
    const input = pupilBenefitInput.parse({ benefitCategoryId: 'ben-low-income', document: 'справка УСЗН № 15 от 01.09.2026', validFrom: '2026-09-01', validUntil: '2026-12-31' });
    await setPupilBenefit(h.db, sid, input, [S24], '2026-10-01');
    expect((await h.db.select().from(students).where(eq(students.id, sid)))[0]!.benefitCategoryIds).toContain('ben-low-income');
    await expect(setPupilBenefit(h.db, sid, input, ['school-25'], '2026-10-01')).rejects.toMatchObject({ status: 404 });
    expect(await expiringBenefits(h.db, [S24], { today: '2026-10-01', withinDays: 30 })).toEqual([]);
    const soon = await expiringBenefits(h.db, [S24], { today: '2026-12-10', withinDays: 30 });
    expect(soon.map((b) => [b.fullName, b.categoryName, b.validUntil])).toEqual([['Сидоров Пётр Алексеевич', 'малообеспеченные', '2026-12-31']]);
    expect(await expiringBenefits(h.db, ['school-25'], { today: '2026-12-10', withinDays: 30 })).toEqual([]);
    expect(await expireBenefits(h.db, '2026-12-31')).toBe(0);
    expect(await expireBenefits(h.db, '2027-01-01')).toBe(1);
    expect((await h.db.select().from(students).where(eq(students.id, sid)))[0]!.benefitCategoryIds).not.toContain('ben-low-income');
    expect(await expireBenefits(h.db, '2027-01-01')).toBe(0);
    await removePupilBenefit(h.db, sid, 'ben-low-income', [S24]);
    expect(pupilBenefitInput.safeParse({ ...input, validUntil: '2026-01-01' }).error!.issues[0]!.message).toMatch(/раньше/);
  });
});

describe('cards list', () => {
  it('searches by card, account and name within scope', async () => {
    expect((await listCards(h.db, { q: 'mf:bcd14264', schoolIds: [S24], offset: 0, limit: 10 })).rows.map((r) => r.fullName)).toEqual(['Петрова Анна Сергеевна']);
    expect((await listCards(h.db, { q: 'петр', schoolIds: [S24], offset: 0, limit: 10 })).total).toBe(1);
    expect((await listCards(h.db, { state: 'blocked', schoolIds: [S24], offset: 0, limit: 10 })).rows.map((r) => r.id)).toEqual(['EM:55007E1002']);
    expect((await listCards(h.db, { schoolIds: ['school-25'], offset: 0, limit: 10 })).total).toBe(0);
  });
});
