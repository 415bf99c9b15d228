import { promises as fsp, constants as fsc } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { PrinterStatus } from './status.js';
import { WindowsSpoolerTransport } from './windows-spooler.js';

/**
 * Where the bytes go. Every transport can write; `query` sends a status request and
 * collects the answer, or resolves undefined when the line is one-way or the printer
 * stays silent (that silence is itself a status: offline).
 */
export interface PrinterTransport {
  readonly description: string;
  write(bytes: Uint8Array): Promise<void>;
  query?(request: Uint8Array, done: (got: Uint8Array) => boolean, timeoutMs: number): Promise<Uint8Array | undefined>;
  /** A transport that knows the printer's state by other means (the Windows spooler) answers here instead of `query`. */
  status?(): Promise<PrinterStatus>;
  close(): Promise<void>;
}

export class TransportError extends Error {}

const concat = (a: Uint8Array, b: Uint8Array): Uint8Array => {
  const out = new Uint8Array(a.length + b.length);
  out.set(a); out.set(b, a.length);
  return out;
};

/** Appends (or overwrites) a file: demo, tests, `canteen printer test --file`. */
export class FileTransport implements PrinterTransport {
  readonly description: string;
  private first = true;
  constructor(private readonly file: string, private readonly append = false) { this.description = `файл ${file}`; }
  async write(bytes: Uint8Array): Promise<void> {
    await fsp.mkdir(path.dirname(path.resolve(this.file)), { recursive: true });
    if (this.first && !this.append) await fsp.writeFile(this.file, bytes);
    else await fsp.appendFile(this.file, bytes);
    this.first = false;
  }
  async close(): Promise<void> {}
}

/**
 * A USB printer class device (Linux usblp: /dev/usb/lp0). Opened non-blocking so a
 * status read that gets no answer times out instead of hanging a thread for ever.
 */
export class DeviceFileTransport implements PrinterTransport {
  readonly description: string;
  constructor(private readonly device: string) { this.description = `USB ${device}`; }
  async write(bytes: Uint8Array): Promise<void> {
    const fh = await fsp.open(this.device, fsc.O_WRONLY);
    try { await fh.write(bytes); } finally { await fh.close(); }
  }
  async query(request: Uint8Array, done: (got: Uint8Array) => boolean, timeoutMs: number): Promise<Uint8Array | undefined> {
    const fh = await fsp.open(this.device, fsc.O_RDWR | fsc.O_NONBLOCK);
    try {
      await fh.write(request);
      let got: Uint8Array = new Uint8Array(0);
      const until = Date.now() + timeoutMs;
      const buf = Buffer.alloc(64);
      while (Date.now() < until) {
        try {
          const { bytesRead } = await fh.read(buf, 0, buf.length, null);
          if (bytesRead > 0) { got = concat(got, buf.subarray(0, bytesRead)); if (done(got)) return got; continue; }
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
        }
        await new Promise((r) => setTimeout(r, 10));
      }
      return got.length ? got : undefined;
    } finally { await fh.close(); }
  }
  async close(): Promise<void> {}
}

/** Network printers: raw TCP, port 9100 (JetDirect). One connection per job. */
export class TcpTransport implements PrinterTransport {
  readonly description: string;
  constructor(private readonly host: string, private readonly port = 9100, private readonly connectTimeoutMs = 3000) {
    this.description = `TCP ${host}:${port}`;
  }
  private connect(): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const sock = net.connect({ host: this.host, port: this.port });
      const timer = setTimeout(() => { sock.destroy(); reject(new TransportError(`нет ответа от ${this.host}:${this.port}`)); }, this.connectTimeoutMs);
      sock.once('connect', () => { clearTimeout(timer); resolve(sock); });
      sock.once('error', (err) => { clearTimeout(timer); reject(new TransportError(`${this.host}:${this.port}: ${err.message}`)); });
    });
  }
  async write(bytes: Uint8Array): Promise<void> {
    const sock = await this.connect();
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.end(bytes, () => resolve());
    });
  }
  async query(request: Uint8Array, done: (got: Uint8Array) => boolean, timeoutMs: number): Promise<Uint8Array | undefined> {
    const sock = await this.connect();
    return new Promise((resolve) => {
      let got: Uint8Array = new Uint8Array(0);
      const finish = (v: Uint8Array | undefined) => { clearTimeout(timer); sock.destroy(); resolve(v); };
      const timer = setTimeout(() => finish(got.length ? got : undefined), timeoutMs);
      sock.on('data', (d: Buffer) => { got = concat(got, d); if (done(got)) finish(got); });
      sock.on('error', () => finish(undefined));
      sock.write(request);
    });
  }
  async close(): Promise<void> {}
}

type SerialPortLike = {
  write(data: Uint8Array, cb?: (err?: Error | null) => void): boolean;
  drain(cb: (err?: Error | null) => void): void;
  on(ev: 'data', cb: (d: Buffer) => void): void;
  off(ev: 'data', cb: (d: Buffer) => void): void;
  close(cb?: (err?: Error | null) => void): void;
  isOpen: boolean;
};

/** Serial (RS-232 or USB-serial) printers. serialport is imported only when used, so nothing native loads otherwise. */
export class SerialTransport implements PrinterTransport {
  readonly description: string;
  private port?: SerialPortLike;
  constructor(private readonly portPath: string, private readonly baudRate = 9600) { this.description = `порт ${portPath} (${baudRate})`; }
  private async open(): Promise<SerialPortLike> {
    if (this.port?.isOpen) return this.port;
    const { SerialPort } = await import('serialport');
    const port = await new Promise<SerialPortLike>((resolve, reject) => {
      const p = new SerialPort({ path: this.portPath, baudRate: this.baudRate }, (err) => (err ? reject(new TransportError(`${this.portPath}: ${err.message}`)) : resolve(p as unknown as SerialPortLike)));
    });
    this.port = port;
    return port;
  }
  async write(bytes: Uint8Array): Promise<void> {
    const port = await this.open();
    await new Promise<void>((resolve, reject) => port.write(bytes, (err) => (err ? reject(err) : port.drain((e) => (e ? reject(e) : resolve())))));
  }
  async query(request: Uint8Array, done: (got: Uint8Array) => boolean, timeoutMs: number): Promise<Uint8Array | undefined> {
    const port = await this.open();
    return new Promise((resolve) => {
      let got: Uint8Array = new Uint8Array(0);
      const onData = (d: Buffer) => { got = concat(got, d); if (done(got)) finish(got); };
      const finish = (v: Uint8Array | undefined) => { clearTimeout(timer); port.off('data', onData); resolve(v); };
      const timer = setTimeout(() => finish(got.length ? got : undefined), timeoutMs);
      port.on('data', onData);
      port.write(request);
    });
  }
  async close(): Promise<void> {
    const port = this.port;
    this.port = undefined;
    if (port?.isOpen) await new Promise<void>((r) => port.close(() => r()));
  }
}

export { WindowsSpoolerTransport };

export interface TransportSpec { device?: string; port?: string; baudRate?: number; host?: string; tcpPort?: number; file?: string; windowsPrinter?: string }

export function openTransport(spec: TransportSpec): PrinterTransport {
  if (spec.file) return new FileTransport(spec.file);
  if (spec.host) return new TcpTransport(spec.host, spec.tcpPort ?? 9100);
  if (spec.port) return new SerialTransport(spec.port, spec.baudRate ?? 9600);
  if (spec.device) return new DeviceFileTransport(spec.device);
  if (spec.windowsPrinter) return new WindowsSpoolerTransport(spec.windowsPrinter);
  throw new TransportError('Не указано подключение принтера: --device, --port, --host, --windows-printer или --file');
}
