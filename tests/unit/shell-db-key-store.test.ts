import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DB_KEY_BLOB, safeStorageDbKeyStore } from '../../electron/db-key-store.js';
import type { SafeStorageLike } from '../../electron/token-store.js';
import { databaseKey, fileDbKeyStore, privateDataDir } from '../../src/terminal/db/cipher.js';
import { openTerminalDb } from '../../src/terminal/db/open.js';

// The till database's SQLCipher key: a 0600 db.key in the browser shell and Node; in Electron
// behind safeStorage, like the till's token. The fake safeStorage "encrypts" with a per-machine
// byte, so another machine's (another OS key's) blob does not decrypt.
function fakeSafeStorage(opts: { available?: boolean; backend?: 'basic_text' | 'gnome_libsecret'; machine?: number } = {}): SafeStorageLike {
  const tag = Buffer.from(`fake${opts.machine ?? 1}:`);
  const xor = 0x5a ^ (opts.machine ?? 1);
  return {
    isEncryptionAvailable: () => opts.available ?? true,
    getSelectedStorageBackend: () => opts.backend ?? 'gnome_libsecret',
    encryptString: (s: string) => Buffer.concat([tag, Buffer.from(s).map((b) => b ^ xor)]),
    decryptString: (b: Buffer) => {
      if (!b.subarray(0, tag.length).equals(tag)) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
      return Buffer.from(b.subarray(tag.length).map((x) => x ^ xor)).toString();
    },
  };
}

const mode = (file: string) => statSync(file).mode & 0o777;
let dir: string;
let logs: string[];
const log = (line: string) => { logs.push(line); };
const keyFile = () => path.join(dir, 'db.key');
const blob = () => path.join(dir, DB_KEY_BLOB);
beforeEach(() => { dir = path.join(mkdtempSync(path.join(tmpdir(), 'canteen-dbkey-')), 'data'); privateDataDir(dir); logs = []; });
afterEach(() => { rmSync(path.dirname(dir), { recursive: true, force: true }); });

describe('database key behind Electron safeStorage', () => {
  it('makes the key once, keeps only the encrypted blob (0600), and opens the database with it again', () => {
    const store = safeStorageDbKeyStore(dir, fakeSafeStorage(), log);
    const key = databaseKey(store);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(existsSync(keyFile())).toBe(false);
    expect(readFileSync(blob()).includes(Buffer.from(key))).toBe(false);
    if (process.platform !== 'win32') expect(mode(blob())).toBe(0o600);

    const file = path.join(dir, 'terminal.sqlite');
    openTerminalDb(file, { key }).sqlite.close();
    const again = databaseKey(safeStorageDbKeyStore(dir, fakeSafeStorage(), log));
    expect(again).toBe(key);
    const db = openTerminalDb(file, { key: again }).sqlite;
    expect(db.prepare('SELECT count(*) FROM sqlite_master').pluck().get()).toBeGreaterThan(0);
    db.close();
    expect(() => store.save('a'.repeat(64))).toThrow(/уже есть/); // never overwrites the key of an existing database
    expect(logs).toEqual([]);
  });

  it('moves a db.key of an earlier start into the blob and removes the file; the same key opens the database', () => {
    const key = databaseKey(fileDbKeyStore(dir));
    expect(existsSync(keyFile())).toBe(true);
    expect(databaseKey(safeStorageDbKeyStore(dir, fakeSafeStorage(), log))).toBe(key);
    expect(existsSync(keyFile())).toBe(false);
    expect(logs.join('\n')).toContain('перенесён');
    expect(databaseKey(safeStorageDbKeyStore(dir, fakeSafeStorage(), log))).toBe(key);
  });

  it('a crash between the blob and the removal: the equal file is removed; a different one stops the start', () => {
    const key = databaseKey(safeStorageDbKeyStore(dir, fakeSafeStorage(), log));
    fileDbKeyStore(dir).save(key);
    expect(databaseKey(safeStorageDbKeyStore(dir, fakeSafeStorage(), log))).toBe(key);
    expect(existsSync(keyFile())).toBe(false);
    fileDbKeyStore(dir).save('b'.repeat(64));
    expect(() => safeStorageDbKeyStore(dir, fakeSafeStorage(), log).load()).toThrow(/Два разных ключа/);
  });

  it('a folder copied to another machine does not open: the blob does not decrypt there', () => {
    databaseKey(safeStorageDbKeyStore(dir, fakeSafeStorage({ machine: 1 }), log));
    expect(() => safeStorageDbKeyStore(dir, fakeSafeStorage({ machine: 2 }), log).load()).toThrow(/не расшифровывается/);
  });

  it('without a keyring (or basic_text) the 0600 db.key stays the store, with a warning; a blob then cannot be read', () => {
    const weak = safeStorageDbKeyStore(dir, fakeSafeStorage({ backend: 'basic_text' }), log);
    const key = databaseKey(weak);
    expect(readFileSync(keyFile(), 'utf8').trim()).toBe(key);
    if (process.platform !== 'win32') expect(mode(keyFile())).toBe(0o600);
    expect(existsSync(blob())).toBe(false);
    expect(logs.join('\n')).toMatch(/ВНИМАНИЕ.*ключ базы кассы хранится в файле/);
    expect(databaseKey(safeStorageDbKeyStore(dir, fakeSafeStorage({ available: false }), log))).toBe(key);

    // Moved into the blob once a keyring is there; without it again, the start says why it cannot open.
    databaseKey(safeStorageDbKeyStore(dir, fakeSafeStorage(), log));
    expect(() => safeStorageDbKeyStore(dir, fakeSafeStorage({ available: false }), log).load()).toThrow(/недоступно/);
  });
});
