/**
 * The card reader: one factory for the terminal's device owner, and the pieces
 * the CLI, tests and UI use. serialport and node-hid load only inside the
 * adapters that need them.
 */
import type { PipelineOptions } from './pipeline.js';
import type { CardReader } from './reader.js';
import { NoReader } from './reader.js';
import type { SerialDriver } from './serial.js';

export * from '../../src/core/card-id.js';
export * from './pipeline.js';
export * from './reader.js';
export { SimulatedReader } from './simulated.js';

export type ReaderSpec =
  | { kind: 'none' }
  | { kind: 'simulated' }
  | { kind: 'serial'; path: string }               // 'auto' or a port path
  | { kind: 'hid'; vendorId: number; productId: number; decode: 'ascii' | 'keys' };

export interface ReaderConfig extends PipelineOptions {
  /** `auto` | `simulated` | `none` | `/dev/ttyUSB0` | `COM3` | `hid:VID:PID[:ascii|keys]` (VID/PID in hex). */
  reader?: string;
  pollMs?: number;
  /** Tests: the mock serial driver. */
  serialDriver?: SerialDriver;
}

/** Parses `CANTEEN_READER` / `--port`. Returns a Russian error for a malformed value. */
export function parseReaderSpec(value: string | undefined): ReaderSpec | { error: string } {
  const v = (value ?? 'auto').trim();
  if (v === '' || v === 'auto') return { kind: 'serial', path: 'auto' };
  if (v === 'none' || v === 'off') return { kind: 'none' };
  if (v === 'simulated' || v === 'sim') return { kind: 'simulated' };
  if (v.toLowerCase().startsWith('hid:')) {
    const m = /^hid:([0-9a-f]{1,4}):([0-9a-f]{1,4})(?::(ascii|keys))?$/i.exec(v);
    if (!m) return { error: `Неверный адрес HID-считывателя «${v}»: ожидается hid:VID:PID, например hid:ffff:0035` };
    return { kind: 'hid', vendorId: parseInt(m[1]!, 16), productId: parseInt(m[2]!, 16), decode: (m[3]?.toLowerCase() as 'ascii' | 'keys' | undefined) ?? 'ascii' };
  }
  return { kind: 'serial', path: v };
}

/** Builds the reader the configuration names, not yet started. */
export async function createReader(config: ReaderConfig = {}): Promise<CardReader> {
  const spec = parseReaderSpec(config.reader);
  if ('error' in spec) {
    return new NoReader(spec.error);
  }
  switch (spec.kind) {
    case 'none': return new NoReader();
    case 'simulated': {
      const { SimulatedReader } = await import('./simulated.js');
      return new SimulatedReader(config);
    }
    case 'serial': {
      const { SerialReader } = await import('./serial.js');
      return new SerialReader({ ...config, path: spec.path, ...(config.serialDriver ? { driver: config.serialDriver } : {}) });
    }
    case 'hid': {
      const { HidReader } = await import('./hid.js');
      return new HidReader({ ...config, vendorId: spec.vendorId, productId: spec.productId, decode: spec.decode });
    }
  }
}

/**
 * The one factory the terminal's device owner calls: chooses serial | hid |
 * simulated | none from `config.reader` (default `CANTEEN_READER`, else auto)
 * and starts it. Never rejects; a missing driver or reader is `state.lastError`.
 */
export async function openReader(config: ReaderConfig = {}): Promise<CardReader> {
  const reader = await createReader({ ...config, reader: config.reader ?? process.env.CANTEEN_READER ?? 'auto' });
  await reader.start();
  return reader;
}
