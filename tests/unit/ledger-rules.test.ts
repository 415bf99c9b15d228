import { describe, expect, it } from 'vitest';
import { entryViolations, RuleBook, type RuleEntry, type RuleReceipt } from '../../src/core/ledger-rules.js';

const settings = { maxEntryAmount: 500_000 };
const receipt = (id: string, lines: [qty: number, price: number, amount: number, subsidy: number][], refundOf?: string): RuleReceipt => ({
  receiptId: id,
  total: lines.reduce((a, l) => a + l[2], 0),
  subsidy: lines.reduce((a, l) => a + l[3], 0),
  lines: lines.map(([quantity, unitPrice, amount, subsidy]) => ({ quantity, unitPrice, amount, subsidy })),
  refundOf: refundOf ?? null,
});
const sale = (id: string, r = receipt(id, [[2, 3450, 6900, 0]])): RuleEntry => ({ kind: 'sale', accountNumber: '0242013137', amount: -r.total, receiptId: id, receipt: r });
const rules = (e: RuleEntry, ctx = {}) => entryViolations(e, { ...settings, ...ctx }).map((v) => v.rule);

describe('ledger rules, pure', () => {
  it('a sale is exactly its receipt; its lines add up', () => {
    expect(rules(sale('r1'))).toEqual([]);
    expect(rules({ ...sale('r1'), amount: -6899 })).toEqual(['saleAmount']);
    expect(rules({ ...sale('r1'), amount: 6900 })).toEqual(['saleAmount']);
    expect(rules(sale('r2', receipt('r2', [[2, 3450, 3450, 0]])))).toEqual(['receiptLines']);
    expect(rules(sale('r3', receipt('r3', [[1, -100, -100, 0]])))).toEqual(['receiptLines', 'saleAmount']);   // and it would credit
    expect(rules({ ...sale('r4'), receipt: null })).toEqual(['badPayload']);
    expect(rules({ ...sale('r5'), receiptId: 'other' })).toEqual(['receiptMismatch']);
    expect(rules({ ...sale('r6', receipt('r6', [[10, 60_000, 600_000, 0]])) })).toEqual(['amountCap']);
  });

  it('money-free kinds carry 0; a till makes no top-up', () => {
    expect(rules({ kind: 'cardBlock', accountNumber: null, amount: 0 })).toEqual([]);
    expect(rules({ kind: 'cabinetPassword', accountNumber: '0242013137', amount: 1 })).toEqual(['notZero']);
    expect(rules({ kind: 'topUp', accountNumber: '0242013137', amount: 100 })).toEqual(['terminalKind']);
  });

  it('RuleBook: a refund once, of an applied sale on the same account; a subsidy right after its receipt', () => {
    const book = new RuleBook(settings);
    const benefitSale = sale('s1', receipt('s1', [[1, 4961, 2000, 2961]]));
    expect(book.check(benefitSale)).toEqual([]);
    book.record(benefitSale, true);
    const subsidy: RuleEntry = { kind: 'subsidy', accountNumber: null, amount: -2961, subsidyOf: 's1' };
    expect(book.check(subsidy)).toEqual([]);
    book.record(subsidy, true);
    expect(book.check({ ...subsidy }).map((v) => v.rule)).toEqual(['subsidyUnmatched']);   // not after its receipt any more

    const refund: RuleEntry = { kind: 'refund', accountNumber: '0242013137', amount: 2000, receiptId: 'f1', receipt: receipt('f1', [[1, 4961, 2000, 2961]], 's1') };
    expect(book.check({ ...refund, accountNumber: '0242013179' }).map((v) => v.rule)).toEqual(['refundOfUnknown']);
    expect(book.check(refund)).toEqual([]);
    book.record(refund, true);
    const again = { ...refund, receiptId: 'f2', receipt: { ...refund.receipt!, receiptId: 'f2' } };
    expect(book.check(again).map((v) => v.rule)).toEqual(['refundTwice']);
    expect(book.check({ ...again, receiptId: 'f1', receipt: refund.receipt }).map((v) => v.rule)).toEqual(['receiptTaken', 'refundTwice']);

    // A sale that did not apply cannot be refunded, and no subsidy may follow it.
    const forged = { ...sale('s2'), amount: -1 };
    book.record(forged, false);
    expect(book.check({ kind: 'subsidy', accountNumber: null, amount: -1 }).map((v) => v.rule)).toEqual(['subsidyUnmatched']);
    expect(book.check({ ...refund, receiptId: 'f3', receipt: receipt('f3', [[2, 3450, 6900, 0]], 's2'), amount: 6900 }).map((v) => v.rule))
      .toEqual(['refundOfUnknown']);
  });
});
