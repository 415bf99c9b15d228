import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PrinterStatus } from './status.js';
import { summarize } from './status.js';

/**
 * Raw bytes to a printer installed in Windows, through the spooler with the RAW
 * datatype (the driver does not touch them: ESC/POS and Star commands reach the
 * printer as built). No native module and no compiler on the till: Windows'
 * own PowerShell compiles a small C# P/Invoke of winspool.drv with Add-Type
 * (csc ships with the .NET Framework that every Windows 10 has) and calls
 * OpenPrinter → GetPrinter(2) (paused, offline, error) → StartDocPrinter("RAW")
 * → WritePrinter → EndDocPrinter. The bytes go through a temporary file (0600,
 * deleted after); the printer name and the file path go in environment
 * variables, so nothing is ever quoted into the script. The answer is one line
 * `CANTEEN <code> <win32 error> <bytes>`; see docs/hardware-printer.md.
 */

export const SPOOLER_SCRIPT = String.raw`$ErrorActionPreference = 'Stop'
Add-Type -TypeDefinition @'
using System;
using System.Runtime.InteropServices;
public static class CanteenRawPrint {
  [StructLayout(LayoutKind.Sequential, CharSet = CharSet.Unicode)]
  public class DOCINFO { public string pDocName; public string pOutputFile; public string pDataType; }
  [DllImport("winspool.drv", EntryPoint = "OpenPrinterW", SetLastError = true, CharSet = CharSet.Unicode)]
  public static extern bool OpenPrinter(string name, out IntPtr h, IntPtr defaults);
  [DllImport("winspool.drv", SetLastError = true)] public static extern bool ClosePrinter(IntPtr h);
  [DllImport("winspool.drv", EntryPoint = "GetPrinterW", SetLastError = true, CharSet = CharSet.Unicode)]
  public static extern bool GetPrinter(IntPtr h, int level, IntPtr buf, int size, out int needed);
  [DllImport("winspool.drv", EntryPoint = "StartDocPrinterW", SetLastError = true, CharSet = CharSet.Unicode)]
  public static extern int StartDocPrinter(IntPtr h, int level, [In] DOCINFO di);
  [DllImport("winspool.drv", SetLastError = true)] public static extern bool EndDocPrinter(IntPtr h);
  [DllImport("winspool.drv", SetLastError = true)] public static extern bool StartPagePrinter(IntPtr h);
  [DllImport("winspool.drv", SetLastError = true)] public static extern bool EndPagePrinter(IntPtr h);
  [DllImport("winspool.drv", SetLastError = true)] public static extern bool WritePrinter(IntPtr h, IntPtr buf, int count, out int written);
  static string Answer(string code, int err, int n) { return "CANTEEN " + code + " " + err + " " + n; }
  public static string Run(string printer, string file) {
    IntPtr h;
    if (!OpenPrinter(printer, out h, IntPtr.Zero)) return Answer("missing", Marshal.GetLastWin32Error(), 0);
    try {
      int needed;
      GetPrinter(h, 2, IntPtr.Zero, 0, out needed);
      if (needed > 0) {
        IntPtr info = Marshal.AllocHGlobal(needed);
        try {
          if (GetPrinter(h, 2, info, needed, out needed)) {
            // PRINTER_INFO_2: 13 pointers, then Attributes, Priority, DefaultPriority, StartTime, UntilTime, Status.
            int attributes = Marshal.ReadInt32(info, 13 * IntPtr.Size);
            int status = Marshal.ReadInt32(info, 13 * IntPtr.Size + 20);
            if ((status & 0x1) != 0) return Answer("paused", 0, 0);
            if ((attributes & 0x400) != 0 || (status & 0x80) != 0) return Answer("offline", 0, 0);
            if ((status & 0x10) != 0 || (status & 0x40) != 0) return Answer("paperOut", 0, 0);
            if ((status & 0x400000) != 0) return Answer("coverOpen", 0, 0);
            if ((status & 0x2) != 0 || (status & 0x8) != 0) return Answer("error", 0, 0);
          }
        } finally { Marshal.FreeHGlobal(info); }
      }
      if (file == null || file.Length == 0) return Answer("ready", 0, 0);
      byte[] data = System.IO.File.ReadAllBytes(file);
      DOCINFO di = new DOCINFO();
      di.pDocName = "canteen"; di.pDataType = "RAW";
      if (StartDocPrinter(h, 1, di) == 0) return Answer("startDoc", Marshal.GetLastWin32Error(), 0);
      int total = 0;
      try {
        if (!StartPagePrinter(h)) return Answer("write", Marshal.GetLastWin32Error(), 0);
        IntPtr buf = Marshal.AllocHGlobal(data.Length);
        try {
          Marshal.Copy(data, 0, buf, data.Length);
          while (total < data.Length) {
            int written;
            if (!WritePrinter(h, IntPtr.Add(buf, total), data.Length - total, out written) || written <= 0) return Answer("write", Marshal.GetLastWin32Error(), total);
            total += written;
          }
        } finally { Marshal.FreeHGlobal(buf); EndPagePrinter(h); }
      } finally { EndDocPrinter(h); }
      return Answer("ok", 0, total);
    } finally { ClosePrinter(h); }
  }
}
'@
[Console]::Out.WriteLine([CanteenRawPrint]::Run($env:CANTEEN_SPOOL_PRINTER, $env:CANTEEN_SPOOL_FILE))
`;

export interface SpawnResult { code: number | null; stdout: string; stderr: string; error?: NodeJS.ErrnoException }
export type Spawner = (command: string, args: string[], opts: { env: NodeJS.ProcessEnv; timeoutMs: number }) => Promise<SpawnResult>;

export const execSpawner: Spawner = (command, args, opts) => new Promise((resolve) => {
  execFile(command, args, { env: opts.env, timeout: opts.timeoutMs, windowsHide: true, maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
    const e = error as (NodeJS.ErrnoException & { code?: string | number }) | null;
    resolve({ code: e ? (typeof e.code === 'number' ? e.code : null) : 0, stdout: String(stdout), stderr: String(stderr), ...(e ? { error: e } : {}) });
  });
});

/** The PowerShell command line: the script as -EncodedCommand (UTF-16LE base64), so no quoting of any kind. */
export function spoolerCommand(): { command: string; args: string[] } {
  return {
    command: 'powershell.exe',
    args: ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-EncodedCommand', Buffer.from(SPOOLER_SCRIPT, 'utf16le').toString('base64')],
  };
}

export type SpoolerAnswer = 'ok' | 'ready' | 'missing' | 'paused' | 'offline' | 'paperOut' | 'coverOpen' | 'error' | 'startDoc' | 'write';

export class SpoolerError extends Error {
  constructor(message: string, readonly answer: SpoolerAnswer | 'spawn' | 'timeout' | 'unknown') { super(message); }
}

/** Russian, for the cashier and the installer: what is wrong and what to do. */
export function spoolerMessage(printer: string, answer: SpoolerAnswer | 'spawn' | 'timeout' | 'unknown', detail = ''): string {
  const p = `«${printer}»`;
  switch (answer) {
    case 'missing': return `Принтер ${p} не найден в Windows: проверьте имя в «Параметры → Принтеры и сканеры»${detail ? ` (ошибка ${detail})` : ''}`;
    case 'paused': return `Печать на принтер ${p} приостановлена в Windows: откройте очередь печати и снимите паузу`;
    case 'offline': return `Принтер ${p} не в сети: включите его, проверьте кабель, снимите «Работать автономно» в очереди печати`;
    case 'paperOut': return `В принтере ${p} нет бумаги`;
    case 'coverOpen': return `У принтера ${p} открыта крышка`;
    case 'error': return `Принтер ${p} сообщает об ошибке: откройте очередь печати Windows`;
    case 'startDoc': return `Windows не принял задание для ${p}${detail ? ` (ошибка ${detail})` : ''}: проверьте, что драйвер принимает RAW`;
    case 'write': return `Не все данные ушли на принтер ${p}${detail ? ` (ошибка ${detail})` : ''}`;
    case 'spawn': return `Не запускается PowerShell для печати на ${p}${detail ? `: ${detail}` : ''}`;
    case 'timeout': return `Печать на ${p}: нет ответа от диспетчера печати Windows`;
    default: return `Печать на ${p} не удалась${detail ? `: ${detail}` : ''}`;
  }
}

export interface SpoolerOptions {
  spawn?: Spawner;
  /** Folder for the temporary byte file (default the OS temp folder). */
  tmpDir?: string;
  timeoutMs?: number;
  /** A status check at most this often (ms; PowerShell costs ~0.5 s of CPU). Default 30 s. */
  statusEveryMs?: number;
  now?: () => number;
}

/** Runs the script once: with `bytes`, prints; without, only reads the printer's state. */
export async function runSpooler(printer: string, bytes: Uint8Array | undefined, o: SpoolerOptions = {}): Promise<{ answer: SpoolerAnswer; written: number }> {
  const spawn = o.spawn ?? execSpawner;
  let file = '';
  if (bytes) {
    file = path.join(o.tmpDir ?? os.tmpdir(), `canteen-print-${randomUUID()}.bin`);
    await fsp.writeFile(file, bytes, { mode: 0o600 });
  }
  try {
    const { command, args } = spoolerCommand();
    const r = await spawn(command, args, { env: { ...process.env, CANTEEN_SPOOL_PRINTER: printer, CANTEEN_SPOOL_FILE: file }, timeoutMs: o.timeoutMs ?? 30_000 });
    if (r.error && (r.error.code === 'ENOENT' || r.error.code === 'EACCES')) throw new SpoolerError(spoolerMessage(printer, 'spawn', r.error.message), 'spawn');
    if (r.error && (r.error as { killed?: boolean }).killed) throw new SpoolerError(spoolerMessage(printer, 'timeout'), 'timeout');
    const m = /CANTEEN (\w+) (-?\d+) (\d+)/.exec(r.stdout);
    if (!m) {
      const why = r.stderr.split(/\r?\n/).map((l) => l.trim()).find((l) => l.length > 0) ?? `код ${r.code ?? '?'}`;
      throw new SpoolerError(spoolerMessage(printer, 'unknown', why.slice(0, 200)), 'unknown');
    }
    const answer = m[1] as SpoolerAnswer;
    const err = m[2] === '0' ? '' : m[2]!;
    if (answer === 'ok' || answer === 'ready') return { answer, written: Number(m[3]) };
    throw new SpoolerError(spoolerMessage(printer, answer, err), answer);
  } finally {
    if (file) await fsp.rm(file, { force: true });
  }
}

/** A spooler answer as the print queue's printer state. */
export function statusOf(answer: string): PrinterStatus {
  return summarize({
    // Whatever else went wrong (missing, paused, no PowerShell, a refused job) stops printing: the queue backs off and retries.
    offline: !['ok', 'ready', 'paperOut', 'coverOpen'].includes(answer),
    paperOut: answer === 'paperOut', paperNearEnd: false, coverOpen: answer === 'coverOpen', error: answer === 'error',
  });
}

/**
 * A printer installed in Windows (its name as in «Принтеры и сканеры»): each
 * job is one spooler document in RAW. Its state is what the last job or check
 * found; a check runs at most every `statusEveryMs` (the queue asks before every
 * job and polls while the printer is not ready).
 */
export class WindowsSpoolerTransport {
  readonly description: string;
  private last: { at: number; status: PrinterStatus } | undefined;
  constructor(readonly printerName: string, private readonly opts: SpoolerOptions = {}) {
    this.description = `принтер Windows «${printerName}» (RAW)`;
  }
  private now(): number { return this.opts.now?.() ?? Date.now(); }

  async write(bytes: Uint8Array): Promise<void> {
    try {
      await runSpooler(this.printerName, bytes, this.opts);
      this.last = { at: this.now(), status: statusOf('ready') };
    } catch (err) {
      this.last = { at: this.now(), status: statusOf(err instanceof SpoolerError ? err.answer : 'unknown') };
      throw err;
    }
  }

  async status(): Promise<PrinterStatus> {
    if (this.last && this.now() - this.last.at < (this.opts.statusEveryMs ?? 30_000)) return this.last.status;
    try {
      await runSpooler(this.printerName, undefined, this.opts);
      this.last = { at: this.now(), status: statusOf('ready') };
    } catch (err) {
      this.last = { at: this.now(), status: statusOf(err instanceof SpoolerError ? err.answer : 'unknown') };
    }
    return this.last.status;
  }

  async close(): Promise<void> {}
}
