import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { POS_API_METHODS, type PosApi, type PosEvent } from '../api/pos-api.js';
import { fail, ok } from '../api/result.js';
import type { CardReader } from '../../hardware/reader/reader.js';
import { openReader } from '../../hardware/reader/index.js';
import type { PrinterDevice } from '../../hardware/printer/device.js';
import { FilePrinter, SimulatedPrinter } from '../../hardware/printer/index.js';
import { DEMO_SCHOOL } from '../core/demo-school.js';
import { openTerminalDb, removeMigrationBackups } from '../terminal/db/open.js';
import { PosService } from '../terminal/pos-service.js';
import { databaseKey, fileDbKeyStore, privateDataDir } from '../terminal/db/cipher.js';
import { PrintQueue, SqlitePrintJobStore } from '../terminal/print-queue.js';
import { isEmpty, loadSchool, SETTING } from '../terminal/seed.js';
import { loadSyncConfig } from '../terminal/sync/config.js';
import { fileTokenStore, type TokenStore } from '../terminal/sync/token-store.js';
import type { SyncRuntimeHandle } from '../terminal/sync/index.js';
import { pendingCount } from '../terminal/outbox.js';
import { UPDATES_PATH } from '../api/sync.js';
import { readJournal, type TillGate } from './updates.js';
import { buildDiagnosticBundle, LogRing, type DiagnosticBundle } from '../terminal/diagnostics.js';
import { diagnosticsFetch } from './diagnostics-upload.js';

/**
 * The terminal's device owner, shared by both shells (the browser shell's Node
 * process and Electron main): opens the database, the card reader, the print
 * queue and the sync client, wires their events into one PosEvent stream and
 * hands out a PosApi. Everything a shell does beyond this is transport.
 */

/** The app's version as package.json says (reported to the server with each pull); "unknown" where a bundle has no package.json beside it. */
const APP_VERSION: string = (() => {
  try { return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version; } catch { return 'unknown'; }
})();

export interface DeviceInfo {
  device: 'reader' | 'printer' | 'server';
  /** true when it is a stand-in (simulator, file printer, embedded demo server). */
  simulated: boolean;
  /** Russian, one line: what it is and where. */
  description: string;
}

/** Where this terminal syncs: what `canteen terminal enroll` saved in <dataDir>/server.json. */
export interface ServerLink {
  serverUrl: string;
  token: string;
  terminalId: string;
  terminalName?: string;
  /** The school's PIN pepper from enrolment (staff PIN hashes from the server are keyed with it). */
  pinPepper?: string;
}

/** Sync client timing overrides (tests and the demo shorten them). */
export interface SyncTuning {
  debounceMs?: number;
  intervalMs?: number;
  backoff?: { baseMs: number; maxMs: number };
  requestTimeoutMs?: number;
}

export interface RuntimeOptions {
  /** Folder for terminal.sqlite and the file printer's output. */
  dataDir: string;
  /** Start from an empty database. */
  fresh?: boolean;
  /** Load the demo school into an empty database. */
  seedDemo?: boolean;
  /** `simulated` | `auto` | `none` | a serial port | `hid:VID:PID` (default: CANTEEN_READER, else auto). */
  reader?: string;
  /**
   * `file`: receipts land in <dataDir>/printer as .bin + .txt; `memory`; a device.
   * Absent: CANTEEN_PRINTER (see printer-config.ts) if set, else `file`.
   */
  printer?: 'file' | 'memory' | PrinterDevice;
  printerColumns?: 32 | 48;
  /**
   * The central server: `auto` (default) reads <dataDir>/server.json if the
   * terminal is enrolled; `false` runs stand-alone.
   */
  server?: 'auto' | false | ServerLink;
  /**
   * Where the server token is kept (with `server: 'auto'`): Electron passes
   * its safeStorage store; default, the 0600 server.json itself.
   */
  tokenStore?: TokenStore;
  /** Where the PIN pepper is kept, likewise (default: server.json). */
  pepperStore?: TokenStore;
  /**
   * The database key (SQLCipher, db/cipher.ts): default the 0600 <dataDir>/db.key, made on first
   * start. `false` leaves the database unencrypted (benchmarks comparing both).
   */
  dbKeyStore?: TokenStore | false;
  syncTuning?: SyncTuning;
  /** What the update policy reports (src/shell/updates.ts statusWord), sent with each pull. */
  updateStatus?: () => string | undefined;
  log?: (line: string) => void;
}

export interface Runtime {
  /** The PosApi the shells expose (simulateTap goes through the simulated reader when there is one). */
  api: PosApi;
  onEvent(listener: (event: PosEvent) => void): () => void;
  devices: DeviceInfo[];
  /** The simulated reader, when the reader is simulated (tests, benchmarks, demo). */
  simulatedReader?: { tap(cardId: string): unknown };
  /** The printer device (tests read what it printed). */
  printer?: PrinterDevice;
  /** Resolves once queued print jobs are printed. */
  printIdle(): Promise<void>;
  /** Push and pull now (when a server is configured). */
  syncNow?: () => Promise<void>;
  /** The bundle a till sends when the console asks (src/terminal/diagnostics.ts): no ledger, no roster, redacted log. */
  diagnostics?: () => DiagnosticBundle;
  /** Shift and outbox, for the update policy (an update never installs mid-shift or with unsent sales). */
  updateGate: TillGate;
  /** Where this till's updates come from (the enrolled server, with its token); absent when stand-alone. */
  updateFeed?: { url: string; headers: Record<string, string> };
  /** A cashier is logged in with a PIN (the browser shell refuses pupil and receipt reads without one). */
  loggedIn(): boolean;
  dataDir: string;
  close(): Promise<void>;
}

const WRITES = new Set<string>(['sell', 'refund', 'blockCard', 'newCabinetPassword', 'serveOrders']);

export async function openRuntime(options: RuntimeOptions): Promise<Runtime> {
  // The last 1,000 log lines stay in memory for a diagnostic bundle (redacted when one is built).
  const ring = new LogRing();
  const opts: RuntimeOptions = { ...options, log: (line) => { ring.push(line); options.log?.(line); } };
  const listeners = new Set<(e: PosEvent) => void>();
  const broadcast = (e: PosEvent) => {
    for (const l of [...listeners]) {
      try { l(e); } catch (err) { opts.log?.(`event listener failed: ${String(err)}`); }
    }
  };

  // 152-ФЗ: the roster, photos and allergies are children's data: the folder is the app user's alone.
  privateDataDir(opts.dataDir);
  const dbPath = path.join(opts.dataDir, 'terminal.sqlite');
  if (opts.fresh) for (const f of [dbPath, `${dbPath}-wal`, `${dbPath}-shm`]) rmSync(f, { force: true });

  // Read before any device opens: a missing or unreadable token leaves nothing to close.
  const link: ServerLink | undefined = opts.server === false ? undefined
    : typeof opts.server === 'object' ? opts.server
      : loadSyncConfig(opts.dataDir, opts.tokenStore ?? fileTokenStore(opts.dataDir), opts.pepperStore ?? fileTokenStore(opts.dataDir, 'pinPepper'));

  const reader: CardReader = await openReader({ reader: opts.reader });
  const columns = opts.printerColumns ?? 32;
  const printerDir = path.join(opts.dataDir, 'printer');
  let device: PrinterDevice;
  if (typeof opts.printer === 'object') device = opts.printer;
  else if (opts.printer === 'memory') device = new SimulatedPrinter('escpos', columns);
  else if (opts.printer === 'file' || !process.env.CANTEEN_PRINTER) device = new FilePrinter(printerDir, 'escpos', columns);
  else {
    const { printerFromSetting } = await import('./printer-config.js');
    const p = printerFromSetting(process.env.CANTEEN_PRINTER, process.env.CANTEEN_PRINTER_PROFILE, process.env.CANTEEN_PRINTER_WIDTH);
    if ('error' in p) { await reader.close(); throw new Error(p.error); }
    device = p;
  }

  let sqlite: ReturnType<typeof openTerminalDb>['sqlite'];
  try {
    const keyStore = opts.dbKeyStore ?? fileDbKeyStore(opts.dataDir);
    sqlite = openTerminalDb(dbPath, keyStore === false ? {} : { key: databaseKey(keyStore) }).sqlite;
  } catch (err) {
    await reader.close();
    throw err;
  }
  let backupPending = true;
  // Filled below; a bundle asked for before then has an empty device list.
  const shown: { devices: DeviceInfo[] } = { devices: [] };
  const diagnostics = () => buildDiagnosticBundle({
    sqlite, appVersion: APP_VERSION, devices: shown.devices, printer: queue?.state() ?? null, sync: sync?.state() ?? null,
    log: ring.all(), update: readJournal(opts.dataDir),
  });
  const openedAt = new Date().toISOString();
  let service: PosService | undefined;
  let sync: SyncRuntimeHandle | undefined;
  let queue: PrintQueue | undefined;
  let card: (cardId: string, raw?: string) => void = () => {};
  try {
    if (link) {
      const set = sqlite.prepare('INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)');
      set.run(SETTING.terminalId, link.terminalId);
      if (link.terminalName) set.run(SETTING.terminalName, link.terminalName);
    }
    if (isEmpty(sqlite) && opts.seedDemo && !link) await loadSchool(sqlite, DEMO_SCHOOL);
    if (link) {
      // Loaded only for an enrolled terminal: a stand-alone one starts faster without it.
      const { startSync } = await import('../terminal/sync/index.js');
      sync = startSync({
        sqlite, serverUrl: link.serverUrl, token: link.token, terminalId: link.terminalId,
        ...opts.syncTuning,
        // The service exists only after the first pull on a new terminal; reload it when it does.
        service: { reload: () => service?.reload() },
        onState: (state) => {
          // The first good sync after an update: the database copy made before its migrations goes.
          if (backupPending && state.lastSyncAt && state.lastSyncAt >= openedAt && !state.lastError) { backupPending = false; removeMigrationBackups(dbPath); }
          broadcast({ type: 'sync', state: { ...state } });
        },
        onDataChanged: () => broadcast({ type: 'dataChanged' }),
        // For the console's till status table (reported with each pull).
        status: () => ({
          appVersion: APP_VERSION,
          reader: reader.kind === 'simulated' ? 'simulated' : reader.kind === 'none' ? 'none' : reader.state.lastError ? 'error' : 'ok',
          printer: device.simulated ? 'simulated' : 'ok',
          ...(opts.updateStatus?.() ? { update: opts.updateStatus() } : {}),
        }),
        log: opts.log,
        fetch: diagnosticsFetch({
          serverUrl: link.serverUrl, token: link.token, log: opts.log,
          build: () => diagnostics(),
        }),
      });
      if (isEmpty(sqlite)) {
        // A newly enrolled terminal has nothing to sell until its first pull.
        await sync.syncNow();
        if (isEmpty(sqlite)) {
          throw new Error(`Касса ещё не получила данные школы: сервер ${link.serverUrl} недоступен (${sync.state().lastError ?? 'нет ответа'})`);
        }
      }
    }
    if (isEmpty(sqlite)) throw new Error('В базе кассы нет школы: зарегистрируйте кассу (canteen terminal enroll) или запустите демо (--demo-data)');
    queue = new PrintQueue({
      store: new SqlitePrintJobStore(sqlite),
      printer: device,
      onState: (state) => broadcast({ type: 'printer', state }),
      statusPollMs: device.simulated ? 1000 : 5000,
    });
    const s = sync;
    service = new PosService(sqlite, {
      printer: queue,
      reader: { state: () => reader.state },
      ...(s ? { sync: { state: () => s.state() } } : {}),
      ...(link?.pinPepper ? { pinPepper: link.pinPepper } : {}),
      emit: (e) => (e.type === 'card' ? card(e.cardId, e.raw) : broadcast(e)),
    });
  } catch (err) {
    await sync?.stop();
    sqlite.close();
    await reader.close();
    throw err;
  }

  // A tap is identified here, in the process that owns the core, and sent with
  // its answer: the renderer paints the pupil without another round trip.
  card = (cardId, raw) => {
    if (!service.currentSession) { broadcast({ type: 'card', cardId, ...(raw ? { raw } : {}) }); return; }
    void service.identifyCard(cardId).then((identified) => broadcast({ type: 'card', cardId, ...(raw ? { raw } : {}), identified }));
  };
  const offReader = [
    reader.on('card', (e) => card(e.cardId, e.raw)),
    reader.on('error', (e) => broadcast({ type: 'cardError', message: e.message, raw: e.raw })),
    reader.on('state', (state) => broadcast({ type: 'reader', state })),
  ];
  queue?.start();

  const simulated = reader.kind === 'simulated' ? (reader as unknown as { tap(id: string): unknown }) : undefined;
  const api = {} as Record<string, unknown>;
  const svc = service;
  for (const m of POS_API_METHODS) {
    const fn = (svc[m] as (...a: unknown[]) => Promise<{ ok: boolean }>).bind(svc);
    // A write put rows in the outbox: tell the sync client now (it pushes after its debounce).
    api[m] = WRITES.has(m) && sync ? async (...a: unknown[]) => { const r = await fn(...a); if (r.ok) sync.nudge(); return r; } : fn;
  }
  const posApi = api as unknown as PosApi;
  posApi.simulateTap = async (cardId) => {
    if (!simulated) return service.simulateTap(cardId);
    const r = simulated.tap(cardId) as { ok: boolean; error?: { message: string } } | undefined;
    return r && r.ok === false ? fail('BAD_INPUT', r.error?.message ?? 'Неверный номер карты') : ok(null);
  };

  const devices: DeviceInfo[] = [
    {
      device: 'reader', simulated: reader.state.simulated,
      description: reader.kind === 'simulated' ? 'считыватель: СИМУЛЯТОР (карты — кнопками в окне кассы или номером)'
        : reader.kind === 'none' ? 'считыватель: нет (ввод номера карты вручную)'
          : `считыватель: НАСТОЯЩИЙ, ${reader.state.port ?? 'поиск устройства'}${reader.state.lastError ? ` — ${reader.state.lastError}` : ''}`,
    },
    {
      device: 'printer', simulated: device.simulated,
      description: device.simulated ? `принтер: СИМУЛЯТОР, ${device.description}` : `принтер: НАСТОЯЩИЙ, ${device.description}`,
    },
    {
      device: 'server', simulated: false,
      description: link ? `сервер: ${link.serverUrl} (касса ${link.terminalId})` : 'сервер: не настроен (касса работает автономно)',
    },
  ];

  shown.devices = devices;

  return {
    api: posApi,
    diagnostics,
    onEvent(l) { listeners.add(l); return () => { listeners.delete(l); }; },
    devices,
    ...(simulated ? { simulatedReader: simulated } : {}),
    printer: device,
    printIdle: () => queue?.idle() ?? Promise.resolve(),
    ...(sync ? { syncNow: () => sync.syncNow() } : {}),
    updateGate: {
      shiftOpen: () => sqlite.prepare('SELECT 1 FROM shifts WHERE closed_at IS NULL LIMIT 1').get() !== undefined,
      pending: () => pendingCount(sqlite),
      ...(sync ? { syncNow: () => sync.syncNow() } : {}),
    },
    ...(link ? { updateFeed: { url: `${link.serverUrl.replace(/\/+$/, '')}${UPDATES_PATH}/`, headers: { authorization: `Bearer ${link.token}` } } } : {}),
    loggedIn: () => svc.currentSession !== undefined,
    dataDir: opts.dataDir,
    async close() {
      for (const off of offReader) off();
      await sync?.stop();
      await queue?.stop();
      await reader.close();
      sqlite.close();
      listeners.clear();
    },
  };
}
