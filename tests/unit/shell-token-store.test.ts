import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { safeStorageTokenStore, TOKEN_BLOB, type SafeStorageLike } from '../../electron/token-store.js';
import { loadSyncConfig, readSyncConfigFile, saveSyncConfig, syncConfigPath, type SyncConfig } from '../../src/terminal/sync/config.js';
import { fileTokenStore } from '../../src/terminal/sync/token-store.js';

// The terminal token's store: the 0600 server.json (browser shell, CLI) and
// Electron's safeStorage, here with a fake safeStorage whose "encryption" is
// reversible but never leaves the token readable in the file.

const TOKEN = 'tok-0123456789abcdef-first';
const cfg = (token = TOKEN): SyncConfig => ({
  serverUrl: 'http://127.0.0.1:5180', token, terminalId: 't-1', terminalName: 'Касса 1',
  schoolId: 's-24', schoolCode: '24', schoolName: 'Школа №24', enrolledAt: '2026-01-10T08:00:00.000Z',
});

function fakeSafeStorage(opts: { available?: boolean; backend?: 'basic_text' | 'gnome_libsecret' } = {}): SafeStorageLike & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    isEncryptionAvailable: () => opts.available ?? true,
    getSelectedStorageBackend: () => opts.backend ?? 'gnome_libsecret',
    encryptString: (s: string) => { calls.push('encrypt'); return Buffer.concat([Buffer.from('fake:'), Buffer.from(s).map((b) => b ^ 0x5a)]); },
    decryptString: (b: Buffer) => {
      calls.push('decrypt');
      if (!b.subarray(0, 5).equals(Buffer.from('fake:'))) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
      return Buffer.from(b.subarray(5).map((x) => x ^ 0x5a)).toString();
    },
  };
}

const mode = (file: string) => statSync(file).mode & 0o777;

let dir: string;
let logs: string[];
const log = (line: string) => { logs.push(line); };
beforeEach(() => { dir = mkdtempSync(path.join(tmpdir(), 'canteen-token-')); logs = []; });
afterEach(() => { rmSync(dir, { recursive: true, force: true }); });

describe('file token store (browser shell, CLI)', () => {
  it('keeps the token in server.json, mode 0600, as enrolment wrote it', () => {
    const store = fileTokenStore(dir);
    expect(store.load()).toBeUndefined();
    expect(loadSyncConfig(dir, store)).toBeUndefined();
    saveSyncConfig(dir, cfg(), store);
    expect(mode(syncConfigPath(dir))).toBe(0o600);
    expect(readSyncConfigFile(dir)?.token).toBe(TOKEN);
    expect(loadSyncConfig(dir, store)).toEqual(cfg());
    expect(loadSyncConfig(dir)).toEqual(cfg()); // no store given: the same file
    store.save('tok-0123456789abcdef-second');
    expect(loadSyncConfig(dir, store)).toEqual(cfg('tok-0123456789abcdef-second'));
    expect(mode(syncConfigPath(dir))).toBe(0o600);
  });

  it('refuses to save a token for a terminal that is not enrolled', () => {
    expect(() => fileTokenStore(dir).save(TOKEN)).toThrow(/canteen terminal enroll/);
  });
});

describe('safeStorage token store (Electron)', () => {
  it('migrates the plaintext token of an existing server.json on first start, then reads the encrypted blob', () => {
    saveSyncConfig(dir, cfg()); // enrolled before safeStorage: token in server.json
    const safe = fakeSafeStorage();
    expect(loadSyncConfig(dir, safeStorageTokenStore(dir, safe, log))).toEqual(cfg());
    expect(logs.join('\n')).toContain('перенесён');

    const blob = path.join(dir, TOKEN_BLOB);
    expect(mode(blob)).toBe(0o600);
    expect(readFileSync(blob).includes(TOKEN)).toBe(false);
    expect(readFileSync(syncConfigPath(dir), 'utf8')).not.toContain(TOKEN);
    const { token: _none, ...meta } = cfg();
    expect(readSyncConfigFile(dir)).toEqual(meta); // everything else stays for the CLI's status

    logs = [];
    safe.calls.length = 0;
    expect(loadSyncConfig(dir, safeStorageTokenStore(dir, safe, log))).toEqual(cfg());
    expect(safe.calls).toEqual(['decrypt']);
    expect(logs).toEqual([]);
  });

  it('enrolment through the store never leaves the token in server.json', () => {
    const store = safeStorageTokenStore(dir, fakeSafeStorage(), log);
    saveSyncConfig(dir, cfg(), store);
    expect(readSyncConfigFile(dir)?.token).toBeUndefined();
    expect(existsSync(path.join(dir, TOKEN_BLOB))).toBe(true);
    expect(loadSyncConfig(dir, store)).toEqual(cfg());
  });

  it('a re-enrolment with the CLI (plaintext again) wins over the older blob', () => {
    const safe = fakeSafeStorage();
    saveSyncConfig(dir, cfg(), safeStorageTokenStore(dir, safe, log));
    saveSyncConfig(dir, cfg('tok-0123456789abcdef-second')); // `canteen terminal enroll` has no safeStorage
    expect(loadSyncConfig(dir, safeStorageTokenStore(dir, safe, log))).toEqual(cfg('tok-0123456789abcdef-second'));
    expect(readSyncConfigFile(dir)?.token).toBeUndefined();
    expect(safeStorageTokenStore(dir, safe, log).load()).toBe('tok-0123456789abcdef-second');
  });

  it('a blob that does not decrypt is an error that says what to do, not a silent "not enrolled"', () => {
    const store = safeStorageTokenStore(dir, fakeSafeStorage(), log);
    saveSyncConfig(dir, cfg(), store);
    writeFileSync(path.join(dir, TOKEN_BLOB), 'from another machine');
    expect(() => loadSyncConfig(dir, store)).toThrow(/не расшифровывается.*зарегистрируйте кассу заново/);
  });

  it('without encryption keeps the 0600 server.json, with a warning', () => {
    saveSyncConfig(dir, cfg());
    const safe = fakeSafeStorage({ available: false });
    const store = safeStorageTokenStore(dir, safe, log);
    expect(logs).toEqual([]); // nothing to warn about until there is a token
    expect(loadSyncConfig(dir, store)).toEqual(cfg());
    expect(logs.join('\n')).toMatch(/ВНИМАНИЕ.*открытым текстом/);
    expect(readSyncConfigFile(dir)?.token).toBe(TOKEN);
    expect(existsSync(path.join(dir, TOKEN_BLOB))).toBe(false);
    expect(safe.calls).toEqual([]);
  });

  it('without encryption, a token already in the blob is reported, not taken for "no token"', () => {
    saveSyncConfig(dir, cfg(), safeStorageTokenStore(dir, fakeSafeStorage(), log));
    expect(() => loadSyncConfig(dir, safeStorageTokenStore(dir, fakeSafeStorage({ available: false }), log)))
      .toThrow(/зашифрован.*хранилище ОС сейчас недоступно/);
  });

  it.runIf(process.platform === 'linux')("treats Chromium's basic_text store (a constant key) as no encryption", () => {
    saveSyncConfig(dir, cfg());
    const safe = fakeSafeStorage({ backend: 'basic_text' });
    expect(loadSyncConfig(dir, safeStorageTokenStore(dir, safe, log))).toEqual(cfg());
    expect(logs.join('\n')).toContain('basic_text');
    expect(readSyncConfigFile(dir)?.token).toBe(TOKEN);
    expect(safe.calls).toEqual([]);
  });

  it('an enrolled terminal with no token anywhere says so', () => {
    const { token: _none, ...meta } = cfg();
    writeFileSync(syncConfigPath(dir), JSON.stringify(meta));
    expect(() => loadSyncConfig(dir, safeStorageTokenStore(dir, fakeSafeStorage(), log))).toThrow(/нет токена кассы/);
    expect(() => loadSyncConfig(dir)).toThrow(/нет токена кассы/);
  });
});
