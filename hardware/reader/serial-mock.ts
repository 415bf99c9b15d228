import type { SerialDriver, SerialStream } from './serial.js';
import { driverFromClass, Z2_PRODUCT_ID, Z2_VENDOR_ID } from './serial.js';

interface MockBindingApi {
  reset(): void;
  createPort(path: string, opt?: { vendorId?: string; productId?: string; manufacturer?: string }): void;
}
interface MockStream extends SerialStream { port?: { emitData(data: Buffer | string): void } }

/**
 * A serial driver over `@serialport/binding-mock` with the moves a reader makes
 * in real life: plug (port appears in the list), unplug (port vanishes and the
 * open stream closes), and bytes arriving. Tests and the benchmark use it.
 * The mock binding is process-global, so use one MockSerial per test file.
 */
export class MockSerial {
  readonly driver: SerialDriver;
  private readonly ports = new Map<string, { vendorId: string; productId: string }>();
  private readonly open = new Map<string, MockStream>();

  private constructor(private readonly binding: MockBindingApi, cls: Parameters<typeof driverFromClass>[0]) {
    binding.reset();
    const inner = driverFromClass(cls);
    this.driver = {
      list: () => inner.list(),
      open: async (path, baud) => {
        const s = (await inner.open(path, baud)) as MockStream;
        this.open.set(path, s);
        s.on('close', () => { if (this.open.get(path) === s) this.open.delete(path); });
        return s;
      },
      present: (path) => this.ports.has(path),
    };
  }

  static async create(): Promise<MockSerial> {
    const mod = (await import('serialport')) as unknown as { SerialPortMock: Parameters<typeof driverFromClass>[0] & { binding: MockBindingApi } };
    return new MockSerial(mod.SerialPortMock.binding, mod.SerialPortMock);
  }

  /** A reader appears (default: a Z-2, 0403:1234). */
  plug(path: string, ids: { vendorId: string; productId: string } = { vendorId: Z2_VENDOR_ID, productId: Z2_PRODUCT_ID }): void {
    this.ports.set(path, ids);
    this.binding.createPort(path, { ...ids, manufacturer: 'FTDI' });
  }

  /** The reader is pulled out: gone from the list, and its open stream closes. */
  unplug(path: string): void {
    this.ports.delete(path);
    // The mock binding can only forget every port at once; recreate the others.
    this.binding.reset();
    for (const [p, ids] of this.ports) this.binding.createPort(p, { ...ids, manufacturer: 'FTDI' });
    const s = this.open.get(path);
    this.open.delete(path);
    if (s?.isOpen) s.close();
  }

  unplugAll(): void { for (const p of [...this.ports.keys()]) this.unplug(p); }

  isOpen(path: string): boolean { return this.open.get(path)?.isOpen ?? false; }

  /** Bytes arrive at the port as if the reader sent them. */
  send(path: string, data: Buffer | string): void {
    const s = this.open.get(path);
    if (!s?.port) throw new Error(`mock port ${path} is not open`);
    s.port.emitData(data);
  }
}
