import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type Database from 'better-sqlite3';
import type { TokenStore } from '../sync/token-store.js';

/**
 * The till's database encrypted at rest (152-ФЗ: the roster, photos and allergies are children's
 * data): SQLCipher's format through better-sqlite3-multiple-ciphers (12.x: 13 needs Node 22), the
 * same API as better-sqlite3. The key is kept like the till's token (a TokenStore: a 0600 file
 * in the browser shell, the OS key store in Electron), in a data folder only the app's user reads.
 */
const require = createRequire(import.meta.url);
type DatabaseCtor = new (file: string) => Database.Database;

/** Only hex reaches the PRAGMA (no quoting questions). */
const KEY_RE = /^[0-9a-f]{64}$/;
const SQLITE_HEADER = 'SQLite format 3\u0000';

/** The data folder readable only by the app's user (0700), created if missing. */
export function privateDataDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (process.platform !== 'win32') chmodSync(dir, 0o700);
}

/** The default key store: <dataDir>/db.key, mode 0600, made (32 random bytes, hex) on first use. */
export function fileDbKeyStore(dataDir: string): TokenStore {
  const file = path.join(dataDir, 'db.key');
  return {
    description: `файл ${file} (доступ только владельцу)`,
    load: () => (existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined),
    save(secret) { writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' }); },
  };
}

/** The store's key, or a new one saved in it. */
export function databaseKey(store: TokenStore): string {
  const have = store.load();
  if (have !== undefined) {
    if (!KEY_RE.test(have)) throw new Error(`Ключ базы кассы повреждён (${store.description})`);
    return have;
  }
  const key = randomBytes(32).toString('hex');
  store.save(key);
  return key;
}

function isPlaintext(file: string): boolean {
  if (!existsSync(file)) return false;
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(16);
    return readSync(fd, buf, 0, 16, 0) === 16 && buf.toString('latin1') === SQLITE_HEADER;
  } finally { closeSync(fd); }
}

function keyed(db: Database.Database, key: string, pragma: 'key' | 'rekey'): void {
  if (!KEY_RE.test(key)) throw new Error('ключ базы: 64 шестнадцатеричные цифры');
  db.pragma(`cipher = 'sqlcipher'`);
  db.pragma(`${pragma} = '${key}'`);
}

/**
 * Opens an encrypted database; a file written before encryption (plain SQLite) is encrypted in
 * place first: its WAL folded in (journal_mode DELETE), then PRAGMA rekey rewrites every page.
 * A wrong key fails here, not on the first sale.
 */
export function openEncrypted(file: string, key: string): Database.Database {
  const Cipher = require('better-sqlite3-multiple-ciphers') as DatabaseCtor;
  if (file !== ':memory:' && isPlaintext(file)) {
    const plain = new Cipher(file);
    try {
      plain.pragma('journal_mode = DELETE');
      keyed(plain, key, 'rekey');
    } finally { plain.close(); }
  }
  const db = new Cipher(file);
  try {
    keyed(db, key, 'key');
    db.prepare('SELECT count(*) FROM sqlite_master').get();
  } catch (err) {
    db.close();
    throw new Error(`База кассы не открывается этим ключом: ${(err as Error).message}`, { cause: err });
  }
  return db;
}
