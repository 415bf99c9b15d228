import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openTransport, PrinterError, TransportPrinter } from '../../hardware/printer/index.js';
import type { PrinterDevice } from '../../hardware/printer/device.js';
import { SPOOLER_SCRIPT, WindowsSpoolerTransport, type SpawnResult, type Spawner } from '../../hardware/printer/windows-spooler.js';
import { printerFromSetting } from '../../src/shell/printer-config.js';

/**
 * Windows printing through the spooler (RAW) with a fake spawner standing in for
 * powershell.exe: the command line, what reaches the script (printer name, the
 * bytes), each answer of the script as a Russian error and a printer state. The
 * C# inside the script is compiled with Mono's mcs when it is installed (CI).
 */

let dir: string;
beforeAll(() => { dir = mkdtempSync(path.join(tmpdir(), 'canteen-spool-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Call { command: string; args: string[]; printer: string | undefined; file: string | undefined; bytes?: Buffer; mode?: number }

/** A spawner that records the call and answers like the script would. */
function fakeSpawner(answer: string | ((c: Call) => SpawnResult)): { spawn: Spawner; calls: Call[] } {
  const calls: Call[] = [];
  const spawn: Spawner = async (command, args, opts) => {
    const file = opts.env.CANTEEN_SPOOL_FILE;
    const call: Call = { command, args, printer: opts.env.CANTEEN_SPOOL_PRINTER, file };
    if (file) { call.bytes = readFileSync(file); call.mode = statSync(file).mode & 0o777; }
    calls.push(call);
    return typeof answer === 'function' ? answer(call) : { code: 0, stdout: `${answer}\r\n`, stderr: '' };
  };
  return { spawn, calls };
}

const RECEIPT = Uint8Array.from([0x1b, 0x40, 0x1b, 0x74, 17, 0x8f, 0xe0, 0xa8, 0xa2, 0xa5, 0xe2, 0x0a, 0x1d, 0x56, 0x01]);
const NAME = "Star TSP143 (кухня) 'A' \"B\" $env:PATH; & calc";

describe('WindowsSpoolerTransport', () => {
  it('runs PowerShell with the winspool script encoded, the printer name and a 0600 byte file in the environment, and deletes the file', async () => {
    const { spawn, calls } = fakeSpawner(`CANTEEN ok 0 ${RECEIPT.length}`);
    const t = new WindowsSpoolerTransport(NAME, { spawn, tmpDir: dir });
    await t.write(RECEIPT);
    expect(calls).toHaveLength(1);
    const c = calls[0]!;
    expect(c.command).toBe('powershell.exe');
    expect(c.args.slice(0, 5)).toEqual(['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-EncodedCommand']);
    const script = Buffer.from(c.args[5]!, 'base64').toString('utf16le');
    expect(script).toBe(SPOOLER_SCRIPT);
    for (const s of ['OpenPrinterW', 'StartDocPrinterW', 'di.pDataType = "RAW"', 'WritePrinter', 'EndDocPrinter', '$env:CANTEEN_SPOOL_PRINTER', '$env:CANTEEN_SPOOL_FILE']) expect(script).toContain(s);
    // The name is never part of the command: quotes, $ and & cannot do anything.
    expect(c.args.join(' ')).not.toContain('TSP143');
    expect(c.printer).toBe(NAME);
    expect([...c.bytes!]).toEqual([...RECEIPT]);
    if (process.platform !== 'win32') expect(c.mode).toBe(0o600);
    expect(existsSync(c.file!)).toBe(false);
    expect(t.description).toBe(`принтер Windows «${NAME}» (RAW)`);
    // Its state is what the job found (no second PowerShell for the queue's status check).
    expect((await t.status()).state).toBe('ready');
    expect(calls).toHaveLength(1);
  });

  const errors: [string, RegExp, string][] = [
    ['CANTEEN missing 1801 0', /Принтер «X» не найден в Windows.*\(ошибка 1801\)/, 'offline'],
    ['CANTEEN paused 0 0', /Печать на принтер «X» приостановлена в Windows: откройте очередь печати и снимите паузу/, 'offline'],
    ['CANTEEN offline 0 0', /Принтер «X» не в сети: .*«Работать автономно»/, 'offline'],
    ['CANTEEN paperOut 0 0', /В принтере «X» нет бумаги/, 'paperOut'],
    ['CANTEEN coverOpen 0 0', /открыта крышка/, 'coverOpen'],
    ['CANTEEN startDoc 1804 0', /Windows не принял задание для «X» \(ошибка 1804\): проверьте, что драйвер принимает RAW/, 'offline'],
  ];
  it.each(errors)('%s → a Russian error, the job not taken, the printer state set', async (answer, message, state) => {
    const { spawn, calls } = fakeSpawner(answer);
    const printer: PrinterDevice = new TransportPrinter(new WindowsSpoolerTransport('X', { spawn, tmpDir: dir }), 'escpos', 48);
    const err = await printer.print(RECEIPT, { lines: [] }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(PrinterError);
    expect((err as Error).message).toMatch(message);
    expect((await printer.status()).state).toBe(state);
    expect(existsSync(calls[0]!.file!)).toBe(false);
  });

  it('no PowerShell, a timeout, or a script that fails: said so, with the first line of its error', async () => {
    const enoent = Object.assign(new Error('spawn powershell.exe ENOENT'), { code: 'ENOENT' });
    let t = new WindowsSpoolerTransport('X', { spawn: fakeSpawner(() => ({ code: null, stdout: '', stderr: '', error: enoent })).spawn, tmpDir: dir });
    await expect(t.write(RECEIPT)).rejects.toThrow('Не запускается PowerShell для печати на «X»: spawn powershell.exe ENOENT');
    const killed = Object.assign(new Error('killed'), { killed: true });
    t = new WindowsSpoolerTransport('X', { spawn: fakeSpawner(() => ({ code: null, stdout: '', stderr: '', error: killed })).spawn, tmpDir: dir });
    await expect(t.write(RECEIPT)).rejects.toThrow('нет ответа от диспетчера печати Windows');
    t = new WindowsSpoolerTransport('X', { spawn: fakeSpawner(() => ({ code: 1, stdout: '', stderr: '\r\nAdd-Type : Cannot add type. Compilation errors occurred.\r\nmore' })).spawn, tmpDir: dir });
    await expect(t.write(RECEIPT)).rejects.toThrow('Печать на «X» не удалась: Add-Type : Cannot add type. Compilation errors occurred.');
  });

  it('asks the spooler for the state without a file, at most every statusEveryMs', async () => {
    let now = 0;
    let answer = 'CANTEEN paused 0 0';
    const { spawn, calls } = fakeSpawner(() => ({ code: 0, stdout: answer, stderr: '' }));
    const t = new WindowsSpoolerTransport('X', { spawn, tmpDir: dir, statusEveryMs: 10_000, now: () => now });
    expect((await t.status()).state).toBe('offline');
    expect(calls[0]!.file).toBe('');
    now = 5_000;
    answer = 'CANTEEN ready 0 0';
    expect((await t.status()).state).toBe('offline');
    now = 10_001;
    expect((await t.status()).state).toBe('ready');
    expect(calls).toHaveLength(2);
  });

  it('is chosen by CANTEEN_PRINTER=windows:NAME and by openTransport', () => {
    const p = printerFromSetting('windows:Star TSP100 Cutter (TSP143)', 'raster', '80');
    expect('error' in p).toBe(false);
    expect((p as TransportPrinter).description).toBe('принтер Windows «Star TSP100 Cutter (TSP143)» (RAW)');
    expect(openTransport({ windowsPrinter: 'POS-80' })).toBeInstanceOf(WindowsSpoolerTransport);
    expect(printerFromSetting('winspool:X')).toMatchObject({ error: expect.stringContaining('windows:ИМЯ ПРИНТЕРА') });
  });
});

describe('the C# in the script', () => {
  const mcs = (() => { try { execFileSync('mcs', ['--version'], { stdio: 'ignore' }); return true; } catch { return false; } })();
  if (!mcs && process.env.CI !== 'true') console.log('printer-windows-spooler: mcs (apt mono-mcs) not installed, the C# compile check is skipped');
  it.skipIf(!mcs && process.env.CI !== 'true')('compiles (Mono mcs; the P/Invoke signatures are checked for syntax and types, not run)', () => {
    const cs = /@'\n([\s\S]*?)\n'@/.exec(SPOOLER_SCRIPT)![1]!;
    const src = path.join(dir, 'raw.cs');
    writeFileSync(src, cs);
    execFileSync('mcs', ['-target:library', '-nologo', '-warnaserror+', `-out:${path.join(dir, 'raw.dll')}`, src], { stdio: 'pipe' });
    expect(statSync(path.join(dir, 'raw.dll')).size).toBeGreaterThan(1000);
  });
});
