import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { createTestDb, enrollDemoTerminal } from '../server/helpers.js';
import { query, type DbHandle } from '../../src/server/db/open.js';
import { FX, seedOrderSchool, type FixturePupil } from './fixture.js';
import { fixDay } from '../../src/server/orders/fix.js';
import { releaseNotEaten } from '../../src/server/orders/not-eaten.js';
import { applyPush, type TerminalIdentity } from '../../src/server/ledger/push.js';
import { reconcile } from '../../src/server/admin/reconcile.js';
import type { SyncEntry } from '../../src/api/sync.js';

/**
 * The «not eaten» release racing the tills' late served marks (on PostgreSQL with DATABASE_URL they run in
 * parallel transactions; on PGlite one after another). Whatever the interleaving: a served line is charged
 * (never released, or released and re-charged), an unserved one is given back, each once, and the balances
 * equal the ledger.
 */
const DAY = '2026-12-08';
const START = 100_000;

let h: DbHandle;
let P: FixturePupil[];
const tills: TerminalIdentity[] = [];

beforeAll(async () => {
  h = await createTestDb();
  P = await seedOrderSchool(h.db, { perClass: 20, balance: START });
  // Every 07Б pupil ordered lunch; 03А eats the free breakfast (grades 1–4, budget).
  await h.db.execute(sql`INSERT INTO pre_orders (school_id, student_id, day, sitting_id, account_number, meal_set_id, amount, updated_by)
    SELECT ${FX.school}, s.id, ${DAY}, ${FX.lunch}, a.account_number, ${FX.setLunchA}, ${FX.priceLunchA}, 'parent'
    FROM students s JOIN accounts a ON a.student_id = s.id WHERE s.school_id = ${FX.school} AND s.class_name = '07Б'`);
  await fixDay(h.db, FX.school, DAY, { now: new Date('2026-12-08T05:00:00Z'), by: 'auto' });
  await h.db.execute(sql`UPDATE order_settings SET not_eaten_policy = 'release' WHERE school_id = ${FX.school}`);
  for (const id of ['till-77-a', 'till-77-b']) {
    const t = await enrollDemoTerminal(h, id, FX.school);
    tills.push({ id: t.terminalId, schoolId: FX.school, name: id });
  }
}, 180_000);
afterAll(async () => { await h?.close(); });

describe('release and late marks at once', () => {
  it('served ⇒ charged once, unserved ⇒ given back once; balances = ledger', async () => {
    const lines = await query<{ id: string; student_id: string; account_number: string; parent_amount: number | string }>(h.db, sql`
      SELECT id, student_id, account_number, parent_amount FROM order_lines WHERE school_id = ${FX.school} AND day = ${DAY} ORDER BY id`);
    expect(lines).toHaveLength(40);
    // Two tills each push marks for a third of the lines, one at a time, while two releases run.
    const marked = lines.filter((_, i) => i % 3 !== 2);
    const pushes = tills.map(async (till, t) => {
      let seq = 0;
      for (const l of marked.filter((_, i) => i % 2 === t)) {
        const e: SyncEntry = { uuid: uuidv7(), seq: ++seq, kind: 'orderServed', accountNumber: l.account_number, amount: 0,
          createdAt: '2026-12-08T09:50:00Z', payload: { orderLineId: l.id, day: DAY, by: 'touch' } };
        await applyPush(h.db, till, { terminalId: till.id, entries: [e] });
      }
    });
    const now = new Date('2026-12-09T10:00:00Z');
    await Promise.all([...pushes, releaseNotEaten(h.db, FX.school, DAY, { now }), releaseNotEaten(h.db, FX.school, DAY, { now })]);
    // What is left unserved and unreleased (a release that ran before any mark) is settled by the next tick.
    await releaseNotEaten(h.db, FX.school, DAY, { now });

    const state = await query<{ id: string; served: boolean; released: boolean; recharged: boolean }>(h.db, sql`
      SELECT l.id, EXISTS (SELECT 1 FROM order_served o WHERE o.line_id = l.id) AS served,
        EXISTS (SELECT 1 FROM order_reversals r WHERE r.line_id = l.id) AS released,
        EXISTS (SELECT 1 FROM order_recharges c WHERE c.line_id = l.id) AS recharged
      FROM order_lines l WHERE l.school_id = ${FX.school} AND l.day = ${DAY} ORDER BY l.id`);
    const servedIds = new Set(marked.map((l) => l.id));
    for (const s of state) {
      expect(s.served).toBe(servedIds.has(s.id));
      if (s.served) expect(s.released === false || s.recharged === true).toBe(true);
      else expect([s.released, s.recharged]).toEqual([true, false]);
    }
    // Per line, the ledger: charged − refunded + re-charged = the line's price if served, else 0.
    const net = await query<{ line: string; parent: number | string; budget: number | string }>(h.db, sql`
      SELECT payload->>'orderLineId' AS line,
        coalesce(sum(amount) FILTER (WHERE account_number IS NOT NULL), 0) AS parent, coalesce(sum(amount) FILTER (WHERE account_number IS NULL), 0) AS budget
      FROM entries WHERE school_id = ${FX.school} AND kind IN ('orderCharge', 'orderReversal', 'subsidy') GROUP BY 1`);
    const byLine = new Map(net.map((n) => [n.line, Number(n.parent) + Number(n.budget)]));
    const prices = await query<{ id: string; price: number | string }>(h.db, sql`SELECT id, price FROM order_lines WHERE school_id = ${FX.school} AND day = ${DAY}`);
    for (const p of prices) expect(byLine.get(p.id) ?? 0).toBe(servedIds.has(p.id) ? -Number(p.price) : 0);
    const balances = await query<{ account_number: string; balance: number | string }>(h.db, sql`SELECT account_number, balance FROM accounts WHERE school_id = ${FX.school}`);
    const owed = new Map(lines.filter((l) => servedIds.has(l.id)).map((l) => [l.account_number, Number(l.parent_amount)]));
    for (const b of balances) expect(Number(b.balance)).toBe(START - (owed.get(b.account_number) ?? 0));
    expect((await reconcile(h.db)).differences).toEqual([]);
    expect(P).toHaveLength(40);
  });
});
