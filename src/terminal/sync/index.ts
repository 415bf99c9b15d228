import type Database from 'better-sqlite3';
import type { SqlRow } from '../db/rows.js';
import type { settings } from '../db/schema.js';
import { SETTING } from '../seed.js';
import type { SyncState } from '../../api/pos-api.js';
import { SyncClient, type SyncClientOptions } from './client.js';
import { wsPoke } from './poke.js';
import type { PullSummary } from './apply-pull.js';

export { SyncClient, realTimers, type Timers, type SyncClientOptions, type SyncOutcome } from './client.js';
export { applyPull, type PullSummary } from './apply-pull.js';
export { SyncError, SyncTransport, type FetchFn } from './transport.js';
export { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.js';
export { wsPoke, type PokeFactory } from './poke.js';
export { SYNC_KEY, getSyncValue, setSyncValue } from './store.js';
export { loadSyncConfig, saveSyncConfig, type SyncConfig } from './config.js';

export interface StartSyncOptions extends Partial<Omit<SyncClientOptions, 'sqlite' | 'serverUrl' | 'token' | 'terminalId' | 'onPulled'>> {
  sqlite: Database.Database;
  serverUrl: string;
  token: string;
  /** Default: the terminal id stored in the database by enrolment. */
  terminalId?: string;
  /** The terminal service: its caches are reloaded after a pull (it has `reload()`). */
  service?: unknown;
  /** Sync state for the UI (PosEvent `sync`). */
  onState?: (state: SyncState) => void;
  /** A pull changed balances, cards, students or the menu (PosEvent `dataChanged`). */
  onDataChanged?: (summary: PullSummary) => void;
}

export interface SyncRuntimeHandle {
  client: SyncClient;
  state(): SyncState;
  /** Push and pull now (waits for a run in progress). */
  syncNow(): Promise<void>;
  /** Tell the client a local write happened (optional: it also watches the outbox). */
  nudge(): void;
  stop(): Promise<void>;
  description: string;
}

/**
 * The one entry point for shells (src/shell/runtime.ts, Electron main): builds
 * the client over the terminal's own SQLite connection and starts it. The
 * returned object fits the runtime's SyncHandle (`state`, `stop`, `description`).
 */
export function startSync(opts: StartSyncOptions): SyncRuntimeHandle {
  const { sqlite, service, onState, onDataChanged, ...rest } = opts;
  const terminalId = opts.terminalId
    ?? sqlite.prepare<[string], SqlRow<typeof settings>['value']>(`SELECT value FROM settings WHERE key = ?`).pluck().get(SETTING.terminalId);
  if (!terminalId) throw new Error('terminal id unknown: enrol the terminal first (canteen terminal enroll)');
  const client = new SyncClient({
    poke: wsPoke,
    ...rest,
    sqlite,
    terminalId,
    onPulled: (summary) => {
      // Most pulls (one every 15 s) bring nothing: the service keeps its caches then.
      if (!summary.changed && !summary.settingsChanged) return;
      const reload = (service as { reload?: () => void } | undefined)?.reload;
      if (typeof reload === 'function') reload.call(service);
      if (summary.changed) onDataChanged?.(summary);
    },
  });
  if (onState) client.onState(onState);
  client.start();
  return {
    client,
    state: () => client.state(),
    syncNow: async () => { await client.syncOnce(); },
    nudge: () => client.nudge(),
    stop: () => client.stop(),
    description: `Сервер ${opts.serverUrl}`,
  };
}
