import type { ConnectOutcome, Link, ReconnectOptions } from './reconnecting.js';
import { DEFAULT_POLL_MS, LazyDriver, ReconnectingReader } from './reconnecting.js';

/** IronLogic Z-2 USB: an FTDI chip with IronLogic's own product id. */
export const Z2_VENDOR_ID = '0403';
export const Z2_PRODUCT_ID = '1234';
export const Z2_BAUD_RATE = 9600;

export interface SerialPortInfo {
  path: string;
  vendorId?: string;
  productId?: string;
  manufacturer?: string;
  serialNumber?: string;
  pnpId?: string;
}

/** The part of serialport's stream the reader uses. */
export interface SerialStream {
  readonly isOpen: boolean;
  on(event: 'data', cb: (chunk: Buffer) => void): unknown;
  on(event: 'close', cb: (err?: Error | null) => void): unknown;
  on(event: 'error', cb: (err: Error) => void): unknown;
  close(cb?: (err?: Error | null) => void): void;
}

/** How to list and open serial ports: the real serialport, or its mock binding in tests. */
export interface SerialDriver {
  list(): Promise<SerialPortInfo[]>;
  open(path: string, baudRate: number): Promise<SerialStream>;
  /** False once the port's device is gone. Optional: drivers that cannot tell leave it out. */
  present?(path: string): boolean;
}

interface SerialPortClass {
  list(): Promise<SerialPortInfo[]>;
  new (options: { path: string; baudRate: number; dataBits: 8; stopBits: 1; parity: 'none' }, cb: (err: Error | null) => void): SerialStream;
}

/** Wraps serialport's SerialPort (or SerialPortMock) class. 9600 8N1 is the Z-2's only setting. */
export function driverFromClass(cls: SerialPortClass): SerialDriver {
  return {
    list: () => cls.list(),
    open: (path, baudRate) => new Promise((resolve, reject) => {
      const port: SerialStream = new cls({ path, baudRate, dataBits: 8, stopBits: 1, parity: 'none' }, (err) => (err ? reject(err) : resolve(port)));
    }),
  };
}

/**
 * Loads serialport only when a serial reader is used: the app must run where the
 * native binding cannot load (then the reader shows a state, not a crash).
 */
export async function loadSerialDriver(): Promise<SerialDriver> {
  try {
    const mod = (await import('serialport')) as unknown as { SerialPort: SerialPortClass };
    const { existsSync } = await import('node:fs');
    return {
      ...driverFromClass(mod.SerialPort),
      // Windows COM ports have no device node to look at.
      present: (path) => process.platform === 'win32' || !path.startsWith('/') || existsSync(path),
    };
  } catch (err) {
    throw new Error(`Драйвер последовательного порта недоступен: ${(err as Error).message}`, { cause: err });
  }
}

export const isZ2 = (p: SerialPortInfo): boolean =>
  (p.vendorId ?? '').toLowerCase() === Z2_VENDOR_ID && (p.productId ?? '').toLowerCase() === Z2_PRODUCT_ID;

/** Installer-facing Russian text for an open failure. */
export function describeOpenError(path: string, err: unknown): string {
  const msg = (err as Error)?.message ?? String(err);
  if (/EACCES|Permission denied/i.test(msg)) return `Нет доступа к порту ${path}: добавьте пользователя в группу dialout (Linux) или проверьте права`;
  if (/ENOENT|No such file|cannot find|does not exist/i.test(msg)) return `Порт ${path} не найден: считыватель не подключён`;
  if (/lock|busy|EBUSY|Access denied/i.test(msg)) return `Порт ${path} занят другой программой`;
  return `Не удалось открыть порт ${path}: ${msg}`;
}

export interface SerialReaderOptions extends ReconnectOptions {
  /** A port path (`/dev/ttyUSB0`, `COM3`, a PTY) or 'auto' (find the Z-2 by VID/PID). */
  path: string;
  /** Tests pass the mock binding's driver; default: serialport, loaded lazily. */
  driver?: SerialDriver;
  baudRate?: number;
  /** Which USB ids 'auto' looks for; default the Z-2 (0403:1234). */
  match?: (p: SerialPortInfo) => boolean;
}

/** The IronLogic Z-2 USB (or any reader that sends text lines over a serial port). */
export class SerialReader extends ReconnectingReader {
  readonly kind = 'serial' as const;
  private readonly driver: LazyDriver<SerialDriver>;

  constructor(private readonly opts: SerialReaderOptions) {
    super(opts);
    this.driver = new LazyDriver(opts.driver, loadSerialDriver);
  }

  protected async connect(): Promise<ConnectOutcome> {
    const loaded = await this.driver.get();
    if ('error' in loaded) return loaded;
    const driver = loaded.driver;
    let path = this.opts.path;
    if (path === 'auto') {
      let ports: SerialPortInfo[];
      try { ports = await driver.list(); } catch (err) {
        return { error: `Не удалось получить список портов: ${(err as Error).message}` };
      }
      const found = ports.find(this.opts.match ?? isZ2);
      if (!found) return { error: `Считыватель Z-2 USB не найден (USB ${Z2_VENDOR_ID}:${Z2_PRODUCT_ID})` };
      path = found.path;
    }
    let stream: SerialStream;
    try { stream = await driver.open(path, this.opts.baudRate ?? Z2_BAUD_RATE); } catch (err) {
      return { error: describeOpenError(path, err) };
    }
    let closing = false;
    // A PTY whose other end went away reads as endless EOF, which serialport does not
    // treat as a disconnect; a vanished device node is the one sign every driver gives.
    const watch = !driver.present ? null : setInterval(() => {
      if (!driver.present!(path)) this.lost(link, `Считыватель отключён (${path})`);
    }, this.opts.pollMs ?? DEFAULT_POLL_MS);
    (watch as { unref?: () => void } | null)?.unref?.();
    const link: Link = {
      port: path,
      close: () => new Promise<void>((resolve) => {
        closing = true;
        if (watch) clearInterval(watch);
        if (!stream.isOpen) return resolve();
        stream.close(() => resolve());
      }),
    };
    stream.on('data', (chunk) => this.onBytes(chunk));
    stream.on('close', () => { if (!closing) this.lost(link, `Считыватель отключён (${path})`); });
    stream.on('error', (err) => { if (!closing) this.lost(link, `Ошибка порта ${path}: ${err.message}`); });
    return { link };
  }
}
