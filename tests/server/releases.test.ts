import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import http from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { FastifyInstance } from 'fastify';
import { openServerDb } from '../../src/cli/server.js';
import { buildServer } from '../../src/server/app.js';
import type { DbHandle } from '../../src/server/db/open.js';
import { promoteRelease, withdrawRelease } from '../../src/server/releases/service.js';
import { createTestDb, enrollDemoTerminal, runServerCli } from './helpers.js';

/**
 * Till releases (issue 18): `canteen server release …` as an operator runs it, then the
 * metadata and files as electron-updater's own GenericProvider reads them (with a plain
 * Node HTTP executor instead of Electron's net): channels, sha512, withdrawal.
 */

const require = createRequire(import.meta.url);
const { GenericProvider } = require('electron-updater/out/providers/GenericProvider.js') as {
  GenericProvider: new (cfg: { provider: 'generic'; url: string }, updater: { channel: string | null; isAddNoCacheQuery: boolean }, opts: { executor: unknown; platform: string; isUseMultipleRangeRequest: boolean }) => {
    setRequestHeaders(h: Record<string, string>): void;
    getLatestVersion(): Promise<{ version: string; path: string; sha512: string; releaseDate: string; files: { url: string; sha512: string; size: number }[] }>;
    resolveFiles(info: unknown): { url: URL; info: { sha512: string; size: number } }[];
  };
};
const { HttpExecutor, CancellationToken } = require('builder-util-runtime') as {
  HttpExecutor: new () => { downloadToBuffer(url: URL, o: { headers: Record<string, string>; cancellationToken: unknown }): Promise<Buffer> };
  CancellationToken: new () => unknown;
};
class NodeExecutor extends (HttpExecutor as unknown as new () => object) {
  createRequest(options: http.RequestOptions, callback: (r: http.IncomingMessage) => void) { return http.request(options, callback); }
}
const executor = new NodeExecutor() as unknown as InstanceType<typeof HttpExecutor>;

let dir: string;
let releasesDir: string;
let pgTest: (DbHandle & { url?: string }) | undefined;
const savedUrl = process.env.DATABASE_URL;
const run = (...args: string[]) => runServerCli(dir, ...args, '--releases', releasesDir);

/** A fake installer: bytes that differ per file. */
function artefact(name: string, size: number): { file: string; bytes: Buffer } {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + name.length * 7) & 0xff;
  const file = path.join(dir, 'build', name);
  writeFileSync(file, bytes);
  return { file, bytes };
}
const sha = (b: Buffer) => createHash('sha512').update(b).digest('base64');

/** The two releases' files; `make()` writes one into the build folder (same bytes each time). */
const files = (names: string[], size: number) => names.map((name, i) => ({ name, make: () => artefact(name, size + i) }));
const v100 = files(['canteen-cashier-1.0.0-x64-setup.exe', 'canteen-cashier-1.0.0-x86_64.AppImage', 'canteen-cashier-1.0.0-amd64.deb'], 1000);
const v110 = files(['canteen-cashier-1.1.0-x64-setup.exe', 'canteen-cashier-1.1.0-x64-setup.exe.blockmap', 'canteen-cashier-1.1.0-x86_64.AppImage'], 70_000);

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'canteen-rel-'));
  releasesDir = path.join(dir, 'releases');
  mkdirSync(path.join(dir, 'build'));
  if (savedUrl) {
    pgTest = await createTestDb();
    process.env.DATABASE_URL = pgTest.url;
  }
  expect((await run('seed-demo')).code).toBe(0);
  expect((await run('school', '25', 'Школа №25')).code).toBe(0);
}, 180_000);

afterAll(async () => {
  if (savedUrl) process.env.DATABASE_URL = savedUrl;
  await pgTest?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('canteen server release (CLI)', () => {
  it('adds a release with its files hashed; refuses bad input and changes nothing', async () => {
    const made = v100.map((f) => ({ ...f, ...f.make() }));
    expect((await run('release', 'add', ...made.map((f) => f.file))).err).toContain('Укажите канал');
    const added = await run('release', 'add', ...made.map((f) => f.file), '--channel', 'stable');
    expect(added.code).toBe(0);
    expect(added.out).toContain('Выпуск 1.0.0 добавлен');
    for (const f of made) expect(added.out).toContain(`${f.name}  ${f.bytes.length} байт  sha512 ${sha(f.bytes)}`);

    const again = await run('release', 'add', made[0]!.file, '--channel', 'pilot');
    expect(again.code).toBe(1);
    expect(again.err).toContain('Выпуск 1.0.0 уже есть');
    const odd = artefact('canteen cashier 2.0.0.exe', 10);
    expect((await run('release', 'add', odd.file, '--channel', 'pilot')).err).toContain('Недопустимое имя файла');
    const zip = artefact('canteen-cashier-2.0.0.zip', 10);
    expect((await run('release', 'add', zip.file, '--channel', 'pilot')).err).toContain('Неизвестный тип файла');
    const mixed = [artefact('canteen-cashier-2.0.0-x64-setup.exe', 10), artefact('canteen-cashier-2.0.1-x86_64.AppImage', 10)];
    expect((await run('release', 'add', ...mixed.map((m) => m.file), '--channel', 'pilot')).err).toContain('разные версии');

    const pilot = v110.map((f) => ({ ...f, ...f.make() }));
    expect((await run('release', 'add', ...pilot.map((f) => f.file), '--channel', 'pilot')).code).toBe(0);
    expect((await run('release', 'pilot', '99')).err).toContain('Нет школ с кодом: 99');
    expect((await run('release', 'pilot', '24')).out).toContain('Пилотные школы: 24');

    const list = await run('release', 'list');
    expect(list.out.split('\n').slice(0, 2)).toEqual([
      `1.1.0\tпилот\tкасс: 0\t${[...v110.map((f) => f.name)].sort().join(' ')}`,
      `1.0.0\tвсе кассы\tкасс: 0\t${[...v100.map((f) => f.name)].sort().join(' ')}`,
    ]);
    expect(list.out).not.toContain('2.0');
  });
});

describe('GET /api/v1/updates (electron-updater generic provider)', () => {
  let h: DbHandle;
  let app: FastifyInstance;
  let base: string;
  let pilotToken: string;
  let otherToken: string;

  beforeAll(async () => {
    h = await openServerDb({ data: dir });
    app = await buildServer(h, { releasesDir, housekeeping: { intervalMs: 0 } });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const addr = app.server.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/api/v1/updates/`;
    pilotToken = (await enrollDemoTerminal(h)).token;
    otherToken = (await enrollDemoTerminal(h, 'terminal-25-1', 'school-25')).token;
  }, 180_000);
  afterAll(async () => { await app?.close(); await h?.close(); });

  const provider = (token: string, platform: 'win32' | 'linux') => {
    const p = new GenericProvider({ provider: 'generic', url: base }, { channel: null, isAddNoCacheQuery: false }, { executor, platform, isUseMultipleRangeRequest: false });
    p.setRequestHeaders({ authorization: `Bearer ${token}` });
    return p;
  };
  const download = (url: URL, token: string) => executor.downloadToBuffer(url, { headers: { authorization: `Bearer ${token}` }, cancellationToken: new CancellationToken() });

  it('a pilot school sees the pilot release, with sha512 and size of the bytes it then downloads', async () => {
    const p = provider(pilotToken, 'win32');
    const info = await p.getLatestVersion();
    expect(info.version).toBe('1.1.0');
    expect(Date.parse(info.releaseDate)).toBeGreaterThan(Date.now() - 3600_000);
    const exe = v110[0]!.make().bytes;
    expect(info.path).toBe('canteen-cashier-1.1.0-x64-setup.exe');
    expect(info.sha512).toBe(sha(exe));
    const [file, ...rest] = p.resolveFiles(info);
    expect(rest).toEqual([]);
    expect(file!.info).toMatchObject({ sha512: sha(exe), size: exe.length });
    const got = await download(file!.url, pilotToken);
    expect(sha(got)).toBe(sha(exe));
    // The blockmap (differential download) is served too, though not listed.
    const blockmap = await download(new URL('canteen-cashier-1.1.0-x64-setup.exe.blockmap', base), pilotToken);
    expect(blockmap.length).toBe(70_001);
  });

  it('another school sees only the stable release; Linux gets AppImage and deb from latest-linux.yml', async () => {
    expect((await provider(otherToken, 'win32').getLatestVersion()).version).toBe('1.0.0');
    const p = provider(otherToken, 'linux');
    const info = await p.getLatestVersion();
    expect(info.version).toBe('1.0.0');
    expect(info.files.map((f) => f.url)).toEqual(['canteen-cashier-1.0.0-x86_64.AppImage', 'canteen-cashier-1.0.0-amd64.deb']);
    const deb = v100[2]!.make().bytes;
    expect(info.files[1]).toMatchObject({ sha512: sha(deb), size: deb.length });
    // A pilot file is not served to a school outside the pilot.
    await expect(download(new URL('canteen-cashier-1.1.0-x64-setup.exe', base), otherToken)).rejects.toThrow(/status 404/);
  });

  it('refuses a till without a valid token, and names outside the releases', async () => {
    const res = await fetch(`${base}latest.yml`);
    expect(res.status).toBe(401);
    const bad = await fetch(`${base}..%2F..%2Fetc%2Fpasswd`, { headers: { authorization: `Bearer ${pilotToken}` } });
    expect(bad.status).toBe(404);
  });

  it('promote: every till gets it; withdraw: offered to nobody, files no longer served', async () => {
    await promoteRelease(h.db, '1.1.0');
    expect((await provider(otherToken, 'win32').getLatestVersion()).version).toBe('1.1.0');
    await withdrawRelease(h.db, '1.1.0', 'касса не печатает на TSP143');
    expect((await provider(otherToken, 'win32').getLatestVersion()).version).toBe('1.0.0');
    expect((await provider(pilotToken, 'linux').getLatestVersion()).version).toBe('1.0.0');
    await expect(download(new URL('canteen-cashier-1.1.0-x64-setup.exe', base), pilotToken)).rejects.toThrow(/status 404/);
    await expect(withdrawRelease(h.db, '1.1.0', 'again')).rejects.toThrow('Нет действующего выпуска 1.1.0');
  });
});
