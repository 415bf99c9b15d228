import { eq, sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import type { PushResponse, SyncEntry } from '../../src/api/sync.js';
import { accounts, cards, reviewFlags } from '../../src/server/db/schema.js';
import { query } from '../../src/server/db/open.js';
import { api, type TestServer } from './helpers.js';

/** Entries as a till makes them (src/terminal/pos-service.ts commitReceipt), for one till with its own seq counter. */
export interface Line { itemId: string; quantity: number; unitPrice: number; amount: number; subsidy: number }

export const dish = (unitPrice: number, quantity = 1): Line => ({ itemId: 'dish-pizza', quantity, unitPrice, amount: unitPrice * quantity, subsidy: 0 });
/** A benefit line: the parents pay `pays`, the budget the rest of the price (the demo's free breakfast of grades 1–4). */
export const benefit = (unitPrice: number, pays: number): Line => ({ itemId: 'set-breakfast-1-4', quantity: 1, unitPrice, amount: pays, subsidy: unitPrice - pays });

export class Till {
  seq = 0;
  constructor(readonly terminalId: string, readonly token: string) {}

  private base(kind: SyncEntry['kind'], accountNumber: string | null, amount: number, payload: Record<string, unknown>, extra: Partial<SyncEntry> = {}): SyncEntry {
    return { uuid: uuidv7(), seq: ++this.seq, kind, accountNumber, amount, createdAt: new Date().toISOString(), payload, ...extra };
  }

  private receipt(kind: 'sale' | 'refund', account: string | null, lines: Line[], sign: number, extraPayload: Record<string, unknown> = {}) {
    const receiptId = `r-${uuidv7()}`;
    const total = lines.reduce((a, l) => a + l.amount, 0);
    const subsidy = lines.reduce((a, l) => a + l.subsidy, 0);
    const entry = this.base(kind, account, sign * total, {
      receiptId, receiptNumber: `24-${String(this.seq + 1).padStart(6, '0')}`, total, subsidy,
      lines: lines.map((l) => ({ ...l, kind: 'dish', name: 'Блюдо' })), ...extraPayload,
    }, { receiptId });
    return { entry, receiptId, total, subsidy };
  }

  /** A sale and, with benefit lines, its subsidy entry right after it. */
  sale(account: string | null, lines: Line[]): { entries: SyncEntry[]; receiptId: string; total: number; subsidy: number } {
    const r = this.receipt('sale', account, lines, -1);
    const out = [r.entry];
    if (r.subsidy) out.push(this.base('subsidy', null, -r.subsidy, { receiptId: r.receiptId, pupilAccountNumber: account }));
    return { entries: out, receiptId: r.receiptId, total: r.total, subsidy: r.subsidy };
  }

  refund(account: string | null, refundOf: string, lines: Line[]): { entries: SyncEntry[]; receiptId: string } {
    const r = this.receipt('refund', account, lines, 1, { refundOf, reason: 'ошибка кассира' });
    const out = [r.entry];
    if (r.subsidy) out.push(this.base('subsidy', null, r.subsidy, { receiptId: r.receiptId, pupilAccountNumber: account, refundOf }));
    return { entries: out, receiptId: r.receiptId };
  }

  raw(kind: SyncEntry['kind'], account: string | null, amount: number, payload: Record<string, unknown> = {}, extra: Partial<SyncEntry> = {}): SyncEntry {
    return this.base(kind, account, amount, payload, extra);
  }
}

export const pushAs = (s: TestServer, till: Till, entries: SyncEntry[]) =>
  api<PushResponse & { error?: { message: string } }>({ url: s.url, token: till.token }, 'POST', '/api/v1/sync/push', { terminalId: till.terminalId, entries });

export const balanceOf = async (s: TestServer, n: string) =>
  (await s.handle.db.select({ b: accounts.balance }).from(accounts).where(eq(accounts.accountNumber, n)))[0]!.b;

export const flagsOf = async (s: TestServer, e: SyncEntry) =>
  (await s.handle.db.select({ r: reviewFlags.reason }).from(reviewFlags).where(eq(reviewFlags.entryUuid, e.uuid))).map((f) => f.r).sort();

/** The stored entry's applied column (undefined: not stored). */
export const appliedOf = async (s: TestServer, e: SyncEntry) =>
  (await query<{ applied: boolean }>(s.handle.db, sql`SELECT applied FROM entries WHERE uuid = ${e.uuid}`))[0]?.applied;

export const cardState = async (s: TestServer, id: string) =>
  (await s.handle.db.select({ st: cards.state }).from(cards).where(eq(cards.id, id)))[0]!.st;
