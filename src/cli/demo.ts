import type { CliCommand } from './types.js';
import { parseFlags } from './types.js';
import { DEFAULT_DEMO_DB, runConsolePos } from './pos.js';

/** `canteen demo` (what `npm start` runs): the console terminal on the demo school under ./data/. */
export const command: CliCommand = {
  name: 'demo',
  summary: 'демонстрация: касса школы №24 в консоли (--fresh начинает заново)',
  async run(argv) {
    const { flags } = parseFlags(argv);
    return runConsolePos({ dbPath: typeof flags.db === 'string' ? flags.db : DEFAULT_DEMO_DB, fresh: flags.fresh === true });
  },
};
