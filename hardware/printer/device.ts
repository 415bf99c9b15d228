import type { Profile } from './encode.js';
import type { RasterDialect } from './raster.js';
import type { PrinterTransport } from './transports.js';
import {
  asbLength, ESCPOS_STATUS_QUERIES, parseEscposStatus, parseStarAsb, STAR_STATUS_QUERY, summarize, type PrinterStatus,
} from './status.js';

/** What the print queue drives: a real printer over a transport, or a simulated one. */
export interface PrinterDevice {
  readonly simulated: boolean;
  readonly profile: Profile;
  readonly columns: number;
  readonly rasterDialect?: RasterDialect;
  readonly description: string;
  status(): Promise<PrinterStatus>;
  /** Resolves once the bytes are handed to the printer; rejects (PrinterError) when they were not. `lines` is what they show. */
  print(bytes: Uint8Array, meta: { jobId?: string; lines: string[] }): Promise<void>;
  close(): Promise<void>;
}

export class PrinterError extends Error {
  constructor(message: string, readonly status?: PrinterStatus) { super(message); }
}

const UNKNOWN: PrinterStatus = { state: 'unknown', paperOut: false, paperNearEnd: false, coverOpen: false, offline: false, error: false };

export class TransportPrinter implements PrinterDevice {
  readonly simulated = false;
  constructor(
    readonly transport: PrinterTransport,
    readonly profile: Profile,
    readonly columns: number,
    readonly rasterDialect: RasterDialect = 'star',
    private readonly statusTimeoutMs = 1000,
  ) {}

  get description(): string { return this.transport.description; }

  /** Star dialects and Star raster ask for an ASB; ESC/POS (and GS v 0 raster) sends DLE EOT 1, 2, 4. */
  private get star(): boolean {
    return this.profile === 'star-line' || this.profile === 'star-prnt' || (this.profile === 'raster' && this.rasterDialect === 'star');
  }

  async status(): Promise<PrinterStatus> {
    const t = this.transport;
    if (t.status) return t.status();
    if (!t.query) return UNKNOWN;
    try {
      if (this.star) {
        const asb = await t.query(STAR_STATUS_QUERY, (got) => got.length >= 1 && got.length >= asbLength(got[0]!), this.statusTimeoutMs);
        return asb ? parseStarAsb(asb) : summarize({ offline: true, paperOut: false, paperNearEnd: false, coverOpen: false, error: false });
      }
      const answers: (number | undefined)[] = [];
      for (const q of ESCPOS_STATUS_QUERIES) {
        const a = await t.query(q, (got) => got.length >= 1, this.statusTimeoutMs);
        answers.push(a?.[0]);
        if (!a) break;
      }
      return parseEscposStatus(answers[0], answers[1], answers[2]);
    } catch {
      return summarize({ offline: true, paperOut: false, paperNearEnd: false, coverOpen: false, error: false });
    }
  }

  async print(bytes: Uint8Array): Promise<void> {
    try { await this.transport.write(bytes); } catch (err) {
      throw new PrinterError(`Принтер не принял чек: ${(err as Error).message}`);
    }
  }

  close(): Promise<void> { return this.transport.close(); }
}
