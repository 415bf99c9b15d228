import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { App } from 'electron';
import { compareVersions } from '../src/core/version.js';
import type { Reinstaller, UpdaterPort } from '../src/shell/updates.js';

/**
 * electron-updater and the kept installers behind the till's update policy
 * (src/shell/updates.ts holds every rule; this file only adapts).
 *
 * - The feed is our server's /api/v1/updates/ (generic provider), with the till's
 *   Bearer token: the server offers what this till's school may have (pilot first).
 * - autoDownload and autoInstallOnAppQuit are off: the policy decides when.
 * - Each installed version's installer is kept in <userData>/installers/<version>/
 *   (the last three): that is what a rollback runs. The version first installed by
 *   hand has none unless the district copies its installer there (docs/cashier-app.md).
 */

type ElectronUpdater = typeof import('electron-updater').autoUpdater;

export function installersDir(app: App): string {
  return path.join(app.getPath('userData'), 'installers');
}

export async function electronUpdater(app: App, feed: { url: string; headers: Record<string, string> }, log: (l: string) => void): Promise<UpdaterPort> {
  const { autoUpdater } = (await import('electron-updater')) as { autoUpdater: ElectronUpdater };
  autoUpdater.setFeedURL({ provider: 'generic', url: feed.url });
  autoUpdater.requestHeaders = feed.headers;
  autoUpdater.autoDownload = false;
  autoUpdater.autoInstallOnAppQuit = false;
  autoUpdater.allowDowngrade = false;
  autoUpdater.logger = { info: () => {}, warn: (m: unknown) => log(`обновление: ${String(m)}`), error: (m: unknown) => log(`обновление: ${String(m)}`) } as ElectronUpdater['logger'];
  let files: string[] = [];
  return {
    async check() {
      const r = await autoUpdater.checkForUpdates();
      return r?.updateInfo.version ?? null;
    },
    async download() {
      files = await autoUpdater.downloadUpdate();
    },
    install(version) {
      keepInstallers(installersDir(app), version, files);
      autoUpdater.quitAndInstall(true, true);
    },
  };
}

/** Copies the downloaded installer aside (a later rollback to this version runs it) and keeps the newest three versions. */
export function keepInstallers(dir: string, version: string, files: string[]): void {
  const target = path.join(dir, version);
  mkdirSync(target, { recursive: true });
  for (const f of files) if (!f.endsWith('.blockmap')) copyFileSync(f, path.join(target, path.basename(f)));
  const versions = readdirSync(dir).sort(compareVersions);
  for (const old of versions.slice(0, -3)) rmSync(path.join(dir, old), { recursive: true, force: true });
}

/**
 * Windows: the kept NSIS installer runs silently (`/S`) and starts the app after
 * (`--force-run`); an AppImage is copied back over $APPIMAGE and relaunched. A deb
 * needs root: refused (the console shows the failed rollback; a technician reinstalls).
 */
export function electronReinstaller(app: App, platform: NodeJS.Platform = process.platform): Reinstaller {
  return {
    async reinstall(version) {
      const dir = path.join(installersDir(app), version);
      let files: string[] = [];
      try { files = readdirSync(dir); } catch { /* none kept */ }
      if (platform === 'win32') {
        const exe = files.find((f) => f.toLowerCase().endsWith('.exe'));
        if (!exe) throw new Error(`нет установщика версии ${version}`);
        spawn(path.join(dir, exe), ['/S', '--force-run'], { detached: true, stdio: 'ignore' }).unref();
        app.exit(0);
        return;
      }
      const image = files.find((f) => f.endsWith('.AppImage'));
      const current = process.env.APPIMAGE;
      if (!image || !current) throw new Error(`нет AppImage версии ${version} (откат deb-пакета — вручную: sudo dpkg -i)`);
      copyFileSync(path.join(dir, image), `${current}.rollback`);
      chmodSync(`${current}.rollback`, 0o755);
      const { renameSync } = await import('node:fs');
      renameSync(`${current}.rollback`, current);
      app.relaunch({ execPath: current });
      app.exit(0);
    },
  };
}
