import path from 'node:path';
/** A `canteen` subcommand. `run` gets the arguments after the command name and returns an exit code. */
export interface CliCommand {
  name: string;
  summary: string;           // one Russian/English line for `canteen help`
  run(argv: string[]): Promise<number>;
}

/** Minimal `--flag value` / `--flag` parser; positional arguments land in `_`. */
export function parseFlags(argv: string[]): { _: string[]; flags: Record<string, string | true> } {
  const out: { _: string[]; flags: Record<string, string | true> } = { _: [], flags: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq > 0) { out.flags[a.slice(2, eq)] = a.slice(eq + 1); continue; }
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith('--')) { out.flags[a.slice(2)] = next; i++; }
      else out.flags[a.slice(2)] = true;
    } else out._.push(a);
  }
  return out;
}

/** Resolves when the operator stops a long-running command (Ctrl+C, or the service manager's SIGTERM). */
export function untilStopped(): Promise<void> {
  return new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

/** The terminal's data folder: --data, else data/shell under the working directory. */
export function dataDirOf(flags: Record<string, string | true>): string {
  return path.resolve(typeof flags.data === 'string' ? flags.data : path.join(process.cwd(), 'data', 'shell'));
}
