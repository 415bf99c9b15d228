import path from 'node:path';
import { openRuntime, type RuntimeOptions, type Runtime } from './runtime.js';
import { startShellServer, type ShellServer } from './server.js';
import { ensureUi, REPO_ROOT } from './ui-build.js';

export interface BrowserShell { runtime: Runtime; server: ShellServer; close(): Promise<void> }

/** Runtime + UI build (if needed) + HTTP server: the whole browser shell, for the CLI, the demo and the tests. */
export async function startBrowserShell(opts: RuntimeOptions & { port?: number }): Promise<BrowserShell> {
  const [uiDir, runtime] = await Promise.all([ensureUi({ log: opts.log }), openRuntime(opts)]);
  let server: ShellServer;
  try {
    server = await startShellServer({ runtime, uiDir, port: opts.port ?? 0 });
  } catch (err) {
    await runtime.close();
    throw err;
  }
  return {
    runtime, server,
    async close() { await server.close(); await runtime.close(); },
  };
}

export const DEFAULT_DATA_DIR = path.join(REPO_ROOT, 'data');
