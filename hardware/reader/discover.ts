import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { hex4 } from './hid.js';
import type { SerialDriver, SerialPortInfo } from './serial.js';
import { isZ2, loadSerialDriver, Z2_PRODUCT_ID, Z2_VENDOR_ID } from './serial.js';

/** A card reader `canteen devices` can show: where it is, what we think it is, how to configure it. */
export interface FoundReader {
  kind: 'z2' | 'serial' | 'hid' | 'keyboard' | 'usb-no-driver';
  /** The port path or HID address. */
  port: string;
  vendorId?: string;
  productId?: string;
  manufacturer?: string;
  /** Russian: what we think it is. */
  guess: string;
  /** The CANTEEN_READER / --port value that opens it, when there is one. */
  spec?: string;
}

export interface ReaderListing {
  readers: FoundReader[];
  /** Russian notes for the installer: drivers that did not load, a missing udev rule. */
  notes: string[];
}

interface HidInfo { vendorId: number; productId: number; path?: string; product?: string; manufacturer?: string; usagePage?: number; usage?: number }

export interface ListReadersOptions {
  serialDriver?: SerialDriver;
  /** Tests: a fake node-hid listing; `null` skips HID. */
  hidDevices?: (() => Promise<HidInfo[]>) | null;
  /** Linux sysfs USB devices, to spot a Z-2 that has no serial driver yet. */
  sysUsbDir?: string;
}

async function usbIdsFromSysfs(dir: string): Promise<{ vendorId: string; productId: string; name: string }[]> {
  const out: { vendorId: string; productId: string; name: string }[] = [];
  let names: string[];
  try { names = await readdir(dir); } catch { return out; }
  for (const name of names) {
    try {
      const v = (await readFile(path.join(dir, name, 'idVendor'), 'utf8')).trim();
      const p = (await readFile(path.join(dir, name, 'idProduct'), 'utf8')).trim();
      out.push({ vendorId: v.toLowerCase(), productId: p.toLowerCase(), name });
    } catch { /* interfaces and hubs without ids */ }
  }
  return out;
}

async function defaultHidDevices(): Promise<HidInfo[]> {
  const hid = (await import('node-hid')) as unknown as { devicesAsync(): Promise<HidInfo[]> };
  return hid.devicesAsync();
}

/**
 * Every card reader this machine can see: serial ports (the Z-2 by VID/PID),
 * HID devices that are not mice, and, on Linux, a Z-2 on the USB bus that has
 * no serial port yet (the udev rule is missing). Missing drivers become notes.
 */
export async function listReaders(opts: ListReadersOptions = {}): Promise<ReaderListing> {
  const readers: FoundReader[] = [];
  const notes: string[] = [];

  let ports: SerialPortInfo[] = [];
  try {
    const driver = opts.serialDriver ?? (await loadSerialDriver());
    ports = await driver.list();
  } catch (err) {
    notes.push(`Последовательные порты: ${(err as Error).message}`);
  }
  for (const p of ports) {
    const ids = p.vendorId ? { vendorId: p.vendorId.toLowerCase(), productId: (p.productId ?? '').toLowerCase() } : {};
    const base = { port: p.path, ...ids, ...(p.manufacturer ? { manufacturer: p.manufacturer } : {}), spec: p.path };
    if (isZ2(p)) readers.push({ ...base, kind: 'z2', guess: 'IronLogic Z-2 USB (считыватель карт)' });
    else if (p.vendorId?.toLowerCase() === Z2_VENDOR_ID) readers.push({ ...base, kind: 'serial', guess: 'FTDI-адаптер: возможно считыватель с последовательным выходом' });
    else if (p.vendorId) readers.push({ ...base, kind: 'serial', guess: 'USB-последовательный порт: считыватель или другое устройство' });
  }

  if (opts.hidDevices !== null) {
    try {
      const seen = new Set<string>();
      for (const d of await (opts.hidDevices ?? defaultHidDevices)()) {
        const key = `${hex4(d.vendorId)}:${hex4(d.productId)}`;
        if (seen.has(key)) continue;                  // one line per device, not per interface
        seen.add(key);
        const name = [d.manufacturer, d.product].filter(Boolean).join(' ');
        const generic = { vendorId: hex4(d.vendorId), productId: hex4(d.productId), ...(d.manufacturer ? { manufacturer: d.manufacturer } : {}) };
        if (d.usagePage === 1 && d.usage === 2) continue;                    // a mouse
        if (d.usagePage === 1 && d.usage === 6) {
          readers.push({ ...generic, kind: 'keyboard', port: d.path ?? key,
            guess: `Клавиатура${name ? ` «${name}»` : ''}: если это считыватель в режиме клавиатуры, он работает в окне кассы без настройки` });
          continue;
        }
        readers.push({ ...generic, kind: 'hid', port: d.path ?? key, spec: `hid:${key}`,
          guess: `HID-устройство${name ? ` «${name}»` : ''}: возможно считыватель карт` });
      }
    } catch (err) {
      notes.push(`HID-устройства: ${(err as Error).message}`);
    }
  }

  if (process.platform === 'linux' && !readers.some((r) => r.kind === 'z2')) {
    const usb = await usbIdsFromSysfs(opts.sysUsbDir ?? '/sys/bus/usb/devices');
    for (const u of usb.filter((x) => x.vendorId === Z2_VENDOR_ID && x.productId === Z2_PRODUCT_ID)) {
      readers.push({ kind: 'usb-no-driver', port: `usb:${u.name}`, vendorId: u.vendorId, productId: u.productId,
        guess: 'IronLogic Z-2 USB подключён, но у него нет последовательного порта: установите правило udev (packaging/linux/99-ironlogic-z2.rules)' });
    }
  }
  return { readers, notes };
}
