import { describe, expect, it } from 'vitest';
import { allowedOverdraft, normalizeCart, priceSale, type CatalogItem, type PupilContext } from '../../src/core/sale.js';
import { formatReceiptNumber, parseReceiptNumber } from '../../src/core/receipt-number.js';
import { checkShiftAction } from '../../src/core/shift.js';
import { DEMO_SCHOOL } from '../../src/core/demo-school.js';

const catalog = new Map<string, CatalogItem>([
  ...DEMO_SCHOOL.dishes.map((d) => [d.id, { id: d.id, kind: 'dish' as const, name: d.name, price: d.price, categoryId: d.categoryId }] as const),
  ...DEMO_SCHOOL.mealSets.map((m) => [m.id, { id: m.id, kind: 'mealSet' as const, name: m.name, price: m.price, categoryId: m.categoryId }] as const),
]);
const pupil = (p: Partial<PupilContext> = {}): PupilContext => ({
  cardState: 'active', balance: 10000, overdraft: 0, dailyLimit: null, spentToday: 0,
  barredItemIds: new Set(), barredCategoryIds: new Set(), entitlements: [], usedToday: new Set(), ...p,
});

describe('sale rule', () => {
  it('prices in kopecks', () => {
    const r = priceSale([{ itemId: 'dish-pizza', quantity: 2 }, { itemId: 'dish-sok', quantity: 1 }], catalog, pupil());
    expect(r.ok && r.value).toMatchObject({ total: 8220, subsidy: 0, balanceAfter: 1780 });
  });
  it('overdraft and balance', () => {
    expect(priceSale([{ itemId: 'dish-pizza', quantity: 1 }], catalog, pupil({ balance: 3449 })).ok).toBe(false);
    expect(priceSale([{ itemId: 'dish-pizza', quantity: 1 }], catalog, pupil({ balance: 3450 })).ok).toBe(true);
    expect(priceSale([{ itemId: 'dish-pizza', quantity: 1 }], catalog, pupil({ balance: 0, overdraft: 3450 })).ok).toBe(true);
    expect(allowedOverdraft(5000, true)).toBe(0);
    expect(allowedOverdraft(5000, false)).toBe(5000);
  });
  it('a free meal passes even with a negative balance', () => {
    const r = priceSale([{ itemId: 'set-breakfast-1-4', quantity: 1 }], catalog,
      pupil({ balance: -100, entitlements: [{ ruleId: 'r', mealSetId: 'set-breakfast-1-4', parentPays: 0 }] }));
    expect(r.ok && r.value).toMatchObject({ total: 0, subsidy: 4961 });
  });
  it('picks the cheapest entitlement when several categories cover the set', () => {
    const r = priceSale([{ itemId: 'set-breakfast-1-4', quantity: 1 }], catalog, pupil({
      entitlements: [{ ruleId: 'a', mealSetId: 'set-breakfast-1-4', parentPays: 2000 }, { ruleId: 'b', mealSetId: 'set-breakfast-1-4', parentPays: 1000 }],
    }));
    expect(r.ok && r.value.lines[0]).toMatchObject({ ruleId: 'b', amount: 1000, subsidy: 3961 });
  });
  it('daily limit', () => {
    const r = priceSale([{ itemId: 'dish-pizza', quantity: 1 }], catalog, pupil({ dailyLimit: 5000, spentToday: 2000 }));
    expect(!r.ok && r.error.code).toBe('DAILY_LIMIT');
  });
  it('normalizes carts', () => {
    const r = normalizeCart([{ itemId: 'a', quantity: 1 }, { itemId: 'b', quantity: 2 }, { itemId: 'a', quantity: 3 }]);
    expect(r.ok && r.value).toEqual([{ itemId: 'a', quantity: 4 }, { itemId: 'b', quantity: 2 }]);
    expect(normalizeCart([]).ok).toBe(false);
    expect(normalizeCart([{ itemId: 'a', quantity: 60 }, { itemId: 'a', quantity: 60 }]).ok).toBe(false);
  });
});

describe('receipt numbers', () => {
  it('uses the seed form', () => {
    expect(formatReceiptNumber('24', 15183)).toBe('24-015183');
    expect(formatReceiptNumber('24', 1983, '2')).toBe('24-2001983');
    expect(parseReceiptNumber('24-001983')).toEqual({ schoolCode: '24', seq: 1983 });
    expect(() => formatReceiptNumber('24', 0)).toThrow();
  });
});

describe('shift state machine', () => {
  it('allows and refuses', () => {
    expect(checkShiftAction('closed', 'sell', 'cashier').ok).toBe(false);
    expect(checkShiftAction('open', 'sell', 'cashier').ok).toBe(true);
    expect(checkShiftAction('open', 'open', 'cashier').ok).toBe(false);
    expect(checkShiftAction('open', 'z', 'cashier').ok).toBe(false);
    expect(checkShiftAction('open', 'z', 'manager').ok).toBe(true);
    expect(checkShiftAction('open', 'x', undefined).ok).toBe(false);
  });
});

describe('demo school', () => {
  it('has the seed pupil, card and prices', () => {
    const iv = DEMO_SCHOOL.students.find((s) => s.accountNumber === '0242013137')!;
    expect(iv.openingBalance - 9635).toBe(58131);
    expect(DEMO_SCHOOL.cards.find((c) => c.accountNumber === iv.accountNumber)!.id).toBe('EM:55007EE424');
    // Em-Marine[5500] 126,58404 → 0x5500, 0x7E, 0xE424
    expect(`EM:${(0x5500).toString(16)}${(126).toString(16)}${(58404).toString(16)}`.toUpperCase()).toBe('EM:55007EE424');
  });
});
