import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import type { SyncEntry } from '../../src/api/sync.js';
import { query } from '../../src/server/db/open.js';
import { textArray } from '../../src/server/db/bulk.js';
import { reconcile } from '../../src/server/admin/reconcile.js';
import type { RuleId } from '../../src/core/ledger-rules.js';
import { startTestServer, type TestServer } from './helpers.js';
import { balanceOf, benefit, dish, pushAs, Till, type Line } from './push-rules-fixtures.js';

/**
 * Random pushes, genuine and forged, in random batches (some pushed twice): every balance moves by
 * exactly the genuine entries, every genuine entry applies without a rule flag, every forged one is
 * stored unapplied with one, and reconcile stays clean. Runs on PGlite, and on PostgreSQL with DATABASE_URL.
 */

const ACCOUNTS = ['0242013137', '0242013179', '0242013195', '0242013187', '0242013153'];
const CARD = 'EM:55007E1001';
const ARGON = '$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo';
const RULES: ReadonlySet<RuleId | string> = new Set<RuleId>([
  'terminalKind', 'amountCap', 'notZero', 'noAccount', 'badPayload', 'receiptMismatch', 'receiptLines', 'saleAmount',
  'refundAmount', 'refundOfUnknown', 'refundTwice', 'receiptTaken', 'subsidyAccount', 'subsidyUnmatched',
]);

const line = fc.oneof(
  fc.record({ price: fc.integer({ min: 0, max: 10_000 }), qty: fc.integer({ min: 1, max: 3 }) }).map(({ price, qty }) => dish(price, qty)),
  fc.integer({ min: 1, max: 10_000 }).chain((price) => fc.integer({ min: 0, max: price }).map((pays) => benefit(price, pays))),
);
const lines = fc.array(line, { minLength: 1, maxLength: 3 });
const acc = fc.integer({ min: 0, max: ACCOUNTS.length - 1 });
const forgery = fc.constantFrom('amount', 'credit', 'negPrice', 'lines', 'payload', 'noAccount', 'cap', 'mismatch');

type Op =
  | { t: 'sale'; acc: number; lines: Line[] }
  | { t: 'forgeSale'; acc: number; lines: Line[]; how: string }
  | { t: 'refund'; pick: number }
  | { t: 'forgeRefund'; pick: number; how: 'unknown' | 'more' | 'otherAccount' }
  | { t: 'zero'; kind: 'cabinetPassword' | 'cardBlock'; acc: number; amount: number }
  | { t: 'subsidyOnPupil'; acc: number; amount: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ t: fc.constant('sale' as const), acc, lines }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('forgeSale' as const), acc, lines, how: forgery }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('refund' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('forgeRefund' as const), pick: fc.nat(), how: fc.constantFrom('unknown' as const, 'more' as const, 'otherAccount' as const) }) },
  { weight: 1, arbitrary: fc.record({
    t: fc.constant('zero' as const), kind: fc.constantFrom('cabinetPassword' as const, 'cardBlock' as const), acc,
    amount: fc.oneof(fc.constant(0), fc.integer({ min: -1_000_000, max: 1_000_000 })),
  }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('subsidyOnPupil' as const), acc, amount: fc.integer({ min: -1_000_000, max: 1_000_000 }) }) },
);

interface Sold { receiptId: string; account: string; lines: Line[]; total: number; valid: boolean; refunded: boolean }

/** Turns ops into entries with what each should do: `valid` entries apply, the others must not. */
function build(till: Till, ops: Op[]): { entries: SyncEntry[]; valid: Set<string>; delta: Map<string, number> } {
  const entries: SyncEntry[] = [];
  const valid = new Set<string>();
  const delta = new Map<string, number>();
  const sold: Sold[] = [];
  const add = (es: SyncEntry[], ok: boolean) => {
    for (const e of es) {
      entries.push(e);
      if (!ok) continue;
      valid.add(e.uuid);
      if (e.accountNumber) delta.set(e.accountNumber, (delta.get(e.accountNumber) ?? 0) + e.amount);
    }
  };
  for (const o of ops) {
    switch (o.t) {
      case 'sale': {
        const s = till.sale(ACCOUNTS[o.acc]!, o.lines);
        add(s.entries, true);
        sold.push({ receiptId: s.receiptId, account: ACCOUNTS[o.acc]!, lines: o.lines, total: s.total, valid: true, refunded: false });
        break;
      }
      case 'forgeSale': {
        const ls = o.how === 'negPrice' ? [...o.lines, { ...dish(-100), amount: -100 }] : o.how === 'cap' ? [dish(600_000)] : o.lines;
        const s = till.sale(o.how === 'noAccount' ? null : ACCOUNTS[o.acc]!, ls);
        const e = s.entries[0]!;
        const p = e.payload as { total: number; lines: Line[] };
        if (o.how === 'amount') e.amount -= 1;
        if (o.how === 'credit') e.amount = Math.max(1, -e.amount);
        if (o.how === 'lines') { p.lines[0]!.amount += 1; p.total += 1; e.amount -= 1; }
        if (o.how === 'payload') e.payload = { total: s.total };
        if (o.how === 'mismatch') e.receiptId = `${s.receiptId}-x`;
        add(s.entries, false);                       // its subsidy entry follows an unapplied sale: not applied either
        sold.push({ receiptId: s.receiptId, account: ACCOUNTS[o.acc]!, lines: ls, total: s.total, valid: false, refunded: false });
        break;
      }
      case 'refund': {
        if (!sold.length) break;
        const s = sold[o.pick % sold.length]!;
        const ok = s.valid && !s.refunded;
        add(till.refund(s.account, s.receiptId, s.lines).entries, ok);
        if (ok) s.refunded = true;
        break;
      }
      case 'forgeRefund': {
        const s = sold.length ? sold[o.pick % sold.length]! : undefined;
        if (o.how === 'unknown' || !s) add(till.refund(ACCOUNTS[0]!, `r-nothing-${o.pick}`, [dish(100)]).entries, false);
        else if (o.how === 'more') add(till.refund(s.account, s.receiptId, [...s.lines, dish(1)]).entries, false);
        else add(till.refund(s.account === ACCOUNTS[0] ? ACCOUNTS[1]! : ACCOUNTS[0]!, s.receiptId, s.lines).entries, false);
        break;
      }
      case 'zero':
        add([till.raw(o.kind, ACCOUNTS[o.acc]!, o.amount, o.kind === 'cardBlock' ? { cardId: CARD } : { passwordHash: ARGON })], o.amount === 0);
        break;
      case 'subsidyOnPupil':
        add([till.raw('subsidy', ACCOUNTS[o.acc]!, o.amount)], false);
        break;
    }
  }
  return { entries, valid, delta };
}

let s: TestServer;
let till: Till;
beforeAll(async () => {
  s = await startTestServer();
  till = new Till(s.terminalId, s.token);
}, 180_000);   // a fresh migrated database: slow on a loaded machine
afterAll(async () => { await s?.close(); });

describe('random pushes, genuine and forged', () => {
  it('never change a balance except by the genuine entries', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(op, { minLength: 1, maxLength: 16 }), fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 8 }), fc.boolean(),
      async (ops, cuts, repeat) => {
        const before = new Map<string, number>();
        for (const a of ACCOUNTS) before.set(a, await balanceOf(s, a));
        const { entries, valid, delta } = build(till, ops);
        if (!entries.length) return;
        // Random batch boundaries (a sale and its subsidy entry may land in different pushes).
        for (let i = 0, c = 0; i < entries.length; c++) {
          const batch = entries.slice(i, i + cuts[c % cuts.length]!);
          i += batch.length;
          const r = await pushAs(s, till, batch);
          expect(r.status).toBe(200);
          expect(r.body).toEqual({ ackSeq: batch.at(-1)!.seq });
          if (repeat) expect((await pushAs(s, till, batch)).body).toEqual({ ackSeq: batch.at(-1)!.seq });
        }
        for (const a of ACCOUNTS) expect(await balanceOf(s, a)).toBe(before.get(a)! + (delta.get(a) ?? 0));

        const uuids = textArray(entries.map((e) => e.uuid));
        const applied = new Map((await query<{ uuid: string; applied: boolean }>(s.handle.db,
          sql`SELECT uuid, applied FROM entries WHERE uuid = ANY(${uuids}::text[])`)).map((r) => [r.uuid, r.applied]));
        const ruled = new Set((await query<{ entry_uuid: string; reason: string }>(s.handle.db,
          sql`SELECT entry_uuid, reason FROM review_flags WHERE entry_uuid = ANY(${uuids}::text[])`))
          .filter((f) => RULES.has(f.reason)).map((f) => f.entry_uuid));
        for (const e of entries) {
          const ok = valid.has(e.uuid);
          expect({ seq: e.seq, kind: e.kind, applied: applied.get(e.uuid), flagged: ruled.has(e.uuid) })
            .toEqual({ seq: e.seq, kind: e.kind, applied: ok, flagged: !ok });
        }
      },
    ), { numRuns: 20 });
    const r = await reconcile(s.handle.db);
    expect(r.differences).toEqual([]);
    expect(r.violations).toEqual([]);
  });
});
