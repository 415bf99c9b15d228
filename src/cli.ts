import type { CliCommand } from './cli/types.js';

/**
 * The `canteen` command. Each subcommand lives in its own module under
 * src/cli/ and is loaded only when called, so `canteen reader` does not load
 * the database and `canteen server` does not load the serial port driver.
 * Add one line here per command.
 */
const COMMANDS: Record<string, () => Promise<{ command: CliCommand }>> = {
  bench: () => import('./cli/bench.js'),
  server: () => import('./cli/server.js'),
  terminal: () => import('./cli/terminal.js'),
  reader: () => import('./cli/reader.js'),
  devices: () => import('./cli/devices.js'),
  receipt: () => import('./cli/receipt.js'),
  printer: () => import('./cli/printer.js'),
  pos: () => import('./cli/pos.js'),
  demo: () => import('./cli/demo.js'),
  registry: () => import('./cli/registry.js'),
  shell: () => import('./shell/cli.js'),
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    const lines = ['Использование: canteen <команда> [параметры]', ''];
    for (const [cmdName, load] of Object.entries(COMMANDS)) {
      const { command } = await load();
      lines.push(`  ${cmdName.padEnd(12)} ${command.summary}`);
    }
    console.log(lines.join('\n'));
    return name ? 0 : 1;
  }
  const load = COMMANDS[name];
  if (!load) {
    console.error(`Неизвестная команда: ${name}. Список команд: canteen help`);
    return 2;
  }
  const { command } = await load();
  return command.run(rest);
}
