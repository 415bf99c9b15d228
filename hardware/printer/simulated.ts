import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Profile } from './encode.js';
import type { PrinterDevice } from './device.js';
import { PrinterError } from './device.js';
import { decodePrint, textLines } from './decode.js';
import type { RasterDialect } from './raster.js';
import { statusMessage, summarize, type PrinterStatus } from './status.js';

export interface PrintedJob { jobId?: string; bytes: Uint8Array; lines: string[] }
export type Faults = { paperOut: boolean; paperNearEnd: boolean; coverOpen: boolean; offline: boolean; error: boolean };

/**
 * A printer in memory with switchable faults (paper out, cover open, offline),
 * for tests and the demo. It keeps what it printed as decoded text: what the
 * cashier's preview shows and what a test reads back.
 */
export class SimulatedPrinter implements PrinterDevice {
  readonly simulated = true;
  readonly printed: PrintedJob[] = [];
  faults: Faults = { paperOut: false, paperNearEnd: false, coverOpen: false, offline: false, error: false };
  /** Paper runs out after this many more jobs (paper out mid-queue). */
  paperLeftForJobs?: number;
  description = 'симулятор принтера';

  constructor(readonly profile: Profile = 'escpos', readonly columns = 48, readonly rasterDialect: RasterDialect = 'star') {}

  setFaults(f: Partial<Faults>): void { this.faults = { ...this.faults, ...f }; }

  async status(): Promise<PrinterStatus> {
    return summarize(this.faults);
  }

  async print(bytes: Uint8Array, meta: { jobId?: string; lines: string[] }): Promise<void> {
    const s = await this.status();
    if (s.state !== 'ready' && s.state !== 'paperNearEnd') throw new PrinterError(statusMessage(s), s);
    if (this.paperLeftForJobs !== undefined) {
      if (this.paperLeftForJobs <= 0) { this.faults.paperOut = true; throw new PrinterError(statusMessage(await this.status())); }
      this.paperLeftForJobs--;
    }
    const job: PrintedJob = { jobId: meta.jobId, bytes, lines: this.decode(bytes, meta.lines) };
    this.printed.push(job);
    this.onPrinted(job);
  }

  protected onPrinted(_job: PrintedJob): void {}

  /** Text profiles are decoded from the bytes themselves; a raster image keeps the lines it was drawn from. */
  private decode(bytes: Uint8Array, lines: string[]): string[] {
    if (this.profile === 'raster') return lines;
    return textLines(decodePrint(bytes, this.profile === 'escpos' ? 'escpos' : 'star'));
  }

  async close(): Promise<void> {}
}

/** The demo's printer: each job's bytes and decoded text land in a folder (NNNN-<job>.bin / .txt). */
export class FilePrinter extends SimulatedPrinter {
  constructor(readonly dir: string, profile: Profile = 'escpos', columns = 48, rasterDialect: RasterDialect = 'star') {
    super(profile, columns, rasterDialect);
    mkdirSync(dir, { recursive: true });
    this.description = `папка ${dir}`;
  }
  protected override onPrinted(job: PrintedJob): void {
    const base = path.join(this.dir, `${String(this.printed.length).padStart(4, '0')}-${job.jobId ?? 'job'}`);
    writeFileSync(`${base}.bin`, job.bytes);
    writeFileSync(`${base}.txt`, job.lines.join('\n') + '\n');
  }
  /** The last receipt as text, for the UI preview. */
  lastText(): string[] | undefined { return this.printed[this.printed.length - 1]?.lines; }
}
