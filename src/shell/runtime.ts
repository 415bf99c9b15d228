import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { POS_API_METHODS, type PosApi, type PosEvent, type SyncState } from '../api/pos-api.js';
import type { PosBridge } from '../api/pos-bridge.js';
import { fail, ok } from '../api/result.js';
import type { CardReader } from '../../hardware/reader/reader.js';
import type { PrinterDevice } from '../../hardware/printer/device.js';

/**
 * The terminal's device owner, shared by both shells (the browser shell's Node
 * process and Electron main): opens the database, the card reader, the print
 * queue and the sync client, wires their events into one PosEvent stream and
 * hands out a PosApi. Everything a shell does beyond this is transport.
 */

export interface DeviceInfo {
  device: 'reader' | 'printer' | 'server';
  /** true when it is a stand-in (simulator, file printer, embedded demo server). */
  simulated: boolean;
  /** Russian, one line: what it is and where. */
  description: string;
}

/** Network side of the sync client, as the runtime needs it (src/terminal/sync plugs in here). */
export interface SyncHandle {
  state(): Omit<SyncState, 'pending'> & { pending?: number };
  stop(): Promise<void> | void;
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
  /** `file` (default: receipts land in <dataDir>/printer as .bin + .txt) or `memory`. */
  printer?: 'file' | 'memory' | PrinterDevice;
  printerColumns?: 32 | 48;
  /**
   * Builds the sync client once the terminal is open. Gets the terminal and a
   * sink for its state changes; absent means a stand-alone terminal.
   */
  sync?: (ctx: { sqlite: import('better-sqlite3').Database; emit: (state: SyncState) => void; service: PosApi }) => Promise<SyncHandle & { description?: string }>;
  /** The in-memory fake core instead of SQLite (UI work without the terminal core). */
  fake?: boolean;
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
  dataDir: string;
  close(): Promise<void>;
}

export async function openRuntime(opts: RuntimeOptions): Promise<Runtime> {
  const listeners = new Set<(e: PosEvent) => void>();
  const broadcast = (e: PosEvent) => {
    for (const l of [...listeners]) {
      try { l(e); } catch (err) { opts.log?.(`event listener failed: ${String(err)}`); }
    }
  };
  if (opts.fake) return openFake(opts, listeners, broadcast);

  mkdirSync(opts.dataDir, { recursive: true });
  const dbPath = path.join(opts.dataDir, 'terminal.sqlite');
  if (opts.fresh) for (const f of [dbPath, `${dbPath}-wal`, `${dbPath}-shm`]) rmSync(f, { force: true });

  const [{ openTerminal }, { openReader }, { PrintQueue, SqlitePrintJobStore }, printerMod] = await Promise.all([
    import('../terminal/index.js'),
    import('../../hardware/reader/index.js'),
    import('../terminal/print-queue.js'),
    import('../../hardware/printer/index.js'),
  ]);

  const reader: CardReader = await openReader({ reader: opts.reader });
  const columns = opts.printerColumns ?? 32;
  const printerDir = path.join(opts.dataDir, 'printer');
  const device: PrinterDevice = typeof opts.printer === 'object' ? opts.printer
    : opts.printer === 'memory' ? new printerMod.SimulatedPrinter('escpos', columns)
      : new printerMod.FilePrinter(printerDir, 'escpos', columns);

  // The sync client is built after the terminal opens; until then the service sees "not configured".
  let sync: SyncHandle | undefined;
  let card: (cardId: string, raw?: string) => void = () => {};
  let queue: InstanceType<typeof PrintQueue> | undefined;

  const terminal = await openTerminal({
    dbPath,
    ...(opts.seedDemo ? { seed: true as const } : {}),
    reader: { state: () => reader.state },
    sync: { state: () => sync?.state() ?? { online: false, configured: false } },
    emit: (e) => (e.type === 'card' ? card(e.cardId, e.raw) : broadcast(e)),
    printer: (sqlite) => {
      queue = new PrintQueue({
        store: new SqlitePrintJobStore(sqlite),
        printer: device,
        onState: (state) => broadcast({ type: 'printer', state }),
        statusPollMs: device.simulated ? 1000 : 5000,
      });
      return queue;
    },
  });
  const service = terminal.service;

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

  let syncDescription: string | undefined;
  if (opts.sync) {
    const handle = await opts.sync({
      sqlite: terminal.sqlite,
      service,
      emit: (state) => {
        broadcast({ type: 'sync', state });
      },
    });
    sync = handle;
    syncDescription = handle.description;
  }

  const simulated = reader.kind === 'simulated' ? (reader as unknown as { tap(id: string): unknown }) : undefined;
  const api = {} as Record<string, unknown>;
  for (const m of POS_API_METHODS) api[m] = (service[m] as (...a: unknown[]) => unknown).bind(service);
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
      device: 'server', simulated: true,
      description: syncDescription ?? 'сервер: не настроен (касса работает автономно)',
    },
  ];

  return {
    api: posApi,
    onEvent(l) { listeners.add(l); return () => { listeners.delete(l); }; },
    devices,
    ...(simulated ? { simulatedReader: simulated } : {}),
    printer: device,
    printIdle: () => queue?.idle() ?? Promise.resolve(),
    dataDir: opts.dataDir,
    async close() {
      for (const off of offReader) off();
      await sync?.stop();
      await queue?.stop();
      await reader.close();
      terminal.close();
      listeners.clear();
    },
  };
}

async function openFake(opts: RuntimeOptions, listeners: Set<(e: PosEvent) => void>, broadcast: (e: PosEvent) => void): Promise<Runtime> {
  const { createFakePos } = await import('../ui/testing/fake-pos.js');
  const fake: PosBridge = createFakePos();
  fake.onEvent(broadcast);
  return {
    api: fake,
    onEvent(l) { listeners.add(l); return () => { listeners.delete(l); }; },
    devices: [
      { device: 'reader', simulated: true, description: 'считыватель: СИМУЛЯТОР' },
      { device: 'printer', simulated: true, description: 'принтер: нет (поддельное ядро в памяти)' },
      { device: 'server', simulated: true, description: 'сервер: не настроен' },
    ],
    simulatedReader: { tap: (id: string) => fake.simulateTap(id) },
    printIdle: () => Promise.resolve(),
    dataDir: opts.dataDir,
    async close() { listeners.clear(); },
  };
}
