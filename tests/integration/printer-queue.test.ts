import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openTerminalDb } from '../../src/terminal/db/open.js';
import { MemoryPrintJobStore, PrintQueue, SqlitePrintJobStore, type PrintJobStore } from '../../src/terminal/print-queue.js';
import { FilePrinter, SimulatedPrinter } from '../../hardware/printer/simulated.js';
import { demoReceipt, demoShiftReport } from '../../hardware/printer/demo.js';
import type { PrinterState } from '../../src/api/pos-api.js';

/** Waits for a condition driven by the queue's worker; fails the test after 10 s. */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('condition not reached');
}

const receipt = (n: number) => demoReceipt({ number: `24-0151${String(n).padStart(2, '0')}`, cabinetLogin: undefined });
const numbersPrinted = (p: SimulatedPrinter) => p.printed.map((j) => j.lines.find((l) => l.startsWith('Чек №'))!.slice(5, 14));

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

function makeQueue(store: PrintJobStore, printer: SimulatedPrinter, states?: PrinterState[]): PrintQueue {
  const q = new PrintQueue({ store, printer, retryInitialMs: 2, retryMaxMs: 10, ...(states ? { onState: (s) => states.push(s) } : {}) });
  cleanups.push(() => q.stop());
  return q;
}

describe('print queue', () => {
  it('a sale never waits: enqueue returns while the printer is offline; each receipt prints once when it returns', async () => {
    const printer = new SimulatedPrinter('escpos', 32);
    printer.setFaults({ offline: true });
    const states: PrinterState[] = [];
    const q = makeQueue(new MemoryPrintJobStore(), printer, states);
    q.start();
    const ids = [1, 2, 3].map((n) => q.enqueue({ kind: 'receipt', payload: receipt(n), receiptId: `r${n}` }));
    q.kick();
    expect(ids).toHaveLength(3);
    await until(() => q.state().state === 'offline');
    expect(q.state()).toMatchObject({ state: 'offline', queued: 3, simulated: true });
    expect(q.state().message).toMatch(/Принтер не отвечает.*В очереди чеков: 3/);
    expect(states.some((s) => s.state === 'offline')).toBe(true);
    expect(printer.printed).toHaveLength(0);

    printer.setFaults({ offline: false });
    await q.idle();
    expect(numbersPrinted(printer)).toEqual(['24-015101', '24-015102', '24-015103']);
    expect(q.state()).toMatchObject({ state: 'ready', queued: 0 });
    // Nothing more is printed later.
    q.kick();
    await new Promise((r) => setTimeout(r, 30));
    expect(printer.printed).toHaveLength(3);
  });

  it('paper out mid-queue: the rest waits and prints in order after a new roll, nothing twice', async () => {
    const printer = new SimulatedPrinter('star-line', 48);
    printer.paperLeftForJobs = 1;
    const q = makeQueue(new MemoryPrintJobStore(), printer);
    q.start();
    for (const n of [1, 2, 3]) q.enqueue({ kind: 'receipt', payload: receipt(n) });
    q.kick();
    await until(() => q.state().state === 'paperOut');
    expect(numbersPrinted(printer)).toEqual(['24-015101']);
    expect(q.state()).toMatchObject({ state: 'paperOut', queued: 2 });
    expect(q.state().message).toMatch(/кончилась бумага/);

    printer.paperLeftForJobs = undefined;
    printer.setFaults({ paperOut: false });
    q.kick();
    await q.idle();
    expect(numbersPrinted(printer)).toEqual(['24-015101', '24-015102', '24-015103']);
    expect(printer.printed.every((j) => !j.lines.some((l) => l.includes('КОПИЯ')))).toBe(true);
    const jobs = q.jobs();
    expect(jobs.every((j) => j.status === 'printed')).toBe(true);
    expect(jobs.find((j) => j.attempts > 1)).toBeDefined(); // the one that hit the empty roll was retried
  });

  it('reprints are new jobs marked as copies; reports and cabinet logins print too', async () => {
    const printer = new SimulatedPrinter('escpos', 32);
    const q = makeQueue(new MemoryPrintJobStore(), printer);
    q.start();
    const first = q.enqueue({ kind: 'receipt', payload: receipt(7) });
    q.enqueue({ kind: 'report', payload: demoShiftReport('Z') });
    q.enqueue({ kind: 'cabinetLogin', payload: demoReceipt({ kind: 'cabinetLogin', lines: [], total: 0, balanceAfter: undefined }) });
    q.kick();
    await q.idle();
    const again = q.reprint(first)!;
    expect(again).not.toBe(first);
    await q.idle();
    expect(printer.printed).toHaveLength(4);
    expect(printer.printed[0]!.lines.some((l) => l.includes('КОПИЯ'))).toBe(false);
    expect(printer.printed[1]!.lines.map((l) => l.trim())).toContain('Z-ОТЧЁТ');
    expect(printer.printed[2]!.lines).toContain('Логин: 0242013137');
    expect(printer.printed[3]!.lines[0]!.trim()).toBe('*** КОПИЯ ***');
    expect(printer.printed[3]!.lines).toContain('Чек №24-015107  15.03.2018 10:42');
  });

  it('a job whose payload cannot be laid out is set aside and the queue goes on', async () => {
    const printer = new SimulatedPrinter('escpos', 32);
    const q = makeQueue(new MemoryPrintJobStore(), printer);
    q.start();
    const bad = q.enqueue({ kind: 'receipt', payload: { nonsense: true } });
    q.enqueue({ kind: 'receipt', payload: receipt(9) });
    q.kick();
    await q.idle();
    expect(numbersPrinted(printer)).toEqual(['24-015109']);
    expect(q.jobs().find((j) => j.id === bad)).toMatchObject({ status: 'failed' });
  });
});

describe('print queue in the terminal database', () => {
  it('survives a restart: waiting jobs print once, a job caught mid-print comes back as a copy, printed jobs never again', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'canteen-printq-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const dbPath = path.join(dir, 'terminal.db');

    // First run: one receipt prints, then the printer goes offline; two sales wait.
    let { sqlite } = openTerminalDb(dbPath);
    const printer1 = new SimulatedPrinter('escpos', 48);
    const q1 = new PrintQueue({ store: new SqlitePrintJobStore(sqlite), printer: printer1, retryInitialMs: 2, retryMaxMs: 10 });
    q1.start();
    // Enqueued inside a transaction, as the sale does.
    sqlite.transaction(() => q1.enqueue({ kind: 'receipt', payload: receipt(1), receiptId: 'r1' }))();
    q1.kick();
    await q1.idle();
    printer1.setFaults({ offline: true });
    const waiting = [2, 3].map((n) => sqlite.transaction(() => q1.enqueue({ kind: 'receipt', payload: receipt(n), receiptId: `r${n}` }))());
    q1.kick();
    await until(() => q1.state().state === 'offline');
    await q1.stop();
    // Crash while job 2 was being sent: its row says "printing".
    sqlite.prepare(`UPDATE print_jobs SET status = 'printing' WHERE id = ?`).run(waiting[0]);
    sqlite.close();

    // Restart with the printer back.
    ({ sqlite } = openTerminalDb(dbPath));
    cleanups.push(() => { sqlite.close(); });
    const outDir = path.join(dir, 'printed');
    const printer2 = new FilePrinter(outDir, 'escpos', 48);
    const q2 = makeQueue(new SqlitePrintJobStore(sqlite), printer2);
    expect(q2.state().queued).toBe(2);
    q2.start();
    await q2.idle();
    expect(numbersPrinted(printer2)).toEqual(['24-015102', '24-015103']);
    expect(printer2.printed[0]!.lines[0]!.trim()).toBe('*** КОПИЯ ***');
    expect(printer2.printed[1]!.lines.some((l) => l.includes('КОПИЯ'))).toBe(false);
    const rows = sqlite.prepare(`SELECT receipt_id, status, copy, printed_at FROM print_jobs ORDER BY created_at, id`).all() as { receipt_id: string; status: string; copy: number; printed_at: string }[];
    expect(rows.map((r) => [r.receipt_id, r.status, r.copy])).toEqual([['r1', 'printed', 0], ['r2', 'printed', 1], ['r3', 'printed', 0]]);
    expect(rows.every((r) => r.printed_at)).toBe(true);

    // The file printer left bytes and decoded text for each job.
    const files = readdirSync(outDir).sort();
    expect(files.filter((f) => f.endsWith('.bin'))).toHaveLength(2);
    const txt = readFileSync(path.join(outDir, files.find((f) => f.endsWith('.txt'))!), 'utf8');
    expect(txt).toContain('Чек №24-015102');
    expect(printer2.lastText()).toContain('ИТОГО                                      96,35');
  });

  it('a rolled-back sale leaves no print job', () => {
    const { sqlite } = openTerminalDb(':memory:');
    cleanups.push(() => { sqlite.close(); });
    const q = makeQueue(new SqlitePrintJobStore(sqlite), new SimulatedPrinter());
    expect(() => sqlite.transaction(() => { q.enqueue({ kind: 'receipt', payload: receipt(1) }); throw new Error('sale failed'); })()).toThrow('sale failed');
    expect(q.state().queued).toBe(0);
  });
});
