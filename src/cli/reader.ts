import type { CliCommand } from './types.js';
import { parseFlags, untilStopped } from './types.js';

const USAGE = `Использование: canteen reader [--port PATH|auto|simulated|hid:VID:PID] [--count N]
  Открывает считыватель и печатает по строке JSON на событие, пока не остановят (Ctrl+C):
    {"card":"EM:55007EE424","raw":"Em-Marine[5500] 126,58404","at":"…"}   карта
    {"error":"Не удалось прочитать карту …","raw":"…"}                     испорченная строка
    {"reader":{"connected":true,"port":"/dev/ttyUSB0",…}}                   подключение/отключение
  --port    по умолчанию CANTEEN_READER или auto (Z-2 USB по VID/PID 0403:1234)
  --count   выйти после N карт
  С --port simulated номера карт читаются со стандартного ввода, по одному в строке.`;

/** `canteen reader`: how an installer checks a reader. */
export const command: CliCommand = {
  name: 'reader',
  summary: 'проверка считывателя карт: события в JSON (--port PATH|auto)',
  async run(argv) {
    const { flags } = parseFlags(argv);
    if (flags.help || flags.h) { console.log(USAGE); return 0; }
    const port = typeof flags.port === 'string' ? flags.port : process.env.CANTEEN_READER ?? 'auto';
    const count = typeof flags.count === 'string' ? Number(flags.count) : Infinity;
    if (!(count > 0)) { console.error('--count: ожидается положительное число'); return 2; }

    const { createReader, parseReaderSpec } = await import('../../hardware/reader/index.js');
    const spec = parseReaderSpec(port);
    if ('error' in spec) { console.error(spec.error); return 2; }
    const reader = await createReader({ reader: port });
    const line = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);

    let cards = 0;
    // Polling for an absent reader uses unref'd timers; this keeps the command waiting for it.
    const keepAlive = setInterval(() => undefined, 1 << 30);
    const counted = new Promise<void>((resolve) => {
      reader.on('card', (e) => {
        line({ card: e.cardId, raw: e.raw, at: e.at });
        if (++cards >= count) resolve();
      });
    });
    const done = Promise.race([untilStopped(), counted]);
    reader.on('error', (e) => line({ error: e.message, raw: e.raw }));
    let stateShown = false;
    reader.on('state', (s) => { stateShown = true; line({ reader: s }); });
    await reader.start();
    if (!stateShown) line({ reader: reader.state });

    if (spec.kind === 'simulated') {
      const sim = reader as import('../../hardware/reader/simulated.js').SimulatedReader;
      const { createInterface } = await import('node:readline');
      const rl = createInterface({ input: process.stdin });
      rl.on('line', (text) => {
        const id = text.trim();
        if (!id) return;
        const r = sim.tap(id);
        if (!r.ok) line({ error: r.error.message, raw: id });
      });
      done.finally(() => rl.close()).catch(() => undefined);
    }

    await done;
    clearInterval(keepAlive);
    await reader.close();
    return 0;
  },
};
