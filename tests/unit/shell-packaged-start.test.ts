import { execFile } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildElectron } from '../../electron/build.js';
import type { TillModules } from '../../electron/till-modules.js';
import { DB_KEY_BLOB } from '../../electron/db-key-store.js';
import { listTills } from '../../src/server/admin/tills.js';
import { startEmbeddedServer, type EmbeddedServer } from '../../src/shell/embedded-server.js';
import { ensureUi, REPO_ROOT } from '../../src/shell/ui-build.js';
import { openEncrypted } from '../../src/terminal/db/cipher.js';
import { saveSyncConfig } from '../../src/terminal/sync/config.js';

/**
 * Issue 18, "the installer, proven as far as this machine allows": electron-builder itself
 * packs the app (`--dir`, the step before the AppImage/deb/NSIS), then the packed app starts.
 *
 * The Electron binary cannot be downloaded here, so electron-builder gets a stand-in Electron
 * distribution (`electronDist`: one shell script; it only copies and renames it) and
 * `npmRebuild=false` (rebuilding for Electron's ABI needs Electron's headers from the network).
 * The project it packs is a copy of what `npm run dist` packs (dist-electron, dist-ui,
 * migrations/terminal, package.json) beside our node_modules, of which only the till's go in:
 * what the built main imports and their dependencies (electron/till-modules.ts). electron-builder finds the
 * production modules by walking node_modules (its `traversal` collector): its `npm ls`
 * collector cannot follow a symlinked node_modules (our worktrees), and both take the same
 * production closure of package.json's dependencies.
 *
 * The packed resources/app.asar is then laid out as Electron reads it — its files (the
 * unpacked native modules included) under resources/app.asar/ — and the built main is started
 * from there under plain Node with the stand-in `electron` module (tests/unit/fixtures/electron-stub),
 * from a foreign working directory: nothing may come from the repository.
 */
const req = createRequire(import.meta.url);
const asar = req('@electron/asar') as {
  listPackage(archive: string, o: { isPack: boolean }): string[];
  statFile(archive: string, file: string): { unpacked?: boolean };
  extractAll(archive: string, dest: string): void;
  extractFile(archive: string, file: string): Buffer;
};
const run = promisify(execFile);
const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string>; devDependencies: Record<string, string> };
const tmp = mkdtempSync(path.join(tmpdir(), 'canteen-packaged-'));
const project = path.join(tmp, 'project');
const resources = path.join(tmp, 'release', 'linux-unpacked', 'resources');
const archive = path.join(resources, 'app.asar');
let files: string[] = [];
let modules: TillModules;
/** Server-side and build-time packages (issue 18 follow-up): never in the till's installer. */
const SERVER_ONLY = ['fastify', '@fastify/static', '@electric-sql/pglite', 'pg', 'exceljs', 'pdfkit', 'sharp', 'nodemailer', 'otplib', 'tsx', 'esbuild', 'react', 'echarts', 'unzipper'];

beforeAll(async () => {
  await ensureUi();
  // What `npm run dist` packs (electron-builder.yml `files`), in a project of its own.
  modules = await buildElectron(path.join(project, 'dist-electron'));
  cpSync(path.join(REPO_ROOT, 'dist-ui'), path.join(project, 'dist-ui'), { recursive: true });
  cpSync(path.join(REPO_ROOT, 'migrations/terminal'), path.join(project, 'migrations/terminal'), { recursive: true });
  for (const f of ['package.json', 'electron-builder.yml']) cpSync(path.join(REPO_ROOT, f), path.join(project, f));
  symlinkSync(realpathSync(path.join(REPO_ROOT, 'node_modules')), path.join(project, 'node_modules'));
  // Decoys for the repository's other files: a `files` slip (electron-builder falling back to "**/*") packs them.
  mkdirSync(path.join(project, 'src'));
  writeFileSync(path.join(project, 'src', 'server.ts'), 'export {};\n');
  writeFileSync(path.join(project, 'NOTES.txt'), 'not for the till\n');
  const electronDist = path.join(tmp, 'electron-dist');
  mkdirSync(electronDist);
  writeFileSync(path.join(electronDist, 'electron'), '#!/bin/sh\necho "stand-in Electron"\n');
  chmodSync(path.join(electronDist, 'electron'), 0o755);
  await run(process.execPath, [
    req.resolve('electron-builder/cli.js'), '--dir', '--linux', '--x64', '--projectDir', project, '--config', 'electron-builder.yml',
    `-c.electronDist=${electronDist}`, '-c.npmRebuild=false', `-c.directories.output=${path.join(tmp, 'release')}`,
  ], {
    cwd: project, timeout: 400_000, maxBuffer: 64 * 1024 * 1024,
    // No lockfile in the copy: electron-builder takes its package manager from here (see above).
    env: { ...process.env, npm_config_user_agent: 'traversal', npm_execpath: '' },
  });
  files = asar.listPackage(archive, { isPack: false });
}, 600_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('what electron-builder packs (resources/app.asar)', () => {
  it('the app, its migrations and the modules the till loads; no server packages, sources, tests, maps or dev tools', () => {
    for (const f of ['/package.json', '/dist-electron/main.js', '/dist-electron/preload.cjs', '/dist-ui/index.html', '/migrations/terminal/meta/_journal.json']) {
      expect(files).toContain(f);
    }
    // Every package the built main imports is packed; every packed package is one the till needs (the bundle's closure).
    const packed = new Set(files.map((f) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\/package\.json$/.exec(f)?.[1]).filter((p): p is string => !!p));
    for (const dep of modules.imports) expect([dep, files.includes(`/node_modules/${dep}/package.json`)]).toEqual([dep, true]);
    expect(modules.imports).toEqual(expect.arrayContaining(['better-sqlite3-multiple-ciphers', 'electron-updater', 'serialport', 'node-hid', '@node-rs/argon2']));
    expect([...packed].filter((p) => !modules.packed.includes(p))).toEqual([]);
    // The server, the build tools and the Electron npm package (a binary downloader) stay out, at any depth.
    for (const gone of [...SERVER_ONLY, 'electron', 'electron-builder', 'vitest', 'vite', 'typescript', 'drizzle-kit', 'playwright-core']) {
      expect([gone, files.filter((f) => f.includes(`/node_modules/${gone}/`) || f.endsWith(`/node_modules/${gone}`))]).toEqual([gone, []]);
    }
    expect(files.filter((f) => /^\/(src|tests|bench|docs|hardware|electron)\//.test(f) || (/\.map$/.test(f) && !f.startsWith('/node_modules/')))).toEqual([]);
    expect([...new Set(files.map((f) => f.split('/')[1]))].sort()).toEqual(['dist-electron', 'dist-ui', 'migrations', 'node_modules', 'package.json']);
    // Nor the generated exclusion list, nor the native modules' sources (compiled before packing).
    expect(files.filter((f) => f.endsWith('till-modules.json5') || /\/node_modules\/better-sqlite3[^/]*\/(deps|src|build\/Release\/obj)\//.test(f) || /\/node-hid\/(hidapi|src)\//.test(f))).toEqual([]);
    // Nor the other systems' prebuilt binaries (this is the Linux package; `${os}` in the globs makes it so).
    expect(files.filter((f) => /\/prebuilds\/[^/]*(darwin|win32|android)/.test(f))).toEqual([]);
    // Was 130 MB (+86 MB unpacked) with package.json's whole production closure and the native sources; ~12 MB (+~9 MB) now.
    expect(statSync(archive).size).toBeLessThan(32 * 1024 * 1024);
    const unpacked = files.filter((f) => asar.statFile(archive, f.slice(1)).unpacked && statSync(path.join(`${archive}.unpacked`, f)).isFile());
    expect(unpacked.reduce((sum, f) => sum + statSync(path.join(`${archive}.unpacked`, f)).size, 0)).toBeLessThan(16 * 1024 * 1024);
    // Electron starts what the packed package.json names, and reports its version.
    expect(JSON.parse(asar.extractFile(archive, 'package.json').toString())).toMatchObject({ main: 'dist-electron/main.js', version: pkg.version });
  });

  it('every native module is outside the asar (app.asar.unpacked), where Electron can load it', () => {
    const native = files.filter((f) => f.endsWith('.node'));
    expect(native).toEqual(expect.arrayContaining([
      '/node_modules/better-sqlite3-multiple-ciphers/build/Release/better_sqlite3.node',
      expect.stringMatching(/^\/node_modules\/node-hid\/.*\.node$/),
      expect.stringMatching(/^\/node_modules\/@serialport\/bindings-cpp\/.*\.node$/),
    ]));
    const packedInside = native.filter((f) => !asar.statFile(archive, f.slice(1)).unpacked || !existsSync(path.join(`${archive}.unpacked`, f)));
    expect(packedInside).toEqual([]);
  });
});

describe('the packaged app starts (under the Node stand-in for Electron)', () => {
  let server: EmbeddedServer | undefined;
  afterAll(async () => { await server?.close(); });

  it('opens its core in userData (SQLite created and migrated), serves the UI on app://cashier/, answers PosApi, reports its version', async () => {
    // resources/app.asar as Electron's fs sees it: the archive's files, the unpacked ones included.
    const layout = path.join(tmp, 'installed', 'resources');
    const appDir = path.join(layout, 'app.asar');
    asar.extractAll(archive, appDir);
    expect(existsSync(path.join(appDir, 'node_modules/better-sqlite3-multiple-ciphers/build/Release/better_sqlite3.node'))).toBe(true);

    // An enrolled till (as `canteen terminal enroll` leaves it) with an empty database: the start pulls the school.
    server = await startEmbeddedServer();
    const e = await server.enrollDemoTerminal();
    const userData = path.join(tmp, 'userData');
    const dataDir = path.join(userData, 'data');
    mkdirSync(dataDir, { recursive: true });
    saveSyncConfig(dataDir, {
      serverUrl: e.serverUrl, token: e.token, terminalId: e.terminalId, terminalName: e.terminalName ?? '',
      schoolId: e.schoolId, schoolCode: e.schoolCode, schoolName: e.schoolName, enrolledAt: new Date().toISOString(),
    });

    const fixtures = path.join(REPO_ROOT, 'tests/unit/fixtures/electron-stub');
    const elsewhere = mkdtempSync(path.join(tmp, 'cwd-'));
    const { stdout, stderr } = await run(process.execPath, [
      '--import', path.join(fixtures, 'register.mjs'), path.join(fixtures, 'probe.mjs'), path.join(appDir, 'dist-electron', 'main.js'),
    ], {
      cwd: elsewhere, timeout: 120_000,
      env: { ...process.env, NODE_PATH: '', CANTEEN_READER: 'simulated', STUB_APPPATH: appDir, STUB_PACKAGED: '1', STUB_USERDATA: userData },
    });
    const r = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, any>;
    expect(stdout + stderr).not.toContain('ERRORBOX');

    expect(r.url).toBe('app://cashier/index.html');
    expect(r.webPreferences.preload).toBe(path.join(appDir, 'dist-electron', 'preload.cjs'));
    expect(r.page).toMatchObject({ status: 200, html: true });
    expect(r.page.csp).toContain("default-src 'none'");
    expect(r.status).toMatchObject({ ok: true, value: { schoolName: 'Школа №24' } });
    // electron-updater loads from the packed node_modules and knows the packed version.
    expect(r.updater).toEqual({ kind: 'AppImageUpdater', version: pkg.version });

    // The database: in userData, encrypted, every packed migration applied.
    const db = path.join(dataDir, 'terminal.sqlite');
    expect(readFileSync(db).subarray(0, 15).toString()).not.toBe('SQLite format 3');
    const blob = readFileSync(path.join(dataDir, DB_KEY_BLOB));
    const key = Buffer.from(blob.subarray('stub-sealed:'.length).map((b) => b ^ 0x5a)).toString();   // the stand-in safeStorage's sealing
    const sqlite = openEncrypted(db, key);
    const journal = JSON.parse(readFileSync(path.join(appDir, 'migrations/terminal/meta/_journal.json'), 'utf8')) as { entries: unknown[] };
    expect(sqlite.prepare('SELECT count(*) FROM __drizzle_migrations').pluck().get()).toBe(journal.entries.length);
    expect(sqlite.prepare('SELECT count(*) FROM students').pluck().get()).toBeGreaterThan(0);
    sqlite.close();

    // The version the till reported with its pull is the packed package.json's (not "unknown").
    const till = (await listTills(server.handle.db, e.schoolId, new Date())).find((t) => t.id === e.terminalId);
    expect(till?.appVersion).toBe(pkg.version);
  }, 300_000);
});
