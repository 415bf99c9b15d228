import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { loadSyncConfig, saveSyncConfig } from '../terminal/sync/config.js';
import { startEmbeddedServer, type EmbeddedServer } from './embedded-server.js';
import type { ServerLink, SyncTuning } from './runtime.js';
import { startBrowserShell, type BrowserShell } from './start.js';

export interface DemoOptions {
  /** data/demo: server/ (PGlite), terminal/ (SQLite, server.json, printer/). */
  dataDir: string;
  fresh?: boolean;
  /** UI port (browser shell); 0 = any. */
  port?: number;
  /** Embedded server port; 0 = any (a restart then re-enrols on the new port). */
  serverPort?: number;
  /** false: a stand-alone terminal with the demo school loaded locally. */
  withServer?: boolean;
  /** Server in memory (tests, benchmarks) instead of data/demo/server. */
  serverInMemory?: boolean;
  syncTuning?: SyncTuning;
  log?: (line: string) => void;
}

export interface Demo { server?: EmbeddedServer; shell: BrowserShell; terminalDir: string; close(): Promise<void> }

/** The embedded server (when wanted) and the terminal enrolled with it: everything but the shell. */
export async function prepareDemo(opts: DemoOptions): Promise<{ server?: EmbeddedServer; link?: ServerLink; terminalDir: string }> {
  if (opts.fresh) rmSync(opts.dataDir, { recursive: true, force: true });
  const terminalDir = path.join(opts.dataDir, 'terminal');
  if (opts.withServer === false) return { terminalDir };
  if (!opts.serverInMemory) {
    // `npm start`: the staff console at <server>/admin/ is built like the cashier UI (tests build it where they use it).
    const { ensureAdminUi } = await import('./ui-build.js');
    await ensureAdminUi({ log: opts.log });
  }
  const server = await startEmbeddedServer({
    ...(opts.serverInMemory ? {} : { dataDir: path.join(opts.dataDir, 'server') }),
    port: opts.serverPort ?? 0,
  });
  try {
    // Demo only: console logins with printed credentials (src/server/admin/seed-demo-staff.ts).
    const { seedDemoStaff } = await import('../server/admin/seed-demo-staff.js');
    await seedDemoStaff(server.handle.db);
    let link: ServerLink | undefined = loadSyncConfig(terminalDir);
    if (!link || link.serverUrl !== server.url || opts.serverInMemory) {
      opts.log?.(`Регистрация кассы на сервере ${server.url}…`);
      const enrolled = await server.enrollDemoTerminal();
      saveSyncConfigSafe(terminalDir, enrolled);
      link = enrolled;
    }
    return { server, link, terminalDir };
  } catch (err) {
    await server.close();
    throw err;
  }
}

function saveSyncConfigSafe(dir: string, e: Awaited<ReturnType<EmbeddedServer['enrollDemoTerminal']>>): void {
  mkdirSync(dir, { recursive: true });
  saveSyncConfig(dir, {
    serverUrl: e.serverUrl, token: e.token, terminalId: e.terminalId, terminalName: e.terminalName ?? '',
    schoolId: e.schoolId, schoolCode: e.schoolCode, schoolName: e.schoolName, pinPepper: e.pinPepper, enrolledAt: new Date().toISOString(),
  });
}

/**
 * `npm start` in the browser: embedded server (PGlite, demo school), one
 * enrolled terminal with its sync client, a simulated reader, a file printer,
 * the UI on 127.0.0.1.
 */
export async function startDemo(opts: DemoOptions): Promise<Demo> {
  const { server, link, terminalDir } = await prepareDemo(opts);
  try {
    const shell = await startBrowserShell({
      dataDir: terminalDir,
      reader: 'simulated',
      printer: 'file',
      server: link ?? false,
      seedDemo: !link,
      ...(opts.syncTuning ? { syncTuning: opts.syncTuning } : {}),
      port: opts.port ?? 0,
      ...(opts.log ? { log: opts.log } : {}),
    });
    return {
      ...(server ? { server } : {}),
      shell, terminalDir,
      async close() { await shell.close(); await server?.close(); },
    };
  } catch (err) {
    await server?.close();
    throw err;
  }
}
