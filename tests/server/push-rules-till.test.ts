import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { query } from '../../src/server/db/open.js';
import { reconcile } from '../../src/server/admin/reconcile.js';
import { newTerminal, startTestServer, type TestServer, type TestTerminal } from '../sync/harness.js';

// Волков (low income: the breakfast set 49,61 costs the parents 20,00, the budget 29,61), no cabinet password yet.
const VOLKOV = { account: '0242013195', card: 'EM:55007E1006' };
const IVANOV = { account: '0242013137', card: 'EM:55007EE424' };
const BREAKFAST = 'set-breakfast-1-4';

let s: TestServer;
let till: TestTerminal;
beforeAll(async () => {
  s = await startTestServer();
  till = await newTerminal(s);
}, 180_000);   // a fresh migrated database: slow on a loaded machine
afterAll(async () => { await till?.close(); await s?.close(); });

describe('a genuine till keeps every ledger rule', () => {
  it('benefit sale (+ subsidy + cabinet password), plain sales, refunds of both, a card block: all applied, nothing flagged, reconcile clean', async () => {
    const benefitSale = await till.sell(VOLKOV.card, [BREAKFAST, 'dish-sok']);
    const plain = await till.sell(IVANOV.card, ['dish-pizza', 'dish-kasha-grech', 'dish-kasha-grech']);
    const manager = await till.service.login('9999');
    expect(manager.ok).toBe(true);
    for (const id of [benefitSale.receiptId, plain.receiptId]) {
      const r = await till.service.refund(id, 'ошибка кассира');
      expect(r.ok).toBe(true);
    }
    expect((await till.service.blockCard(IVANOV.card, 'потеряна')).ok).toBe(true);
    await till.client.syncOnce();
    expect(till.pending()).toBe(0);

    const kinds = till.localEntries().map((e) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(['sale', 'subsidy', 'cabinetPassword', 'refund', 'cardBlock']));
    const stored = await query<{ kind: string; applied: boolean }>(s.handle.db, sql`SELECT kind, applied FROM entries WHERE terminal_id = ${till.terminalId} ORDER BY seq`);
    expect(stored.map((e) => e.kind)).toEqual(kinds);
    expect(stored.every((e) => e.applied)).toBe(true);
    expect(await query(s.handle.db, sql`SELECT reason, message FROM review_flags`)).toEqual([]);
    const r = await reconcile(s.handle.db);
    expect(r.differences).toEqual([]);
    expect(r.violations).toEqual([]);
    expect(r.entries).toBe(kinds.length);
  });
});
