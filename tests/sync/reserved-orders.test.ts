import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { DEMO_SCHOOL } from '../../src/core/demo-school.js';
import { recordChanges } from '../../src/server/changes.js';
import { query } from '../../src/server/db/open.js';
import { flagsOf, IVANOV, newTerminal, opening, PIZZA, reconcileDifferences, serverBalance, startTestServer, type TestServer, type TestTerminal } from './harness.js';
import { Cable } from './net.js';

/**
 * «доступно» at the till (issue 15, docs/orders.md "Reservations"): the pull carries each account's
 * reservation (the parents' open pre-orders); the till shows balance and available on a tap and refuses a sale
 * that would spend the reservation (core/sale.ts fundsShortfall); the server checks the same rule on push and
 * flags an offline till's sale that did (applied: the food was eaten).
 */
const S = DEMO_SCHOOL.school.id;
const OPEN = opening(IVANOV.account);          // 677,66
const AVAILABLE = 4_000;                         // 40,00 left beside the reservation
const RESERVED = OPEN - AVAILABLE;
const PIZZA_PRICE = 3_450;

let server: TestServer;
const cableB = new Cable();
let A: TestTerminal;
let B: TestTerminal;

async function reserve(amount: number | null) {
  const db = server.handle.db;
  const [st] = await query<{ student_id: string }>(db, sql`SELECT student_id FROM accounts WHERE account_number = ${IVANOV.account}`);
  await db.transaction(async (tx) => {
    await tx.execute(sql`DELETE FROM pre_orders WHERE account_number = ${IVANOV.account}`);
    if (amount !== null) {
      await tx.execute(sql`INSERT INTO pre_orders (school_id, student_id, day, sitting_id, account_number, meal_set_id, amount, updated_by)
        VALUES (${S}, ${st!.student_id}, '2026-12-21', 'sit-lunch', ${IVANOV.account}, 'set-lunch', ${amount}, 'parent')`);
    }
    await recordChanges(tx, S, 'account', [IVANOV.account]);   // as setPreOrder does
  });
}

const sell = (t: TestTerminal, n: number) => t.service.sell({ saleId: uuidv7(), cardId: IVANOV.card, lines: [{ itemId: PIZZA, quantity: n }] });

beforeAll(async () => {
  server = await startTestServer();
  A = await newTerminal(server, { terminalId: 'terminal-24-1' });
  // B pulled before the parents ordered and then lost the network: it never hears of the reservation.
  B = await newTerminal(server, { terminalId: 'terminal-24-2', fetch: cableB.fetch });
  cableB.down = true;
  await reserve(RESERVED);
}, 180_000);
afterAll(async () => { await A?.close(); await B?.close(); await server?.close(); });

describe('the reservation at the till', () => {
  it('the pull carries it: a tap shows balance and доступно', async () => {
    expect(await A.service.identifyCard(IVANOV.card)).toMatchObject({ ok: true, value: { balance: OPEN } });
    await A.client.syncOnce();
    expect(A.sqlite.prepare('SELECT reserved FROM accounts WHERE number = ?').pluck().get(IVANOV.account)).toBe(RESERVED);
    expect(await A.service.identifyCard(IVANOV.card)).toMatchObject({ ok: true, value: { balance: OPEN, reserved: RESERVED, available: AVAILABLE } });
  });

  it('a sale within доступно goes through; one that would spend the reservation is refused with the reason', async () => {
    expect(await sell(A, 1)).toMatchObject({ ok: true, value: { total: PIZZA_PRICE } });
    expect(await A.service.identifyCard(IVANOV.card)).toMatchObject({ ok: true, value: { balance: OPEN - PIZZA_PRICE, available: AVAILABLE - PIZZA_PRICE } });
    const refused = await sell(A, 1);
    expect(refused).toEqual({ ok: false, error: {
      code: 'INSUFFICIENT_FUNDS',
      message: 'Недостаточно средств: доступно 5,50 ₽ (ещё 637,66 ₽ зарезервировано под заказ питания), к оплате 34,50 ₽',
      details: { balance: OPEN - PIZZA_PRICE, reserved: RESERVED, total: PIZZA_PRICE, overdraft: 0 },
    } });
    await A.client.syncOnce();
    expect(await serverBalance(server.handle, IVANOV.account)).toBe(OPEN - PIZZA_PRICE);
    expect(await flagsOf(server.handle)).toEqual([]);
  });

  it('an offline till that did not know of it sells anyway: the server applies the sale and flags it «reservedSpent»', async () => {
    const r = await sell(B, 2);
    expect(r.ok).toBe(true);
    const uuid = B.localEntries().find((e) => e.kind === 'sale')!.uuid;
    cableB.down = false;
    await B.client.syncOnce();
    expect(await serverBalance(server.handle, IVANOV.account)).toBe(OPEN - 3 * PIZZA_PRICE);
    expect(await flagsOf(server.handle, uuid)).toEqual([{ entryUuid: uuid, reason: 'reservedSpent' }]);
    // B now knows: доступно below zero, and it refuses the next sale.
    expect(await B.service.identifyCard(IVANOV.card)).toMatchObject({ ok: true, value: { available: AVAILABLE - 3 * PIZZA_PRICE } });
    expect(await sell(B, 1)).toMatchObject({ ok: false, error: { code: 'INSUFFICIENT_FUNDS' } });
    expect(await reconcileDifferences(server.handle)).toEqual([]);
  });

  it('a cancelled pre-order releases it: the next pull shows no reservation and the sale goes through', async () => {
    await reserve(null);
    await A.client.syncOnce();
    const info = await A.service.identifyCard(IVANOV.card);
    if (!info.ok) throw new Error(info.error.message);
    expect(info.value.reserved).toBeUndefined();
    expect(info.value.available).toBeUndefined();
    expect(await sell(A, 1)).toMatchObject({ ok: true });
  });
});
