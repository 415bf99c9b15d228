import { describe, expect, it } from 'vitest';
import { DEMO_CARDS } from '../../src/core/demo-school.js';
import { createFakePos } from '../../src/ui/testing/fake-pos.js';

const BREAKFAST = 'set-breakfast-1-4';

describe('the UI fake core prices and reports through src/core, like the terminal', () => {
  it('a benefit covers one portion a day, a refund frees it again, and the Z report is the core one', async () => {
    const pos = createFakePos();
    expect((await pos.login('9999')).ok).toBe(true);
    expect((await pos.openShift()).ok).toBe(true);
    // Two breakfasts for the free-breakfast pupil: one free, one at the full price (49,61).
    const q = await pos.quote({ saleId: 'q', cardId: DEMO_CARDS.freeBreakfast, lines: [{ itemId: BREAKFAST, quantity: 2 }] });
    expect(q.ok && q.value).toMatchObject({ total: 4961, subsidy: 4961 });
    expect(q.ok && q.value.lines.map((l) => [l.quantity, l.amount, l.note ?? null])).toEqual([[1, 0, 'льгота: бесплатно'], [1, 4961, null]]);
    const sale = await pos.sell({ saleId: 's1', cardId: DEMO_CARDS.freeBreakfast, lines: [{ itemId: BREAKFAST, quantity: 1 }] });
    expect(sale.ok && sale.value).toMatchObject({ total: 0, subsidy: 4961 });
    // The benefit is used for today…
    const again = await pos.quote({ saleId: 'q2', cardId: DEMO_CARDS.freeBreakfast, lines: [{ itemId: BREAKFAST, quantity: 1 }] });
    expect(again.ok && again.value.total).toBe(4961);
    // …until the sale is refunded.
    expect(sale.ok && (await pos.refund(sale.value.receiptId, 'ошибка')).ok).toBe(true);
    const freed = await pos.quote({ saleId: 'q3', cardId: DEMO_CARDS.freeBreakfast, lines: [{ itemId: BREAKFAST, quantity: 1 }] });
    expect(freed.ok && freed.value.total).toBe(0);
    const z = await pos.closeShift();
    expect(z.ok && z.value).toMatchObject({ kind: 'Z', salesCount: 1, refundsCount: 1, subsidyTotal: 0 });
    expect(z.ok && z.value.text[1]).toBe('Z-отчёт по смене №1');
  });
});
