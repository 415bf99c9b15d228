import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openTerminalDb } from '../../src/terminal/db/open.js';
import { databaseKey, fileDbKeyStore, openEncrypted, privateDataDir } from '../../src/terminal/db/cipher.js';
import { loadSchool } from '../../src/terminal/seed.js';

// 152-ФЗ at rest: the till's database (roster included) is SQLCipher-encrypted; an old plain file is encrypted in place.
describe('terminal database encrypted at rest', () => {
  it('keeps the key in a 0600 file of a 0700 folder, made once', () => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), 'canteen-key-')), 'data');
    privateDataDir(dir);
    const key = databaseKey(fileDbKeyStore(dir));
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(databaseKey(fileDbKeyStore(dir))).toBe(key);
    if (process.platform !== 'win32') {
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      expect(statSync(path.join(dir, 'db.key')).mode & 0o777).toBe(0o600);
    }
  });

  it('encrypts a plain file in place without losing a row; a wrong key cannot open it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'canteen-cipher-'));
    const file = path.join(dir, 'terminal.sqlite');
    const plain = openTerminalDb(file);
    await loadSchool(plain.sqlite);
    const before = plain.sqlite.prepare('SELECT full_name FROM students ORDER BY id').pluck().all();
    plain.sqlite.close();
    expect(readFileSync(file).subarray(0, 15).toString('latin1')).toBe('SQLite format 3');

    const key = 'a'.repeat(64);
    const enc = openTerminalDb(file, { key });
    expect(enc.sqlite.prepare('SELECT full_name FROM students ORDER BY id').pluck().all()).toEqual(before);
    enc.sqlite.prepare(`UPDATE settings SET value = value WHERE key = 'x'`).run();
    enc.sqlite.close();
    const bytes = readFileSync(file);
    expect(bytes.subarray(0, 15).toString('latin1')).not.toBe('SQLite format 3');
    expect(bytes.includes(Buffer.from('Иванов'))).toBe(false);
    expect(() => openEncrypted(file, 'b'.repeat(64))).toThrow(/не открывается этим ключом/);
    const again = openTerminalDb(file, { key });
    expect(again.sqlite.prepare('SELECT count(*) FROM students').pluck().get()).toBe(before.length);
    again.sqlite.close();
  });
});
