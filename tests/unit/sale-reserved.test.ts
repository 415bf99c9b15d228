import { describe, expect, it } from 'vitest';
import { fundsShortfall, priceSale, type CatalogItem, type PupilContext } from '../../src/core/sale.js';
import { lastSittingEnd, notEatenDueAt } from '../../src/core/not-eaten.js';

/** The balance rule with a reservation (docs/orders.md "Reservations") and the «not eaten» settling time. */
const catalog = new Map<string, CatalogItem>([
  ['pizza', { id: 'pizza', kind: 'dish', name: 'Пицца', price: 3450, categoryId: 'c' }],
  ['free', { id: 'free', kind: 'mealSet', name: 'Завтрак', price: 4961, categoryId: 'b' }],
]);
const pupil = (p: Partial<PupilContext> = {}): PupilContext => ({
  cardState: 'active', balance: 12_000, overdraft: 0, dailyLimit: null, spentToday: 0,
  barredItemIds: new Set(), barredCategoryIds: new Set(), entitlements: [], usedToday: new Set(), ...p,
});

describe('fundsShortfall: доступно = balance − reserved stays ≥ −overdraft', () => {
  it('tells the overdraft from the reservation', () => {
    expect(fundsShortfall(0, 0, 0)).toBeNull();
    expect(fundsShortfall(-1, 0, 0)).toBe('overdraft');
    expect(fundsShortfall(3_500, 3_500, 0)).toBeNull();
    expect(fundsShortfall(3_499, 3_500, 0)).toBe('reserved');
    expect(fundsShortfall(-1, 3_500, 0)).toBe('overdraft');
    // Offline the school's overdraft is the same cushion below доступно.
    expect(fundsShortfall(1_000, 3_500, 2_500)).toBeNull();
    expect(fundsShortfall(999, 3_500, 2_500)).toBe('reserved');
    expect(fundsShortfall(10, -5, 0)).toBeNull();   // a negative reservation never adds money
  });
});

describe('priceSale with a reservation', () => {
  it('sells what is available (balance 120,00, reserved 85,00: доступно 35,00) and refuses beyond it with the reason', () => {
    expect(priceSale([{ itemId: 'pizza', quantity: 1 }], catalog, pupil({ reserved: 8_500 }))).toMatchObject({ ok: true, value: { total: 3450, balanceAfter: 8550 } });
    expect(priceSale([{ itemId: 'pizza', quantity: 2 }], catalog, pupil({ reserved: 8_500 }))).toEqual({ ok: false, error: {
      code: 'INSUFFICIENT_FUNDS',
      message: 'Недостаточно средств: доступно 35,00 ₽ (ещё 85,00 ₽ зарезервировано под заказ питания), к оплате 69,00 ₽',
      details: { balance: 12_000, reserved: 8_500, total: 6900, overdraft: 0 },
    } });
    // Without the reservation the same sale goes through.
    expect(priceSale([{ itemId: 'pizza', quantity: 2 }], catalog, pupil()).ok).toBe(true);
  });
  it('a free benefit meal is not money: it passes whatever is reserved', () => {
    const r = priceSale([{ itemId: 'free', quantity: 1 }], catalog,
      pupil({ balance: 100, reserved: 9_000, entitlements: [{ ruleId: 'r', mealSetId: 'free', parentPays: 0 }] }));
    expect(r).toMatchObject({ ok: true, value: { total: 0 } });
  });
});

describe('when the «not eaten» policy settles a day', () => {
  it('the last sitting\'s end + 24 h in the school\'s zone', () => {
    expect(lastSittingEnd(['10:00', '13:00', '09:15'])).toBe('13:00');
    expect(lastSittingEnd([])).toBe('23:59');
    expect(notEatenDueAt('2026-12-08', '13:00', 'Europe/Moscow').toISOString()).toBe('2026-12-09T10:00:00.000Z');
    expect(notEatenDueAt('2026-12-08', '13:00', 'Asia/Novokuznetsk', 0).toISOString()).toBe('2026-12-08T06:00:00.000Z');
  });
});
