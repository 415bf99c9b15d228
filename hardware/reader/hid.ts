import { AsciiReportDecoder, KeyReportDecoder, type HidDecoder } from './hid-decode.js';
import type { ConnectOutcome, Link, ReconnectOptions } from './reconnecting.js';
import { LazyDriver, ReconnectingReader } from './reconnecting.js';

/** The part of node-hid the reader uses (HIDAsync). */
export interface HidDevice {
  on(event: 'data', cb: (report: Buffer) => void): unknown;
  on(event: 'error', cb: (err: Error) => void): unknown;
  close(): Promise<void>;
}
export interface HidDriver {
  devices(vendorId: number, productId: number): Promise<{ path?: string }[]>;
  open(vendorId: number, productId: number): Promise<HidDevice>;
}

/**
 * Loads node-hid only when a HID reader is configured: it needs libusb-1.0 at run
 * time, and a terminal without it must still start (the reader shows the reason).
 */
export async function loadHidDriver(): Promise<HidDriver> {
  try {
    const hid = (await import('node-hid')) as unknown as {
      devicesAsync(v: number, p: number): Promise<{ path?: string }[]>;
      HIDAsync: { open(v: number, p: number): Promise<HidDevice> };
    };
    return { devices: (v, p) => hid.devicesAsync(v, p), open: (v, p) => hid.HIDAsync.open(v, p) };
  } catch (err) {
    throw new Error(`Драйвер HID недоступен (нужна библиотека libusb-1.0): ${(err as Error).message}`, { cause: err });
  }
}

export interface HidReaderOptions extends ReconnectOptions {
  vendorId: number;
  productId: number;
  decode: 'ascii' | 'keys';
  driver?: HidDriver;
  /** A line with no terminator ends after this much quiet. */
  quietMs?: number;
}

/** A USB vendor or product id as lsusb shows it: 0x0403 → "0403". */
export const hex4 = (n: number): string => n.toString(16).padStart(4, '0');

/**
 * A generic USB HID card reader. node-hid cannot open keyboard-class devices
 * (the OS owns them), so a reader that presents itself as a keyboard is a
 * keyboard wedge and is handled in the renderer by wedge.ts instead.
 */
export class HidReader extends ReconnectingReader {
  readonly kind = 'hid' as const;
  private readonly driver: LazyDriver<HidDriver>;
  private quiet: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly opts: HidReaderOptions) {
    super(opts);
    this.driver = new LazyDriver(opts.driver, loadHidDriver);
  }

  private get name(): string { return `hid:${hex4(this.opts.vendorId)}:${hex4(this.opts.productId)}`; }

  protected async connect(): Promise<ConnectOutcome> {
    const loaded = await this.driver.get();
    if ('error' in loaded) return loaded;
    const driver = loaded.driver;
    const { vendorId, productId } = this.opts;
    try {
      const found = await driver.devices(vendorId, productId);
      if (found.length === 0) return { error: `HID-считыватель ${this.name} не найден` };
    } catch (err) {
      return { error: `Не удалось получить список HID-устройств: ${(err as Error).message}` };
    }
    let dev: HidDevice;
    try { dev = await driver.open(vendorId, productId); } catch (err) {
      const msg = (err as Error).message;
      return { error: /permission|access/i.test(msg)
        ? `Нет доступа к HID-считывателю ${this.name}: нужно правило udev (см. docs/hardware-reader.md)`
        : `Не удалось открыть HID-считыватель ${this.name}: ${msg}` };
    }
    const decoder: HidDecoder = this.opts.decode === 'keys' ? new KeyReportDecoder() : new AsciiReportDecoder();
    let closing = false;
    const link: Link = {
      port: this.name,
      close: async () => { closing = true; if (this.quiet) clearTimeout(this.quiet); await dev.close().catch(() => undefined); },
    };
    dev.on('data', (report) => {
      this.lines(decoder.push(report));
      if (this.quiet) clearTimeout(this.quiet);
      this.quiet = decoder.pending ? setTimeout(() => { this.quiet = null; this.lines(decoder.flush()); }, this.opts.quietMs ?? 100) : null;
    });
    // node-hid reports an unplugged device as a read error.
    dev.on('error', (err) => { if (!closing) this.lost(link, `HID-считыватель отключён: ${err.message}`); });
    return { link };
  }

  private lines(lines: string[]): void {
    for (const l of lines) this.deliver(this.pipeline.pushLine(l));
  }
}
