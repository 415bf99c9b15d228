import path from 'node:path';
import type { RuntimeOptions, Runtime } from './runtime.js';
import { startShellServer, type ShellServer } from './server.js';
import { ensureUi, REPO_ROOT } from './ui-build.js';

export interface BrowserShell { runtime: Runtime; server: ShellServer; close(): Promise<void> }

/** Runtime + UI build (if needed) + HTTP server: the whole browser shell, for the CLI, the demo and the tests. */
export async function startBrowserShell(opts: RuntimeOptions & { port?: number }): Promise<BrowserShell> {
  const uiDir = await ensureUi({ log: opts.log });
  // The page loads while the core opens: calls made meanwhile wait for it.
  const opening = import('./runtime.js').then((m) => m.openRuntime(opts));
  let server: ShellServer;
  try {
    server = await startShellServer({ runtime: opening, uiDir, port: opts.port ?? 0 });
  } catch (err) {
    await opening.then((r) => r.close(), () => {});
    throw err;
  }
  let runtime: Runtime;
  try {
    runtime = await opening;
  } catch (err) {
    await server.close();
    throw err;
  }
  return {
    runtime, server,
    async close() { await server.close(); await runtime.close(); },
  };
}

/**
 * Like startBrowserShell, but returns as soon as the UI is served (for the
 * CLI: the URL is printed while the core is still opening).
 */
export async function startBrowserShellEarly(opts: RuntimeOptions & { port?: number }): Promise<{ server: ShellServer; runtime: Promise<Runtime> }> {
  const uiDir = await ensureUi({ log: opts.log });
  // Imported, not just called, in parallel with the server: the core's module graph is most of the start-up.
  const runtime = import('./runtime.js').then((m) => m.openRuntime(opts));
  runtime.catch(() => {}); // reported by whoever awaits it
  const server = await startShellServer({ runtime, uiDir, port: opts.port ?? 0 });
  return { server, runtime };
}

export const DEFAULT_DATA_DIR = path.join(REPO_ROOT, 'data');
