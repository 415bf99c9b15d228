import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEMO_CARDS } from '../../src/core/demo-school.js';
import { openTerminal, type Terminal } from '../../src/terminal/index.js';
import { PrintQueue, SqlitePrintJobStore } from '../../src/terminal/print-queue.js';
import { WAL_AUTOCHECKPOINT_PAGES } from '../../src/terminal/db/checkpoint.js';
import { SimulatedPrinter } from '../../hardware/printer/simulated.js';
import { TestClock } from './terminal-helpers.js';

const SALE = [{ itemId: 'dish-kasha-grech', quantity: 1 }, { itemId: 'dish-sok', quantity: 1 }];
let t: Terminal | undefined;
let q: PrintQueue | undefined;
afterEach(async () => { await q?.stop(); t?.close(); q = undefined; t = undefined; });

async function open(printer?: SimulatedPrinter): Promise<Terminal> {
  const dbPath = path.join(mkdtempSync(path.join(tmpdir(), 'canteen-printref-')), 'terminal.db');
  t = await openTerminal({ requireTap: false,
    dbPath, seed: true, clock: new TestClock(),
    ...(printer ? { printer: (sqlite) => (q = new PrintQueue({ store: new SqlitePrintJobStore(sqlite), printer, retryInitialMs: 2, retryMaxMs: 10 })) } : {}),
  });
  expect((await t.service.login('1111')).ok).toBe(true);
  expect((await t.service.openShift()).ok).toBe(true);
  return t;
}

describe('a sale\'s print job references its stored receipt (migration 0007)', () => {
  it('stores no copy of the receipt, and the queue prints the stored receipt', async () => {
    const printer = new SimulatedPrinter('escpos', 48);
    const term = await open(printer);
    q!.start();
    const r = await term.service.sell({ saleId: 'ref-1', cardId: DEMO_CARDS.ivanov, lines: SALE });
    if (!r.ok) throw new Error(r.error.message);
    // Right after the sale the job is implied by the receipt (no row yet, migration 0008) but already counted.
    expect(term.sqlite.prepare('SELECT count(*) FROM print_jobs').pluck().get()).toBe(0);
    expect(q!.state().queued).toBe(1);
    await q!.idle();
    const row = term.sqlite.prepare('SELECT payload, receipt_seq, receipt_id FROM print_jobs WHERE id = ?').get(r.value.printJobId);
    expect(row).toEqual({ payload: null, receipt_seq: 1, receipt_id: r.value.receiptId });
    expect(printer.printed).toHaveLength(1);
    expect(printer.printed.at(-1)!.lines.join('\n')).toContain(`Чек №${r.value.receiptNumber}`);
    expect(term.sqlite.prepare('SELECT status FROM print_jobs').pluck().get()).toBe('printed');
    // A reprint of the job carries the same document.
    const again = q!.reprint(r.value.printJobId!)!;
    await q!.idle();
    expect(printer.printed).toHaveLength(2);
    expect(printer.printed.at(-1)!.lines.join('\n')).toContain(`Чек №${r.value.receiptNumber}`);
    expect(printer.printed.at(-1)!.lines.join('\n')).toContain('КОПИЯ');
    const stored = await term.service.receipt(r.value.receiptId);
    expect(stored.ok && JSON.stringify(stored.value)).toBe(JSON.stringify(r.value.receipt));
    expect(new SqlitePrintJobStore(term.sqlite).get(again)!.payload).toBe(JSON.stringify(r.value.receipt));
    // Since migration 0008 the receipt is not stored as JSON: its doc is built from its row and lines.
    expect(term.sqlite.prepare('SELECT doc FROM receipts WHERE seq = 1').pluck().get()).toBeNull();
  });

  it('the pending-jobs index holds only jobs still to print', async () => {
    const term = await open();
    for (let i = 0; i < 3; i++) expect((await term.service.sell({ saleId: `ix-${i}`, cardId: DEMO_CARDS.ivanov, lines: SALE })).ok).toBe(true);
    const store = new SqlitePrintJobStore(term.sqlite);
    expect(store.pendingCount()).toBe(3);
    const first = store.nextQueued()!;
    expect(JSON.parse(first.payload).number).toBeDefined();
    store.markPrinting(first.id);
    store.markPrinted(first.id, new Date().toISOString());
    expect(store.pendingCount()).toBe(2);
    const plan = term.sqlite.prepare(`EXPLAIN QUERY PLAN SELECT id FROM print_jobs WHERE status IN ('queued','printing') AND status = 'queued' ORDER BY created_at, id LIMIT 1`).all() as { detail: string }[];
    expect(plan.map((p) => p.detail).join(' ')).toContain('print_jobs_pending_idx');
  });
});

describe('WAL checkpoints between sales, not in them', () => {
  it('auto-checkpoint is only a safety net; a PASSIVE checkpoint runs after ~1 s idle, never inside the sale', async () => {
    const term = await open();
    expect(term.sqlite.pragma('wal_autocheckpoint', { simple: true })).toBe(WAL_AUTOCHECKPOINT_PAGES);
    const spy = vi.spyOn(term.sqlite, 'pragma');
    const calls = () => spy.mock.calls.filter((c) => String(c[0]).startsWith('wal_checkpoint')).map((c) => c[0]);
    expect((await term.service.sell({ saleId: 'cp-1', cardId: DEMO_CARDS.ivanov, lines: SALE })).ok).toBe(true);
    expect(calls()).toEqual([]);
    await new Promise((r) => setTimeout(r, 400));
    expect((await term.service.sell({ saleId: 'cp-2', cardId: DEMO_CARDS.ivanov, lines: SALE })).ok).toBe(true);
    await new Promise((r) => setTimeout(r, 700)); // 1.1 s after the first sale, 0.7 s after the second: not idle yet
    expect(calls()).toEqual([]);
    await new Promise((r) => setTimeout(r, 600));
    expect(calls()).toEqual(['wal_checkpoint(PASSIVE)']);
    spy.mockRestore();
  });
});
