import type { CliCommand } from './types.js';
import { parseFlags } from './types.js';
import {
  COLUMNS, isProfile, openTransport, PROFILES, render, statusMessage, TransportPrinter, type PaperWidth, type Profile, type TransportSpec,
} from '../../hardware/printer/index.js';
import type { RasterDialect } from '../../hardware/printer/raster.js';
import { listPrinters } from '../../hardware/printer/discover.js';

const USAGE = `Использование:
  canteen printer test   --profile ${PROFILES.join('|')} (--device /dev/usb/lp0 | --port COM3 [--baud 9600] | --host IP[:9100] | --windows-printer "ИМЯ" | --file FILE) [--width 58|80] [--raster-dialect star|escpos]
  canteen printer status --profile … (--device | --port | --host | --windows-printer "ИМЯ")
  canteen printer list   [--host IP] [--all-serial]`;

/** `--profile`, `--width` (mm, default 80) and `--raster-dialect`, as `printer test` and `receipt --demo` take them. A string is the error. */
export function printTargetFlags(flags: Record<string, string | true>): { profile: Profile; width: PaperWidth; rasterDialect: RasterDialect } | string {
  const profile = flags.profile ?? 'escpos';
  if (!isProfile(profile)) return `Неизвестный профиль «${String(profile)}». Есть: ${PROFILES.join(', ')}`;
  const width = Number(flags.width ?? 80);
  if (width !== 58 && width !== 80) return 'Ширина бумаги: 58 или 80 (мм)';
  const rasterDialect = flags['raster-dialect'] ?? 'star';
  if (rasterDialect !== 'star' && rasterDialect !== 'escpos') return '--raster-dialect: star или escpos';
  return { profile, width, rasterDialect };
}

function spec(flags: Record<string, string | true>): TransportSpec | string {
  const s = (k: string) => (typeof flags[k] === 'string' ? (flags[k] as string) : undefined);
  const host = s('host');
  const [h, p] = host ? host.split(':') : [];
  const baud = s('baud') ? Number(s('baud')) : undefined;
  if (baud !== undefined && !(baud > 0)) return 'Неверная скорость порта (--baud)';
  const out: TransportSpec = { device: s('device'), port: s('port'), file: s('file'), baudRate: baud, host: h, tcpPort: p ? Number(p) : undefined, windowsPrinter: s('windows-printer') };
  if (![out.device, out.port, out.host, out.file, out.windowsPrinter].some(Boolean)) return 'Укажите подключение: --device, --port, --host, --windows-printer или --file';
  return out;
}

/** `canteen printer test|status|list`: how an installer checks a printer. */
export const command: CliCommand = {
  name: 'printer',
  summary: 'проверка принтера: тестовая страница, состояние, список (test|status|list)',
  async run(argv) {
    const { _, flags } = parseFlags(argv);
    const sub = _[0];
    if (sub === 'list') {
      const list = await listPrinters({ host: typeof flags.host === 'string' ? flags.host : undefined, serial: flags['all-serial'] === true ? true : undefined });
      for (const p of list) console.log(JSON.stringify(p));
      if (!list.length) console.error('Принтеры не найдены');
      return 0;
    }
    if (sub !== 'test' && sub !== 'status') { console.error(USAGE); return 2; }
    const target = printTargetFlags(flags);
    if (typeof target === 'string') { console.error(target); return 2; }
    const { profile, width, rasterDialect: rd } = target;
    const sp = spec(flags);
    if (typeof sp === 'string') { console.error(`${sp}\n${USAGE}`); return 2; }
    const transport = openTransport(sp);
    const printer = new TransportPrinter(transport, profile, COLUMNS[width], rd);
    try {
      const status = await printer.status();
      const statusText = status.state === 'unknown' ? 'неизвестно (подключение только на запись)' : statusMessage(status);
      if (sub === 'status') {
        console.log(JSON.stringify({ printer: transport.description, ...status, message: statusText }));
        return status.state === 'ready' || status.state === 'paperNearEnd' || status.state === 'unknown' ? 0 : 1;
      }
      const { bytes } = render(
        { kind: 'test', info: { profile: `${profile}${profile === 'raster' ? `/${rd}` : ''}`, transport: transport.description, status: statusText, at: new Date() } },
        { profile, columns: COLUMNS[width], rasterDialect: rd },
      );
      await printer.print(bytes);
      console.log(JSON.stringify({ printed: true, printer: transport.description, bytes: bytes.length, state: status.state, message: statusText }));
      return 0;
    } catch (err) {
      console.error(`Ошибка печати: ${(err as Error).message}`);
      return 1;
    } finally {
      await printer.close();
    }
  },
};
