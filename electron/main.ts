import { app, BrowserWindow, dialog, ipcMain, protocol, safeStorage, session } from 'electron';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openRuntime, type Runtime } from '../src/shell/runtime.js';
import { registerPosIpc } from './ipc.js';
import { safeStorageTokenStore } from './token-store.js';
import { UpdatePolicy, type UpdaterPort } from '../src/shell/updates.js';
import { electronReinstaller, electronUpdater } from './updates.js';
import { safeStorageDbKeyStore } from './db-key-store.js';

/*
 * Electron main: owns the core through the same runtime as the browser shell
 * (src/shell/runtime.ts) and does only what is Electron's: the window, the
 * app:// protocol serving dist-ui, the IPC bridge and the locks below.
 * Settings: CANTEEN_DATA (data folder, default <userData>/data), CANTEEN_READER,
 * CANTEEN_KIOSK=1 or --kiosk (full screen, no window frame).
 */

const HERE = path.dirname(fileURLToPath(import.meta.url));
const UI_DIR = path.join(app.getAppPath(), 'dist-ui');
const PRELOAD = path.join(HERE, 'preload.cjs');
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; object-src 'none'";
const kiosk = process.env.CANTEEN_KIOSK === '1' || process.argv.includes('--kiosk');

// app:// behaves like https for the page (secure context, fetch, CSP 'self'), and serves only dist-ui.
protocol.registerSchemesAsPrivileged([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

// One terminal, one database, one reader: a second start only focuses the window.
if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  let win: BrowserWindow | undefined;
  let runtime: Runtime | undefined;
  let unregister: (() => void) | undefined;

  app.on('second-instance', () => {
    if (!win) return;
    if (win.isMinimized()) win.restore();
    win.focus();
  });

  // Nothing may open new windows, navigate away, or get permissions (camera, geolocation …).
  app.on('web-contents-created', (_e, contents) => {
    // Not even to the system browser: a kiosk till has no business opening links.
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
    contents.on('will-navigate', (event, url) => { if (!url.startsWith('app://cashier/')) event.preventDefault(); });
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });

  const MIME: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.png': 'image/png', '.svg': 'image/svg+xml', '.woff2': 'font/woff2' };

  void app.whenReady().then(async () => {
    session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));
    protocol.handle('app', async (request) => {
      const url = new URL(request.url);
      if (url.host !== 'cashier') return new Response('not found', { status: 404 });
      const rel = decodeURIComponent(url.pathname).replace(/^\/+/, '') || 'index.html';
      const file = path.resolve(UI_DIR, rel);
      if (!file.startsWith(UI_DIR + path.sep)) return new Response('forbidden', { status: 403 });
      try {
        const body = await readFile(file);
        return new Response(body, {
          headers: { 'content-type': MIME[path.extname(file)] ?? 'application/octet-stream', 'content-security-policy': CSP, 'x-content-type-options': 'nosniff' },
        });
      } catch {
        return new Response('not found', { status: 404 });
      }
    });

    const dataDir = process.env.CANTEEN_DATA ?? path.join(app.getPath('userData'), 'data');
    // Updates (src/shell/updates.ts): in the packaged app (or CANTEEN_UPDATES=1). The journal says
    // whether this start follows an install; a version that keeps failing to start is rolled back here.
    let updater: UpdaterPort | undefined;
    const policy = app.isPackaged || process.env.CANTEEN_UPDATES === '1'
      ? new UpdatePolicy({
        dataDir, currentVersion: app.getVersion(), reinstaller: electronReinstaller(app), log: (line) => console.log(line),
        updater: { check: () => updater?.check() ?? Promise.resolve(null), download: (v) => updater!.download(v), install: (v) => updater!.install(v) },
      })
      : undefined;
    if (policy?.onStart() === 'rollback') { await policy.rollBack(); return; }
    const opening = openRuntime({
      dataDir,
      // After ready: safeStorage has no key before it.
      tokenStore: safeStorageTokenStore(dataDir, safeStorage, (line) => console.warn(line)),
      pepperStore: safeStorageTokenStore(dataDir, safeStorage, (line) => console.warn(line), 'pinPepper'),
      dbKeyStore: safeStorageDbKeyStore(dataDir, safeStorage, (line) => console.warn(line)),
      ...(process.env.CANTEEN_READER ? { reader: process.env.CANTEEN_READER } : {}),
      seedDemo: process.env.CANTEEN_DEMO === '1',
      log: (line) => console.log(line),
      updateStatus: () => policy?.statusWord(),
    });
    // The window and the core start together: the page is up by the time the database is open.
    unregister = registerPosIpc(ipcMain, opening, () => win);

    win = new BrowserWindow({
      width: 1280, height: 800, kiosk, fullscreen: kiosk, autoHideMenuBar: true, show: false,
      title: 'Касса', backgroundColor: '#eef1f4',
      webPreferences: {
        preload: PRELOAD,
        contextIsolation: true,
        nodeIntegration: false,
        sandbox: true,
        webSecurity: true,
        allowRunningInsecureContent: false,
        spellcheck: false,
        devTools: !app.isPackaged,
      },
    });
    win.once('ready-to-show', () => win?.show());
    win.on('closed', () => { win = undefined; });
    void opening.then(
      (r) => {
        runtime = r;
        for (const d of r.devices) console.log(d.description);
        policy?.confirmStarted();
        if (policy && r.updateFeed) {
          const feed = r.updateFeed;
          void electronUpdater(app, feed, (line) => console.log(line)).then((u) => {
            updater = u;
            // Looked for a minute after start, then every CANTEEN_UPDATE_MINUTES (default 30); it installs only between shifts.
            const every = Number(process.env.CANTEEN_UPDATE_MINUTES ?? 30) * 60_000;
            const tick = () => { if (runtime) void policy.tick(runtime.updateGate); };
            setTimeout(tick, 60_000).unref();
            setInterval(tick, every).unref();
          }, (err: unknown) => console.log(`обновления недоступны: ${(err as Error).message}`));
        }
      },
      async (err: unknown) => {
        // A new version that cannot open its core goes back to the previous one (this exits when it can).
        await policy?.failedStart(err);
        // No till without a core: say why (not enrolled, server unreachable on first start …) and leave.
        dialog.showErrorBox('Касса не запустилась', (err as Error).message);
        app.exit(1);
      },
    );
    await win.loadURL('app://cashier/index.html');
  });

  app.on('window-all-closed', () => app.quit());
  app.on('will-quit', (event) => {
    if (!runtime) return;
    // Close the database and the devices cleanly before exiting.
    event.preventDefault();
    const r = runtime;
    runtime = undefined;
    unregister?.();
    void r.close().finally(() => app.exit(0));
  });
}
