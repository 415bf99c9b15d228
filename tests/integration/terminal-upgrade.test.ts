import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_CARDS } from '../../src/core/demo-school.js';
import { applyPragmas, TERMINAL_MIGRATIONS } from '../../src/terminal/db/open.js';
import { openTerminal } from '../../src/terminal/index.js';
import { checkIntegrity } from '../../src/terminal/integrity.js';
import { entryRowToSync, pendingEntries } from '../../src/terminal/outbox.js';
import { refundPayloadSchema, salePayloadSchema } from '../../src/api/sync.js';
import { MonotonicUuidV7 } from '../../src/terminal/ids.js';
import { loadSchool } from '../../src/terminal/seed.js';
import { TestClock } from './terminal-helpers.js';

const OLD_A = '018f0000-0000-7000-8000-00000000000a';
const OLD_B = '018e0000-0000-7000-8000-00000000000b';

/** A database as migrations 0000–0003 left it, with a sale and a benefit sale written the old way. */
async function oldFile(): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'canteen-0003-'));
  const migrations = path.join(dir, 'migrations');
  cpSync(TERMINAL_MIGRATIONS, migrations, { recursive: true });
  const journalPath = path.join(migrations, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8'));
  journal.entries = journal.entries.slice(0, 4);
  writeFileSync(journalPath, JSON.stringify(journal));
  const dbPath = path.join(dir, 'old.db');
  const db = new Database(dbPath);
  applyPragmas(db);
  migrate(drizzle(db), { migrationsFolder: migrations });
  await loadSchool(db);
  const at = '2018-03-15T07:42:00.000Z';
  db.prepare(`INSERT INTO shifts (id, number, opened_at, opened_by) VALUES ('shift-old', 1, ?, 'cashier-1')`).run(at);
  const receipt = (seq: number, id: string, account: string, card: string, total: number, subsidy: number, lines: [string, string, number, number, number, string | null][]) => {
    const doc = { kind: 'sale', number: `24-00000${seq}`, lines: [], total };
    db.prepare(`INSERT INTO receipts (id, seq, number, kind, sale_id, shift_id, cashier_id, account_number, card_id, total, subsidy, issued_at, school_day, doc)
      VALUES (?, ?, ?, 'sale', ?, 'shift-old', 'cashier-1', ?, ?, ?, ?, ?, '2018-03-15', ?)`).run(id, seq, `24-00000${seq}`, `old-${seq}`, account, card, total, subsidy, at, JSON.stringify(doc));
    lines.forEach(([itemId, kind, amount, sub, , rule], i) => db.prepare(`INSERT INTO receipt_lines (receipt_id, line_no, item_id, item_kind, name, quantity, unit_price, amount, subsidy, rule_id)
      VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?)`).run(id, i + 1, itemId, kind, itemId, amount + sub, amount, sub, rule));
    db.prepare(`INSERT INTO print_jobs (id, receipt_id, kind, payload, created_at) VALUES (?, ?, 'receipt', ?, ?)`).run(`job-${seq}`, id, JSON.stringify(doc), at);
  };
  const entry = (seq: number, kind: string, account: string | null, amount: number, receiptId: string, payload: unknown) => {
    const uuid = `018e0000-0000-7000-8000-00000000000${seq}`;
    db.prepare(`INSERT INTO entries (uuid, seq, kind, account_number, amount, created_at, school_day, receipt_id, shift_id, cashier_id, card_id, payload)
      VALUES (?, ?, ?, ?, ?, ?, '2018-03-15', ?, 'shift-old', 'cashier-1', NULL, ?)`).run(uuid, seq, kind, account, amount, at, receiptId, JSON.stringify(payload));
    db.prepare(`INSERT INTO outbox (seq, entry_uuid) VALUES (?, ?)`).run(seq, uuid);
  };
  // Ids not in seq order on purpose (made by a clock that went back): look-ups must still find them.
  const A = OLD_A;
  const B = OLD_B;
  receipt(1, A, '0242013137', DEMO_CARDS.ivanov, 3215, 0, [['dish-kasha-grech', 'dish', 830, 0, 0, null], ['dish-kotleta-kur', 'dish', 2385, 0, 0, null]]);
  entry(1, 'sale', '0242013137', -3215, A, { receipt: { id: A, number: '24-000001', lines: [{ itemId: 'dish-kasha-grech' }, { itemId: 'dish-kotleta-kur' }] } });
  receipt(2, B, '0242013145', DEMO_CARDS.freeBreakfast, 0, 4961, [['set-breakfast-1-4', 'mealSet', 0, 4961, 0, 'rule-free-breakfast']]);
  entry(2, 'sale', '0242013145', 0, B, { receipt: { id: B, number: '24-000002', lines: [{ itemId: 'set-breakfast-1-4' }] } });
  entry(3, 'subsidy', null, -4961, B, { receiptId: B, receiptNumber: '24-000002', pupilAccountNumber: '0242013145', lines: [] });
  db.close();
  return dbPath;
}

describe('upgrade of a file written before the lean sale path (0003 → latest)', () => {
  it('moves receipts, lines, entries and shifts over; ledger sound, payloads as stored, look-ups and reports work', async () => {
    const dbPath = await oldFile();
    const clock = new TestClock(new Date('2018-03-15T08:00:00Z'));
    const t = await openTerminal({ requireTap: false, dbPath, clock });
    try {
      expect(checkIntegrity(t.sqlite)).toEqual([]);
      expect(t.sqlite.prepare('SELECT first_seq FROM shifts').pluck().get()).toBe(1);
      // Print jobs from before 0007 keep their own payload; the rebuilt table keeps 0005's trigger.
      expect(t.sqlite.prepare(`SELECT count(*) FROM print_jobs WHERE payload IS NOT NULL AND receipt_seq IS NULL`).pluck().get()).toBe(2);
      expect(t.sqlite.prepare(`SELECT count(*) FROM sqlite_schema WHERE type = 'trigger' AND name = 'print_jobs_redact_printed'`).pluck().get()).toBe(1);
      expect(t.sqlite.prepare('SELECT group_concat(id) FROM receipt_lines').pluck().get()).toBe(`${1024 + 1},${1024 + 2},${2048 + 1}`);
      // Old entries carried a copy of their receipt; they go out in the server's shape like new ones,
      // built from the receipt row the copy was written with, and name their receipt.
      const wire = pendingEntries(t.sqlite);
      expect(wire.map((e) => [e.seq, e.kind, e.receiptId])).toEqual([[1, 'sale', OLD_A], [2, 'sale', OLD_B], [3, 'subsidy', undefined]]);
      expect(wire[0]!.payload).toEqual({
        receiptId: OLD_A, receiptNumber: '24-000001', total: 3215, subsidy: 0, issuedAt: '2018-03-15T07:42:00.000Z',
        lines: [
          { itemId: 'dish-kasha-grech', kind: 'dish', name: 'dish-kasha-grech', quantity: 1, unitPrice: 830, amount: 830, subsidy: 0 },
          { itemId: 'dish-kotleta-kur', kind: 'dish', name: 'dish-kotleta-kur', quantity: 1, unitPrice: 2385, amount: 2385, subsidy: 0 },
        ],
      });
      expect(salePayloadSchema.safeParse(wire[1]!.payload).success).toBe(true);
      expect(wire[2]!.payload).toEqual({ receiptId: OLD_B, receiptNumber: '24-000002', pupilAccountNumber: '0242013145', lines: [] });
      const s = t.service;
      expect((await s.login('9999')).ok).toBe(true);
      // Both old receipts are found by id although their ids are out of seq order.
      for (const id of ['018f0000-0000-7000-8000-00000000000a', '018e0000-0000-7000-8000-00000000000b']) expect((await s.receipt(id)).ok).toBe(true);
      // The benefit used before the upgrade still counts today.
      const info = await s.identifyCard(DEMO_CARDS.freeBreakfast);
      expect(info.ok && info.value.entitlements[0]?.usedToday).toBe(true);
      const x = await s.xReport();
      expect(x.ok && x.value).toMatchObject({ salesCount: 2, salesTotal: 3215, subsidyTotal: 4961 });
      // New sales continue the seqs; their receipt ids sort after the last one (even with the clock behind it) and are found.
      const r = await s.sell({ saleId: 'after-upgrade', cardId: DEMO_CARDS.ivanov, lines: [{ itemId: 'dish-sok', quantity: 1 }] });
      if (!r.ok) throw new Error(r.error.message);
      expect(r.value.receiptNumber).toBe('24-000003');
      expect(r.value.receiptId > '018e0000-0000-7000-8000-00000000000b').toBe(true);
      expect((await s.receipt(r.value.receiptId)).ok).toBe(true);
      const refund = await s.refund('018f0000-0000-7000-8000-00000000000a', 'проверка');
      expect(refund.ok && refund.value.receiptNumber).toBe('24-000004');
      expect(checkIntegrity(t.sqlite)).toEqual([]);
    } finally { t.close(); }
  });
});

describe('upgrade to the ledger cursors (migration 0008)', () => {
  it('the outbox, print and running-sum cursors start where the old tables were; old receipts read back as stored', async () => {
    const dbPath = await oldFile();
    // The server had acknowledged entry 1 and the printer had printed receipt 1 before the upgrade.
    const db = new Database(dbPath);
    db.prepare(`UPDATE outbox SET status = 'acked' WHERE seq = 1`).run();
    db.prepare(`UPDATE print_jobs SET status = 'printed' WHERE id = 'job-1'`).run();
    const storedDoc = db.prepare(`SELECT doc FROM receipts WHERE seq = 1`).pluck().get() as string;
    db.close();
    const t = await openTerminal({ requireTap: false, dbPath, clock: new TestClock(new Date('2018-03-15T08:00:00Z')) });
    try {
      expect(t.sqlite.prepare('SELECT outbox_acked_seq, print_jobs_through_seq, sums_through_seq FROM ledger_cursors').get())
        .toEqual({ outbox_acked_seq: 1, print_jobs_through_seq: 2, sums_through_seq: 3 });
      expect(pendingEntries(t.sqlite).map((e) => e.seq)).toEqual([2, 3]);
      expect(t.sqlite.prepare(`SELECT seq, status FROM outbox ORDER BY seq`).all()).toEqual([
        { seq: 1, status: 'acked' }, { seq: 2, status: 'pending' }, { seq: 3, status: 'pending' },
      ]);
      expect((await t.service.login('9999')).ok).toBe(true);
      const r = await t.service.receipt(OLD_A);
      expect(r.ok && JSON.stringify(r.value)).toBe(storedDoc);
      // The old jobs stay as they were: one printed, one still queued, nothing implied.
      expect(t.sqlite.prepare(`SELECT id, status FROM print_jobs ORDER BY id`).all()).toEqual([
        { id: 'job-1', status: 'printed' }, { id: 'job-2', status: 'queued' },
      ]);
      expect(checkIntegrity(t.sqlite)).toEqual([]);
    } finally { t.close(); }
  });
});

describe('outbox rows written before migration 0004', () => {
  it('a sale or refund whose receipt row is missing still goes out readable: its own copy is lifted', () => {
    const copy = { id: 'r-1', number: '24-000009', saleId: 's-1', issuedAt: '2018-03-15T07:42:00.000Z', total: 830, subsidy: 0,
      lines: [{ itemId: 'dish-kasha-grech', kind: 'dish', name: 'Каша', quantity: 1, unitPrice: 830, amount: 830, subsidy: 0 }] };
    const row = {
      uuid: '018e0000-0000-7000-8000-000000000009', seq: 9, kind: 'refund' as const, account_number: '0242013137', amount: 830,
      created_at: '2018-03-15T07:42:00.000Z', shift_id: null, cashier_id: null, card_id: null,
      payload: JSON.stringify({ refundOf: 'r-0', reason: 'ошибка', receipt: copy }), receipt_seq: null,
    };
    const e = entryRowToSync(row);
    expect(e.receiptId).toBe('r-1');
    expect(refundPayloadSchema.parse(e.payload)).toMatchObject({ receiptId: 'r-1', receiptNumber: '24-000009', total: 830, refundOf: 'r-0', reason: 'ошибка' });
    expect(e.payload).not.toHaveProperty('receipt');
  });
});

describe('receipt ids (MonotonicUuidV7)', () => {
  it('strictly increase, also when the clock steps back and across a restart seeded with the last id', () => {
    const g = new MonotonicUuidV7();
    const ids = [g.next(2_000_000), g.next(2_000_000), g.next(1_000_000), g.next(2_000_001)];
    const again = new MonotonicUuidV7(ids[3]);
    ids.push(again.next(500), again.next(3_000_000));
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).toBe(true);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
