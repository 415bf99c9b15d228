import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import type { PushResponse, SyncEntry } from '../../src/api/sync.js';
import { accounts, reviewFlags } from '../../src/server/db/schema.js';
import { listFlags, resolveFlag } from '../../src/server/admin/flags.js';
import { enrollDemoTerminal, api, startTestServer, type TestServer } from './helpers.js';

// Попова: daily limit 100,00, balance 500,00 in the demo school (Europe/Moscow), card EM:55007E1005.
const POPOVA = '0242013187';
const POPOVA_CARD = 'EM:55007E1005';
const IVANOV = '0242013137';   // no daily limit

let s: TestServer;
let second: { token: string; terminalId: string };
const seqs = new Map<string, number>();

function entry(terminalId: string, kind: 'sale' | 'refund', amount: number, createdAt: string, opts: Partial<SyncEntry> = {}): SyncEntry {
  const seq = (seqs.get(terminalId) ?? 0) + 1;
  seqs.set(terminalId, seq);
  const receiptId = `r-${terminalId}-${seq}`;
  return {
    uuid: uuidv7(), seq, kind, accountNumber: POPOVA, amount: kind === 'sale' ? -amount : amount, createdAt,
    cardId: POPOVA_CARD, receiptId,
    payload: {
      receiptId, receiptNumber: `24-${seq}`, total: amount, subsidy: 0,
      lines: [{ itemId: 'dish-pizza', kind: 'dish', name: 'Пицца 125 г', quantity: 1, unitPrice: amount, amount }],
      // A refund names a sale the server has on this account (the terminal's first, 60,00 below).
      ...(kind === 'refund' ? { refundOf: `r-${terminalId}-1` } : {}),
    },
    ...opts,
  };
}
const sale = (amount: number, createdAt: string, opts?: Partial<SyncEntry>) => entry(s.terminalId, 'sale', amount, createdAt, opts);
const push = (entries: SyncEntry[], terminal: { terminalId: string; token: string } = s) =>
  api<PushResponse>({ url: s.url, token: terminal.token }, 'POST', '/api/v1/sync/push', { terminalId: terminal.terminalId, entries });
const flagsOf = async (e: SyncEntry) => (await s.handle.db.select().from(reviewFlags).where(eq(reviewFlags.entryUuid, e.uuid))).map((f) => f.reason);
const balance = async (n: string) => (await s.handle.db.select().from(accounts).where(eq(accounts.accountNumber, n)))[0]!.balance;

beforeAll(async () => {
  s = await startTestServer();
  second = await enrollDemoTerminal(s.handle, 'terminal-24-2');
});
afterAll(async () => { await s?.close(); });

describe('daily limit on push', () => {
  it('applies every sale and flags the one that takes the school day past the limit', async () => {
    const before = await balance(POPOVA);
    const a = sale(6000, '2018-03-12T07:00:00Z');
    const b = sale(5000, '2018-03-12T08:00:00Z');
    expect((await push([a, b])).body).toEqual({ ackSeq: b.seq });
    expect(await balance(POPOVA)).toBe(before - 11000);
    expect(await flagsOf(a)).toEqual([]);
    const [flag] = await s.handle.db.select().from(reviewFlags).where(eq(reviewFlags.entryUuid, b.uuid));
    expect(flag).toMatchObject({ reason: 'dailyLimit', accountNumber: POPOVA, terminalId: s.terminalId });
    expect(flag!.details).toEqual({ day: '2018-03-12', spentDay: 11000, dailyLimit: 10000 });
    expect(flag!.message).toMatch(/12\.03\.2018/);
    // Pushed again: the same answer, no second flag.
    expect((await push([a, b])).body).toEqual({ ackSeq: b.seq });
    expect(await flagsOf(b)).toEqual(['dailyLimit']);
  });

  it('counts what other terminals already pushed for that day, and refunds of that day', async () => {
    const c = entry(second.terminalId, 'sale', 500, '2018-03-12T09:00:00Z');
    expect((await push([c], second)).body).toEqual({ ackSeq: c.seq });
    expect(await flagsOf(c)).toEqual(['dailyLimit']);   // 110,00 before it, on terminal 1
    // A refund of 50,00 the same day brings the day to 65,00: a 30,00 sale then stays within 100,00.
    const refund = entry(s.terminalId, 'refund', 5000, '2018-03-12T10:00:00Z');
    const d = sale(3000, '2018-03-12T10:05:00Z');
    expect((await push([refund, d])).body).toEqual({ ackSeq: d.seq });
    expect(await flagsOf(refund)).toEqual([]);
    expect(await flagsOf(d)).toEqual([]);
  });

  it('a school day is the school\'s calendar day (Europe/Moscow), not UTC\'s', async () => {
    const late = sale(9000, '2018-03-15T20:30:00Z');      // 23:30 on 15.03 in Moscow
    const night = sale(9000, '2018-03-15T21:30:00Z');     // 00:30 on 16.03 in Moscow, still 15.03 in UTC
    const morning = sale(2000, '2018-03-16T05:00:00Z');   // 08:00 on 16.03
    expect((await push([late, night, morning])).body).toEqual({ ackSeq: morning.seq });
    expect(await flagsOf(late)).toEqual([]);
    expect(await flagsOf(night)).toEqual([]);
    const [flag] = await s.handle.db.select().from(reviewFlags).where(eq(reviewFlags.entryUuid, morning.uuid));
    expect(flag).toMatchObject({ reason: 'dailyLimit', details: { day: '2018-03-16', spentDay: 11000, dailyLimit: 10000 } });
  });

  it('an account without a limit is never flagged for it', async () => {
    const big = sale(30000, '2018-03-20T07:00:00Z', { accountNumber: IVANOV, cardId: null });
    expect((await push([big])).body).toEqual({ ackSeq: big.seq });
    expect((await flagsOf(big)).includes('dailyLimit')).toBe(false);
  });
});

describe('resolving review flags', () => {
  it('records who, when and why; the flag stays and leaves the open list', async () => {
    const open = await listFlags(s.handle.db);
    const target = open.find((f) => f.reason === 'dailyLimit')!;
    expect(target.resolvedAt).toBeNull();

    const r = await resolveFlag(s.handle.db, target.id, 'Завпроизводством Смирнова', 'Родители предупреждены');
    expect(r).toMatchObject({ status: 'resolved', flag: { id: target.id, resolvedBy: 'Завпроизводством Смирнова', resolutionNote: 'Родители предупреждены' } });
    expect(r.status === 'resolved' && r.flag.resolvedAt).toBeTruthy();

    expect((await listFlags(s.handle.db)).some((f) => f.id === target.id)).toBe(false);
    const resolved = await listFlags(s.handle.db, { state: 'resolved' });
    expect(resolved.map((f) => f.id)).toEqual([target.id]);
    // Nothing else about the flag changed.
    expect(resolved[0]).toMatchObject({ reason: target.reason, message: target.message, details: target.details, entryUuid: target.entryUuid });
    expect((await listFlags(s.handle.db, { state: 'all' })).length).toBe(open.length);
  });

  it('a second resolution changes nothing and tells who resolved it first; an unknown id is not found', async () => {
    const [first] = await listFlags(s.handle.db, { state: 'resolved' });
    const again = await resolveFlag(s.handle.db, first!.id, 'другой', 'другая причина');
    expect(again).toEqual({ status: 'already', flag: first });
    expect(await resolveFlag(s.handle.db, 999_999_999, 'кто-то', 'нет такой')).toEqual({ status: 'notFound' });
  });

  it('lists one school\'s flags', async () => {
    expect((await listFlags(s.handle.db, { state: 'all', schoolId: 'school-24' })).length).toBeGreaterThan(0);
    expect(await listFlags(s.handle.db, { state: 'all', schoolId: 'school-none' })).toEqual([]);
  });
});
