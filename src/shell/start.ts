import path from 'node:path';
import type { RuntimeOptions, Runtime } from './runtime.js';
import { startShellServer, type ShellServer } from './server.js';
import { ensureUi, REPO_ROOT } from './ui-build.js';

export interface BrowserShell { runtime: Runtime; server: ShellServer; close(): Promise<void> }

export type BrowserShellOptions = RuntimeOptions & { port?: number };

/**
 * The one start-up of the browser shell: UI build (if needed), then the HTTP
 * server while the core opens. The core is imported, not just called, in
 * parallel with the server: its module graph is most of the start-up, and the
 * page loads meanwhile (calls made before it is open wait for it).
 *
 * `waitForCore`: resolve only once the core is open (a core that fails closes
 * the server and rejects), or as soon as the UI is served (the core's promise
 * is handed back; its failure is the awaiter's to report). A server that
 * cannot start rejects either way, after closing the core once it has opened.
 */
async function launch(opts: BrowserShellOptions, waitForCore: boolean): Promise<{ server: ShellServer; runtime: Promise<Runtime> }> {
  const uiDir = await ensureUi({ log: opts.log });
  const runtime = import('./runtime.js').then((m) => m.openRuntime(opts));
  runtime.catch(() => {}); // reported by whoever awaits it
  let server: ShellServer;
  try {
    server = await startShellServer({ runtime, uiDir, port: opts.port ?? 0 });
  } catch (err) {
    await runtime.then((r) => r.close(), () => {});
    throw err;
  }
  if (waitForCore) {
    try {
      await runtime;
    } catch (err) {
      await server.close();
      throw err;
    }
  }
  return { server, runtime };
}

/** Runtime + UI build (if needed) + HTTP server: the whole browser shell, for the demo and the tests. */
export async function startBrowserShell(opts: BrowserShellOptions): Promise<BrowserShell> {
  const { server, runtime: opening } = await launch(opts, true);
  const runtime = await opening;
  return {
    runtime, server,
    async close() { await server.close(); await runtime.close(); },
  };
}

/**
 * Like startBrowserShell, but returns as soon as the UI is served (for the
 * CLI: the URL is printed while the core is still opening).
 */
export function startBrowserShellEarly(opts: BrowserShellOptions): Promise<{ server: ShellServer; runtime: Promise<Runtime> }> {
  return launch(opts, false);
}

export const DEFAULT_DATA_DIR = path.join(REPO_ROOT, 'data');
