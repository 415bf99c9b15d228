import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildElectron } from '../../electron/build.js';
import { bundleImports, TILL_MODULES_CONFIG, tillModules } from '../../electron/till-modules.js';
import { TOKEN_BLOB } from '../../electron/token-store.js';
import { DB_KEY_BLOB } from '../../electron/db-key-store.js';
import { POS_API_METHODS } from '../../src/api/pos-api.js';
import { startEmbeddedServer } from '../../src/shell/embedded-server.js';
import { ensureUi, REPO_ROOT } from '../../src/shell/ui-build.js';
import { readSyncConfigFile, saveSyncConfig } from '../../src/terminal/sync/config.js';

// The Electron binary cannot be downloaded here, so the BUILT main process
// (what electron-builder packages) is booted under plain Node with a stand-in
// `electron` module: it must open the core from its bundled paths, register
// its IPC, serve app:// with the CSP, and keep the renderer locked down.
const out = path.join(REPO_ROOT, `dist-electron-test-${process.pid}`);
const tmp = mkdtempSync(path.join(tmpdir(), 'canteen-electron-'));
const fixtures = path.join(REPO_ROOT, 'tests/unit/fixtures/electron-stub');
/** Server-side and build-time packages: never in the till's installer (issue 18 follow-up). */
const SERVER_ONLY = ['fastify', '@electric-sql/pglite', 'pg', 'exceljs', 'pdfkit', 'sharp', 'nodemailer', 'otplib', 'tsx', 'esbuild', 'react', 'echarts'];
beforeAll(async () => { await ensureUi(); await buildElectron(out); }, 120_000);
afterAll(() => { rmSync(out, { recursive: true, force: true }); rmSync(tmp, { recursive: true, force: true }); });

/** Runs the built main under the stub; returns the probe's JSON and everything main printed. */
async function boot(env: Record<string, string>) {
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [
    '--import', path.join(fixtures, 'register.mjs'), path.join(fixtures, 'probe.mjs'), path.join(out, 'main.js'),
  ], { cwd: REPO_ROOT, env: { ...process.env, CANTEEN_READER: 'simulated', ...env }, timeout: 60_000 });
  return { r: JSON.parse(stdout.trim().split('\n').at(-1)!), output: stdout + stderr };
}

describe('electron main bundle', () => {
  it('boots the terminal core, answers IPC from its own page only and serves app:// with the CSP', async () => {
    const userData = path.join(tmp, 'demo');
    const { r } = await boot({ STUB_USERDATA: userData, CANTEEN_DEMO: '1' });
    expect(r.url).toBe('app://cashier/index.html');
    expect(r.webPreferences).toMatchObject({ contextIsolation: true, nodeIntegration: false, sandbox: true, webSecurity: true });
    expect(r.webPreferences.preload).toBe(path.join(out, 'preload.cjs'));
    expect(r.status).toMatchObject({ ok: true, value: { schoolName: 'Школа №24', reader: { simulated: true } } });
    expect(r.foreign).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
    expect(r.page).toMatchObject({ status: 200, html: true });
    expect(r.page.csp).toContain("default-src 'none'");
    expect(r.traversal).toBe(403);
    expect(r.channels).toBe(POS_API_METHODS.length);
    // The database key behind safeStorage: only its blob in the data folder, no plaintext db.key.
    expect(existsSync(path.join(userData, 'data', DB_KEY_BLOB))).toBe(true);
    expect(existsSync(path.join(userData, 'data', 'db.key'))).toBe(false);
  });

  it('keeps the server token with safeStorage: an existing server.json is migrated on first start, and the token still syncs', async () => {
    const server = await startEmbeddedServer();
    try {
      const e = await server.enrollDemoTerminal();
      const userData = path.join(tmp, 'enrolled');
      const dataDir = path.join(userData, 'data');
      mkdirSync(dataDir, { recursive: true });
      // As `canteen terminal enroll` left it: the token in the 0600 server.json.
      saveSyncConfig(dataDir, {
        serverUrl: e.serverUrl, token: e.token, terminalId: e.terminalId, terminalName: e.terminalName ?? '',
        schoolId: e.schoolId, schoolCode: e.schoolCode, schoolName: e.schoolName, enrolledAt: new Date().toISOString(),
      });
      // An empty terminal database makes the start pull the school with the token: a wrong token fails the boot.
      const freshBoot = (env: Record<string, string>) => {
        for (const f of ['terminal.sqlite', 'terminal.sqlite-wal', 'terminal.sqlite-shm']) rmSync(path.join(dataDir, f), { force: true });
        return boot({ STUB_USERDATA: userData, ...env });
      };
      const okStatus = { ok: true, value: { schoolName: 'Школа №24' } };

      // No keyring: the 0600 file stays the store, with a warning.
      const noKeyring = await freshBoot({ STUB_SAFESTORAGE: 'off' });
      expect(noKeyring.r.status).toMatchObject(okStatus);
      expect(noKeyring.output).toMatch(/ВНИМАНИЕ.*открытым текстом/);
      expect(readSyncConfigFile(dataDir)?.token).toBe(e.token);
      expect(existsSync(path.join(dataDir, 'db.key'))).toBe(true);

      // With a keyring: moved into the encrypted blob.
      const migrated = await freshBoot({});
      expect(migrated.r.status).toMatchObject(okStatus);
      expect(migrated.output).toContain('перенесён');
      expect(readSyncConfigFile(dataDir)).toMatchObject({ terminalId: e.terminalId, serverUrl: e.serverUrl });
      expect(readSyncConfigFile(dataDir)?.token).toBeUndefined();
      expect(readFileSync(path.join(dataDir, TOKEN_BLOB)).includes(e.token)).toBe(false);
      // The database key likewise: the 0600 db.key of the keyring-less start is moved into its blob.
      expect(existsSync(path.join(dataDir, 'db.key'))).toBe(false);
      expect(existsSync(path.join(dataDir, DB_KEY_BLOB))).toBe(true);

      // Next start: the token comes from the blob alone.
      const again = await freshBoot({});
      expect(again.r.status).toMatchObject(okStatus);
      expect(again.output).not.toContain('перенесён');
      expect(again.output).not.toContain('ERRORBOX');
    } finally {
      await server.close();
    }
  }, 180_000);
});

describe('what the installer packs (electron-builder.yml, issue 18)', () => {
  // js-yaml, json5 and minimatch come with electron-builder (what it parses and matches with).
  const req = createRequire(import.meta.url);
  const yaml = req('js-yaml') as { load(s: string): unknown };
  const { minimatch } = req('minimatch') as { minimatch(p: string, g: string, o?: object): boolean };
  const json5 = req('json5') as { parse(s: string): unknown };
  const config = yaml.load(readFileSync(path.join(REPO_ROOT, 'electron-builder.yml'), 'utf8')) as {
    extends: string; files: string[]; asarUnpack: string[]; npmRebuild: boolean; buildDependenciesFromSource: boolean; extraMetadata: { main: string };
  };
  const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };

  it('every package the built main imports is a dependency (packaged), never a devDependency', () => {
    const packages = bundleImports(out);
    expect(packages.length).toBeGreaterThan(3);
    expect(packages.filter((p) => !(p in pkg.dependencies))).toEqual([]);
    expect(packages).toEqual(expect.arrayContaining(['electron-updater', 'better-sqlite3-multiple-ciphers', 'serialport', 'node-hid']));
    expect(config.extraMetadata.main).toBe('dist-electron/main.js');
    for (const need of ['dist-electron/**', 'dist-ui/**', 'migrations/terminal/**', 'package.json']) expect(config.files).toContain(need);
  });

  it('the installer leaves out what the till does not load: the server\'s packages and the build tools', () => {
    // buildElectron wrote the list electron-builder.yml extends, derived from this bundle.
    expect(config.extends).toBe(`dist-electron/${TILL_MODULES_CONFIG}`);
    const written = json5.parse(readFileSync(path.join(out, TILL_MODULES_CONFIG), 'utf8')) as { files: string[] };
    const t = tillModules(REPO_ROOT, out);
    expect(written.files).toEqual(t.excluded.map((p) => `!**/node_modules/${p}{,/**}`));
    expect(config.files).toContain(`!dist-electron/${TILL_MODULES_CONFIG}`);
    expect(t.packed).toEqual(expect.arrayContaining([...t.imports, '@serialport/bindings-cpp', 'builder-util-runtime']));
    expect(t.excluded).toEqual(expect.arrayContaining(SERVER_ONLY));
    expect(t.packed.filter((p) => t.excluded.includes(p))).toEqual([]);
    // The globs as electron-builder matches node_modules paths (minimatch, dot): any depth, the folder itself too.
    const gone = (file: string) => written.files.some((g) => minimatch(file, g.slice(1), { dot: true }));
    expect(['node_modules/fastify', 'node_modules/fastify/fastify.js', 'node_modules/exceljs/node_modules/unzipper/unzip.js', 'node_modules/@electric-sql/pglite/dist/index.js'].map(gone)).toEqual([true, true, true, true]);
    expect(['node_modules/serialport/dist/index.js', 'node_modules/electron-updater/out/main.js', 'node_modules/@node-rs/argon2/index.js', 'dist-electron/main.js'].map(gone)).toEqual([false, false, false, false]);
  });

  it('native modules are rebuilt for Electron\'s ABI and unpacked from the asar', () => {
    expect(config.npmRebuild).toBe(true);
    expect(config.buildDependenciesFromSource).toBe(false);
    const native = Object.keys(pkg.dependencies).flatMap((d) => [d, ...(d === 'serialport' ? ['@serialport/bindings-cpp'] : [])])
      .filter((d) => existsSync(path.join(REPO_ROOT, 'node_modules', d, 'binding.gyp')));
    expect(native).toEqual(expect.arrayContaining(['better-sqlite3-multiple-ciphers', 'node-hid', '@serialport/bindings-cpp']));
    // Each system's package carries its own prebuilt binaries only (electron-builder expands ${os} to win or linux).
    const kept = (os: 'win' | 'linux', file: string) => !config.files.some((g) => g.startsWith('!') && minimatch(file, g.slice(1).replaceAll('${os}', os), { dot: true }));
    const hid = (dir: string) => `node_modules/node-hid/prebuilds/${dir}/node-napi-v4.node`;
    const serial = (dir: string, f: string) => `node_modules/@serialport/bindings-cpp/prebuilds/${dir}/@serialport+bindings-cpp.${f}.node`;
    expect([kept('win', hid('HID-win32-x64')), kept('win', hid('HID-win32-ia32')), kept('win', serial('win32-x64', 'node')), kept('win', hid('HID-linux-x64')), kept('win', hid('HID_hidraw-linux-x64')), kept('win', serial('linux-x64', 'glibc'))])
      .toEqual([true, true, true, false, false, false]);
    expect([kept('linux', hid('HID-linux-x64')), kept('linux', hid('HID_hidraw-linux-x64')), kept('linux', serial('linux-x64', 'glibc')), kept('linux', hid('HID-win32-x64')), kept('linux', serial('darwin-x64+arm64', 'node'))])
      .toEqual([true, true, true, false, false]);
    for (const d of native) {
      const file = `node_modules/${d}/build/Release/addon.node`;
      expect([d, config.asarUnpack.some((g) => minimatch(`node_modules/${d}/lib/index.js`, g, { dot: true }))]).toEqual([d, true]);
      expect(config.asarUnpack.some((g) => minimatch(file, g, { dot: true }))).toBe(true);
    }
  });
});
