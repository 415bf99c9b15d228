import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { DEMO_CARDS } from '../../src/core/demo-school.js';
import { openTerminal, type Terminal } from '../../src/terminal/index.js';
import { balanceOf, snapshot, TestClock } from './terminal-helpers.js';

// Issue 13 in the terminal core: no charge without a tap, allergen confirmation, bans, across tills, the manager's PIN in place.
let t: Terminal | undefined;
afterEach(() => { t?.close(); t = undefined; });

async function till(): Promise<Terminal> {
  const dbPath = path.join(mkdtempSync(path.join(tmpdir(), 'canteen-safety-')), 'terminal.db');
  t = await openTerminal({ dbPath, seed: true, clock: new TestClock() });   // requireTap: the default
  expect((await t.service.login('1111')).ok).toBe(true);
  return t;
}
const tap = async (cardId: string) => {
  const r = await t!.service.identifyCard(cardId);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};
const IVANOV = '0242013137';

describe('no charge without a tap', () => {
  it('a sale needs the tap it follows; the tap is used up; a retry of the same sale gets its first answer', async () => {
    const s = (await till()).service;
    expect((await s.openShift()).ok).toBe(true);
    const p = await tap(DEMO_CARDS.ivanov);
    expect(p.tapId).toMatch(/^[0-9a-f-]{36}$/);
    const lines = [{ itemId: 'dish-kasha-grech', quantity: 1 }];
    const noTap = await s.sell({ saleId: randomUUID(), cardId: DEMO_CARDS.ivanov, lines });
    expect(noTap.ok || noTap.error.code).toBe('NO_TAP');
    const saleId = randomUUID();
    const first = await s.sell({ saleId, cardId: DEMO_CARDS.ivanov, lines, tapId: p.tapId });
    expect(first.ok).toBe(true);
    const before = snapshot(t!);
    // The cashier keys a dish and Enter again: the same tap names nothing any more.
    const again = await s.sell({ saleId: randomUUID(), cardId: DEMO_CARDS.ivanov, lines, tapId: p.tapId });
    expect(again.ok || again.error.code).toBe('NO_TAP');
    expect(snapshot(t!)).toEqual(before);
    expect(balanceOf(t!, IVANOV)).toBe(67766 - 830);
    // A lost answer retried: the first result, nothing charged twice.
    const retry = await s.sell({ saleId, cardId: DEMO_CARDS.ivanov, lines, tapId: p.tapId });
    expect(retry.ok && first.ok && retry.value.receiptId === first.value.receiptId).toBe(true);
    // A second sale to the same child: the card again.
    const p2 = await tap(DEMO_CARDS.ivanov);
    expect((await s.sell({ saleId: randomUUID(), cardId: DEMO_CARDS.ivanov, lines, tapId: p2.tapId })).ok).toBe(true);
  });

  it('another pupil\'s tap ends the previous one, and a tap of one card does not pay with another', async () => {
    const s = (await till()).service;
    await s.openShift();
    const a = await tap(DEMO_CARDS.ivanov);
    await tap(DEMO_CARDS.barred);
    const lines = [{ itemId: 'dish-kasha-grech', quantity: 1 }];
    const r = await s.sell({ saleId: randomUUID(), cardId: DEMO_CARDS.ivanov, lines, tapId: a.tapId });
    expect(r.ok || r.error.code).toBe('NO_TAP');
    const b = await tap(DEMO_CARDS.barred);
    const wrong = await s.sell({ saleId: randomUUID(), cardId: DEMO_CARDS.ivanov, lines, tapId: b.tapId });
    expect(wrong.ok || wrong.error.code).toBe('NO_TAP');
  });
});

describe('allergies', () => {
  it('shows the pupil\'s allergies; a dish with one needs the cashier\'s confirmation, recorded on the receipt and in the entry', async () => {
    const s = (await till()).service;
    await s.openShift();
    const p = await tap(DEMO_CARDS.allergic);
    expect(p.allergies).toEqual(['nuts', 'milk']);
    expect(p.allergenPolicy).toBe('confirm');
    const menu = await s.menu();
    expect(menu.ok && menu.value.items.find((i) => i.id === 'dish-keks')?.allergens).toEqual(['gluten', 'nuts', 'eggs', 'milk']);
    const lines = [{ itemId: 'dish-keks', quantity: 1 }, { itemId: 'dish-chai', quantity: 1 }];
    const refused = await s.sell({ saleId: randomUUID(), cardId: DEMO_CARDS.allergic, lines, tapId: p.tapId });
    expect(refused.ok || refused.error).toMatchObject({ code: 'ALLERGEN_UNCONFIRMED' });
    expect(refused.ok || refused.error.message).toMatch(/Кекс с орехами.*орехи, молоко и лактоза/);
    const sold = await s.sell({ saleId: randomUUID(), cardId: DEMO_CARDS.allergic, lines, tapId: p.tapId, allergenConfirmed: ['dish-keks'] });
    expect(sold.ok).toBe(true);
    if (!sold.ok) return;
    expect(sold.value.receipt.lines.find((l) => l.name.startsWith('Кекс'))?.note).toBe('аллерген подтверждён кассиром');
    const payload = t!.sqlite.prepare(`SELECT payload FROM entries WHERE kind = 'sale' ORDER BY seq DESC LIMIT 1`).pluck().get() as string;
    expect(JSON.parse(payload)).toEqual({ allergenConfirmations: [{ itemId: 'dish-keks', allergens: ['nuts', 'milk'] }] });
  });

  it('refuses such a dish outright under the school\'s "refuse" policy', async () => {
    const term = await till();
    term.sqlite.prepare(`UPDATE schools SET allergen_policy = 'refuse'`).run();
    await term.service.openShift();
    const p = await tap(DEMO_CARDS.allergic);
    const r = await term.service.sell({ saleId: randomUUID(), cardId: DEMO_CARDS.allergic, lines: [{ itemId: 'dish-kakao', quantity: 1 }], tapId: p.tapId, allergenConfirmed: ['dish-kakao'] });
    expect(r.ok || r.error.code).toBe('ALLERGEN_REFUSED');
  });
});

describe('bans, benefit badge and other tills', () => {
  it('lists barred categories; the benefit badge says what it gives, not the category', async () => {
    const s = (await till()).service;
    const barred = await tap(DEMO_CARDS.barred);
    expect(barred.barredCategoryIds).toEqual(['cat-drinks']);
    const free = await tap(DEMO_CARDS.freeBreakfast);
    expect(free.benefitOffer).toBe('завтрак бесплатно');
    const sub = await tap(DEMO_CARDS.subsidised);
    expect(sub.benefitOffer).toMatch(/^завтрак за 20,00\s₽$/);
    expect(JSON.stringify(sub.benefitOffer)).not.toMatch(/малообеспеч/);
  });

  it('adds what other tills spent and gave today (from the pull) to this till\'s own: limit and free meal hold across tills', async () => {
    const term = await till();
    const s = term.service;
    await s.openShift();
    const day = '2018-03-15';
    // Попова: limit 100,00; another till already sold her 95,00 today. Петрова: her free breakfast was given at another till.
    term.sqlite.prepare(`UPDATE accounts SET elsewhere_day = ?, spent_elsewhere = 9500 WHERE number = '0242013187'`).run(day);
    term.sqlite.prepare(`UPDATE accounts SET elsewhere_day = ?, benefit_elsewhere = 1 WHERE number = '0242013145'`).run(day);
    s.reload();
    const popova = await tap(DEMO_CARDS.dailyLimit);
    expect(popova.spentToday).toBe(9500);
    const over = await s.sell({ saleId: randomUUID(), cardId: DEMO_CARDS.dailyLimit, lines: [{ itemId: 'dish-sok', quantity: 1 }], tapId: popova.tapId });
    expect(over.ok || over.error.code).toBe('DAILY_LIMIT');
    const petrova = await tap(DEMO_CARDS.freeBreakfast);
    expect(petrova.entitlements.every((e) => e.usedToday)).toBe(true);
    const q = await s.quote({ saleId: randomUUID(), cardId: DEMO_CARDS.freeBreakfast, lines: [{ itemId: 'set-breakfast-1-4', quantity: 1 }], tapId: petrova.tapId });
    expect(q.ok && q.value.subsidy).toBe(0);
    // Yesterday's figures do not count today.
    term.sqlite.prepare(`UPDATE accounts SET elsewhere_day = '2018-03-14' WHERE number = '0242013187'`).run();
    expect((await tap(DEMO_CARDS.dailyLimit)).spentToday).toBe(0);
  });
});

describe('the manager\'s PIN in place', () => {
  it('opens the shift from a cashier\'s session and closes it; a cashier\'s PIN does not', async () => {
    const s = (await till()).service;
    const wrong = await s.openShift('1111');
    expect(wrong.ok || wrong.error.code).toBe('WRONG_ROLE');
    const opened = await s.openShift('9999');
    expect(opened.ok && opened.value.openedBy).toBe('Петренко Галина Ивановна');
    expect((await s.status()).ok && (await s.status() as { ok: true; value: { session?: { role: string } } }).value.session?.role).toBe('cashier');
    expect((await s.closeShift()).ok).toBe(false);
    const closed = await s.closeShift('9999');
    expect(closed.ok && closed.value.kind).toBe('Z');
  });
});
