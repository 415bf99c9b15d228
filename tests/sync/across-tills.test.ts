import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { eq } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { setDailyLimit } from '../../src/server/cabinet/controls.js';
import { reviewFlags } from '../../src/server/db/schema.js';
import {
  IVANOV, KASHA, newTerminal, opening, PETROV, PIZZA, reconcileDifferences, serverBalance, startTestServer,
  type TestServer, type TestTerminal,
} from './harness.js';
import { Cable } from './net.js';

/**
 * Issue 13, "across tills", through the real sync client (push, pull, the pull's `today`): two
 * tills of one school, one pupil. Online, the second till knows what the first did (one benefit
 * meal a day, the parents' daily limit between them); both offline, the server applies both
 * sales (the food was eaten) and flags them for the manager.
 */
const PETROVA = { account: '0242013145', card: 'MF:BCD14264' };   // free breakfast (1-4 классы)
const VOLKOV = { account: '0242013195', card: 'EM:55007E1006' };    // breakfast for 20,00 (budget 29,61)
const BREAKFAST = 'set-breakfast-1-4';                               // 49,61
const POPOVA = PETROV;                                                // daily limit 100,00 (demo school)

let server: TestServer;
const cables = { A: new Cable(), B: new Cable() };
let A: TestTerminal;
let B: TestTerminal;

/** On a PostgreSQL shared with other work a change may come one pull later (late, never lost). */
async function syncUntil(check: () => Promise<void>): Promise<void> {
  await vi.waitFor(async () => {
    await A.client.syncOnce();
    await B.client.syncOnce();
    await check();
  }, { timeout: 20_000, interval: 200 });
}

async function sellOn(t: TestTerminal, card: string, items: string[]) {
  const r = await t.service.sell({ saleId: uuidv7(), cardId: card, lines: items.map((itemId) => ({ itemId, quantity: 1 })) });
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

const flagsOfAccount = async (reason: string, account: string) =>
  (await server.handle.db.select({ entryUuid: reviewFlags.entryUuid, terminalId: reviewFlags.terminalId, message: reviewFlags.message })
    .from(reviewFlags).where(eq(reviewFlags.reason, reason))).filter((f) => f.message.includes(account));

beforeAll(async () => {
  server = await startTestServer();
  // The parents' limit set in the cabinet, before the tills' first pull: 100,00 a day for Иванов too.
  await setDailyLimit(server.handle.db, IVANOV.account, 10_000);
  A = await newTerminal(server, { terminalId: 'terminal-24-1', fetch: cables.A.fetch });
  B = await newTerminal(server, { terminalId: 'terminal-24-2', fetch: cables.B.fetch });
}, 180_000);
afterAll(async () => { await A?.close(); await B?.close(); await server?.close(); });

describe('two tills, one account, online', () => {
  it('one benefit meal a day: the second till sees it used and charges the breakfast in full', async () => {
    expect(await B.service.identifyCard(PETROVA.card)).toMatchObject({ ok: true, value: { benefitOffer: 'завтрак бесплатно' } });
    const first = await sellOn(A, PETROVA.card, [BREAKFAST]);
    expect([first.total, first.receipt.subsidy]).toEqual([0, 4961]);
    await syncUntil(async () => {
      const seen = await B.service.identifyCard(PETROVA.card);
      expect(seen.ok && seen.value.benefitOffer).toBe('использована сегодня');
    });
    const quote = await B.service.quote({ saleId: uuidv7(), cardId: PETROVA.card, lines: [{ itemId: BREAKFAST, quantity: 1 }] });
    expect(quote.ok && quote.value).toMatchObject({ total: 4961, subsidy: 0 });
    const second = await sellOn(B, PETROVA.card, [BREAKFAST]);
    expect([second.total, second.receipt.subsidy ?? 0]).toEqual([4961, 0]);
    expect(second.receipt.lines.map((l) => l.note)).toEqual([undefined]);
    await B.client.syncOnce();
    expect(await serverBalance(server.handle, PETROVA.account)).toBe(opening(PETROVA.account) - 4961);
    expect(await flagsOfAccount('repeatBenefit', PETROVA.account)).toEqual([]);
  });

  it('the parents\' daily limit holds between tills: the second till refuses with the reason, a smaller sale passes', async () => {
    await sellOn(A, POPOVA.card, [PIZZA, PIZZA]);                    // 69,00 of 100,00
    await syncUntil(async () => {
      const q = await B.service.quote({ saleId: uuidv7(), cardId: POPOVA.card, lines: [{ itemId: PIZZA, quantity: 1 }] });
      expect(q.ok ? 'ok' : q.error.code).toBe('DAILY_LIMIT');
    });
    const refused = await B.service.sell({ saleId: uuidv7(), cardId: POPOVA.card, lines: [{ itemId: PIZZA, quantity: 1 }] });
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    expect(refused.error).toMatchObject({ code: 'DAILY_LIMIT', message: 'Превышен дневной лимит родителей 100,00 ₽: сегодня осталось 31,00 ₽' });
    expect(B.pending()).toBe(0);                                     // nothing written for the refused sale
    expect((await sellOn(B, POPOVA.card, [KASHA])).total).toBe(830);
    await B.client.syncOnce();
    expect(await serverBalance(server.handle, POPOVA.account)).toBe(opening(POPOVA.account) - 6900 - 830);
    expect(await flagsOfAccount('dailyLimit', POPOVA.account)).toEqual([]);
  });
});

describe('two tills, one account, both offline', () => {
  it('both sales are applied on the server and flagged «повторная льгота» / «превышен дневной лимит»', async () => {
    cables.A.down = cables.B.down = true;
    const volkovA = await sellOn(A, VOLKOV.card, [BREAKFAST]);
    const volkovB = await sellOn(B, VOLKOV.card, [BREAKFAST]);
    // Neither till could know: each gave the benefit (parents pay 20,00).
    expect([volkovA.total, volkovA.receipt.subsidy, volkovB.total, volkovB.receipt.subsidy]).toEqual([2000, 2961, 2000, 2961]);
    const ivanovA = await sellOn(A, IVANOV.card, [PIZZA, PIZZA]);    // 69,00
    const ivanovB = await sellOn(B, IVANOV.card, [PIZZA, KASHA]);    // 42,80: 111,80 in all, over 100,00
    await expect(A.client.syncOnce()).rejects.toThrow(/Нет связи/);

    cables.A.down = false;
    await A.client.syncOnce();
    cables.B.down = false;
    await B.client.syncOnce();
    expect(A.pending() + B.pending()).toBe(0);

    // Applied: the food was eaten.
    expect(await serverBalance(server.handle, VOLKOV.account)).toBe(opening(VOLKOV.account) - 4000);
    expect(await serverBalance(server.handle, IVANOV.account)).toBe(opening(IVANOV.account) - ivanovA.total - ivanovB.total);
    // Flagged for the manager, on the later till's sale.
    const repeat = await flagsOfAccount('repeatBenefit', VOLKOV.account);
    expect(repeat).toHaveLength(1);
    expect(repeat[0]!.terminalId).toBe(B.terminalId);
    expect(repeat[0]!.message).toMatch(/^Повторная льгота: Л\/С 0242013195/);
    const limit = await flagsOfAccount('dailyLimit', IVANOV.account);
    expect(limit).toHaveLength(1);
    expect(limit[0]!.terminalId).toBe(B.terminalId);
    expect(limit[0]!.message).toMatch(/^Дневной лимит Л\/С 0242013137 превышен: за .* потрачено 111,80 при лимите 100,00/);
    expect(await reconcileDifferences(server.handle)).toEqual([]);

    // Both tills then show the server's balance, both sales in it.
    await syncUntil(async () => {
      expect(await A.shownBalance(IVANOV.card)).toBe(opening(IVANOV.account) - 11_180);
      expect(await B.shownBalance(IVANOV.card)).toBe(opening(IVANOV.account) - 11_180);
    });
  });
});
