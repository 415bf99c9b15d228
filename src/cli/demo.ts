import path from 'node:path';
import type { CliCommand } from './types.js';
import { parseFlags, untilStopped } from './types.js';

const USAGE = `canteen demo [--browser | --electron] [--fresh] [--port 5174] [--server-port 5180] [--no-server]
  Демонстрация кассы школы №24: встроенный центральный сервер (PGlite) с демо-школой,
  касса зарегистрирована на нём и синхронизируется, симулятор считывателя, принтер в файл.
  Интерфейс — в окне Electron, если он может здесь запуститься, иначе в браузере по адресу 127.0.0.1.
  Консольная касса без интерфейса: canteen pos`;

/** `canteen demo` = `npm start`. Takes over from the console demo, which stays as `canteen pos`. */
export const command: CliCommand = {
  name: 'demo',
  summary: 'демонстрация: сервер + касса + интерфейс (--browser, --electron, --fresh, --no-server)',
  async run(argv) {
    const t0 = performance.now();
    const { flags } = parseFlags(argv);
    if (flags.help || flags.h) { console.log(USAGE); return 0; }
    const num = (v: string | true | undefined, d: number) => (typeof v === 'string' ? Number(v) : d);
    const port = num(flags.port, 5174);
    const serverPort = num(flags['server-port'], 5180);
    if (![port, serverPort].every((p) => Number.isInteger(p) && p >= 0 && p < 65536)) { console.error('Неверный номер порта'); return 2; }
    const { REPO_ROOT } = await import('../shell/ui-build.js');
    const dataDir = path.resolve(typeof flags.data === 'string' ? flags.data : path.join(REPO_ROOT, 'data', 'demo'));
    const withServer = flags['no-server'] !== true;
    const log = (l: string) => console.log(l);

    const { electronBinary } = await import('../shell/electron-launch.js');
    const electron = electronBinary();
    const useElectron = flags.electron === true || (flags.browser !== true && !!electron.path);
    if (flags.electron === true && !electron.path) {
      console.error(`Electron запустить нельзя: ${electron.reason}. Запустите без --electron (интерфейс откроется в браузере).`);
      return 1;
    }

    if (useElectron) {
      const { prepareDemo } = await import('../shell/demo.js');
      const { launchElectron } = await import('../shell/electron-launch.js');
      const { server, terminalDir } = await prepareDemo({ dataDir, fresh: flags.fresh === true, serverPort, withServer, log });
      printDevices([
        'считыватель: СИМУЛЯТОР (карты — кнопками в окне кассы)',
        `принтер: СИМУЛЯТОР, чеки в папке ${path.join(terminalDir, 'printer')}`,
        server ? `сервер: встроенный, ${server.url} (PGlite, ${path.join(dataDir, 'server')})` : 'сервер: не настроен',
      ]);
      if (server) await printConsoleLogins(server.url);
      const child = await launchElectron(electron.path!, {
        CANTEEN_DATA: terminalDir, CANTEEN_READER: 'simulated', ...(withServer ? {} : { CANTEEN_DEMO: '1' }),
      });
      const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? 0)));
      await server?.close();
      return code;
    }

    if (!electron.path && flags.browser !== true) console.log(`Electron недоступен (${electron.reason}): интерфейс в браузере.`);
    const { startDemo } = await import('../shell/demo.js');
    const demo = await startDemo({ dataDir, fresh: flags.fresh === true, port, serverPort, withServer, log });
    printDevices([
      ...demo.shell.runtime.devices.map((d) => d.description),
      ...(demo.server ? [`  (встроенный сервер: PGlite в ${path.join(dataDir, 'server')}, демо-школа №24)`] : []),
    ]);
    console.log(`\nКасса готова за ${Math.round(performance.now() - t0)} мс. Откройте в браузере: ${demo.shell.server.url}`);
    if (demo.server) console.log(`Личный кабинет родителей: ${demo.server.url}/cabinet/ (демо: 0242013137 / demo-0242013137)`);
    if (demo.server) await printConsoleLogins(demo.server.url);
    console.log('PIN кассира 1111, заведующего 9999. Остановить: Ctrl+C');
    await untilStopped();
    console.log('\nОстановка…');
    await demo.close();
    return 0;
  },
};

async function printConsoleLogins(serverUrl: string): Promise<void> {
  const { demoStaffLines } = await import('../server/admin/seed-demo-staff.js');
  for (const l of demoStaffLines(serverUrl)) console.log(l);
}

function printDevices(lines: string[]): void {
  console.log('\nУстройства этой демонстрации (настоящие / симуляторы):');
  for (const l of lines) console.log(`  ${l}`);
}
