import type { PrinterDevice } from '../../hardware/printer/device.js';
import { isProfile, openTransport, PROFILES, TransportPrinter, type TransportSpec } from '../../hardware/printer/index.js';

/**
 * A real receipt printer from one setting (CANTEEN_PRINTER / --printer):
 *   tcp:HOST[:PORT]   network printer (port 9100)
 *   serial:PORT[@BAUD]  COM3, /dev/ttyS0
 *   device:PATH       /dev/usb/lp0, \\\\host\\share
 *   windows:NAME      a printer installed in Windows, by its name (spooler, RAW datatype)
 *   file:PATH         append the bytes to a file
 * with CANTEEN_PRINTER_PROFILE (escpos | star-line | star-prnt | raster) and
 * CANTEEN_PRINTER_WIDTH (58 | 80 mm). Returns a Russian error for a bad value.
 */
export function printerFromSetting(value: string, profile = 'escpos', widthMm = '58'): PrinterDevice | { error: string } {
  const m = /^(tcp|serial|device|windows|file):(.+)$/.exec(value.trim());
  if (!m) return { error: `Неверная настройка принтера «${value}»: tcp:IP[:9100], serial:COM3[@9600], device:/dev/usb/lp0, windows:ИМЯ ПРИНТЕРА или file:ПУТЬ` };
  if (!isProfile(profile)) return { error: `Неизвестный профиль принтера «${profile}»: ${PROFILES.join(', ')}` };
  if (widthMm !== '58' && widthMm !== '80') return { error: 'Ширина бумаги: 58 или 80 мм' };
  const target = m[2]!;
  let spec: TransportSpec;
  switch (m[1]) {
    case 'tcp': {
      const [host, port] = target.split(':');
      spec = { host: host!, tcpPort: port ? Number(port) : 9100 };
      break;
    }
    case 'serial': {
      const [port, baud] = target.split('@');
      spec = { port: port!, baudRate: baud ? Number(baud) : 9600 };
      break;
    }
    case 'device': spec = { device: target }; break;
    case 'windows': spec = { windowsPrinter: target }; break;
    default: spec = { file: target };
  }
  try {
    return new TransportPrinter(openTransport(spec), profile, widthMm === '80' ? 48 : 32);
  } catch (err) {
    return { error: (err as Error).message };
  }
}
