import path from 'node:path';
import type { CliCommand } from '../cli/types.js';
import { parseFlags, untilStopped } from '../cli/types.js';
import { DEFAULT_DATA_DIR, startBrowserShellEarly } from './start.js';

/**
 * `canteen shell`: the browser shell for this terminal: UI on
 * http://127.0.0.1:<port>/, the core, reader and printer in this process.
 * (`canteen demo` adds the embedded server and the demo school.)
 */
export const command: CliCommand = {
  name: 'shell',
  summary: 'касса в браузере: интерфейс на 127.0.0.1 (--port N, --data DIR, --reader R, --demo-data)',
  async run(argv) {
    const { flags } = parseFlags(argv);
    const port = typeof flags.port === 'string' ? Number(flags.port) : 5174;
    if (!Number.isInteger(port) || port < 0 || port > 65535) { console.error('Неверный порт'); return 2; }
    const { server, runtime: opening } = await startBrowserShellEarly({
      dataDir: path.resolve(typeof flags.data === 'string' ? flags.data : path.join(DEFAULT_DATA_DIR, 'shell')),
      port,
      seedDemo: flags['demo-data'] === true,
      ...(typeof flags.reader === 'string' ? { reader: flags.reader } : {}),
      log: (l) => console.log(l),
    });
    console.log(`Касса открыта: ${server.url}`);
    let runtime;
    try {
      runtime = await opening;
    } catch (err) {
      console.error(`Кассовый модуль не запустился: ${(err as Error).message}`);
      await server.close();
      return 1;
    }
    for (const d of runtime.devices) console.log(`  ${d.description}`);
    await untilStopped();
    await server.close();
    await runtime.close();
    return 0;
  },
};
