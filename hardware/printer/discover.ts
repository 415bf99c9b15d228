import { readdir } from 'node:fs/promises';

/** A printer `canteen devices` can show: where it is and what we think it is. */
export interface FoundPrinter {
  kind: 'usb-lp' | 'serial' | 'network';
  /** What to pass to `canteen printer test`: --device, --port or --host. */
  path: string;
  vendorId?: string;
  productId?: string;
  manufacturer?: string;
  guess: string;             // Russian, e.g. "USB-принтер (класс printer)"
}

const KNOWN_VENDORS: Record<string, string> = {
  '0519': 'Star Micronics', '04b8': 'Epson', '1504': 'Bixolon', '1d90': 'Citizen', '0dd4': 'Custom', '0fe6': 'ICS Advent (Xprinter/POS-58)', '0416': 'Winbond (китайские ESC/POS)',
};

export interface ListPrintersOptions {
  /** Configured network printer (host or host:port); listed as is, not probed. */
  host?: string;
  /** Include every serial port (a printer on a COM port cannot be told from other devices). */
  serial?: boolean;
  devDir?: string;
}

/**
 * USB printer class devices (Linux /dev/usb/lp*), serial ports that look like
 * printers (by VID), and the configured network printer. serialport is loaded
 * only here and only when asked for serial ports.
 */
export async function listPrinters(opts: ListPrintersOptions = {}): Promise<FoundPrinter[]> {
  const found: FoundPrinter[] = [];
  const devDir = opts.devDir ?? '/dev/usb';
  try {
    for (const name of (await readdir(devDir)).filter((n) => /^lp\d+$/.test(n)).sort()) {
      found.push({ kind: 'usb-lp', path: `${devDir}/${name}`, guess: 'USB-принтер (класс printer, usblp)' });
    }
  } catch { /* no /dev/usb: no USB printers, or not Linux */ }
  if (opts.serial !== false) {
    try {
      // serialport's types do not resolve for typescript-eslint's project service (tsc resolves them): its port list is read as typed here.
      /* eslint-disable @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-member-access */
      const { SerialPort } = await import('serialport');
      for (const p of await SerialPort.list()) {
        const vid = p.vendorId?.toLowerCase();
        const vendor = vid ? KNOWN_VENDORS[vid] : undefined;
        if (!vendor && !opts.serial) continue;
        if (vid === '0403' && p.productId?.toLowerCase() === '1234') continue; // the IronLogic Z-2 card reader
        found.push({
          kind: 'serial', path: p.path,
          ...(p.vendorId ? { vendorId: p.vendorId } : {}), ...(p.productId ? { productId: p.productId } : {}),
          ...(p.manufacturer ? { manufacturer: p.manufacturer } : {}),
          guess: vendor ? `принтер ${vendor} на последовательном порту` : 'последовательный порт (может быть принтер)',
        });
      }
      /* eslint-enable @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-member-access */
    } catch { /* serialport's native part unavailable: skip serial ports */ }
  }
  if (opts.host) found.push({ kind: 'network', path: opts.host, guess: 'сетевой принтер из настроек (порт 9100)' });
  return found;
}
