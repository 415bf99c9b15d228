import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileDbKeyStore, type TokenStore, writeFile0600 } from '../src/shell/token-store.js';
import type { SafeStorageLike } from './token-store.js';

/** The till database's SQLCipher key, encrypted by safeStorage (next to the database). */
export const DB_KEY_BLOB = 'db-key.safestorage';

/**
 * The database key (src/terminal/db/cipher.ts) under the OS key store, like the till's token
 * (electron/token-store.ts): the data folder holds only safeStorage's blob, so a copied folder
 * (database and all) does not open elsewhere. A key in the 0600 `db.key` of an earlier start
 * (the browser shell's store) is moved into the blob and the file removed. Without encryption
 * (no keyring, or Linux's `basic_text`) the 0600 `db.key` stays the store, with a warning.
 * Call after app `ready`.
 */
export function safeStorageDbKeyStore(dataDir: string, safeStorage: SafeStorageLike, log: (line: string) => void): TokenStore {
  const file = fileDbKeyStore(dataDir);
  const plainFile = path.join(dataDir, 'db.key');
  const blob = path.join(dataDir, DB_KEY_BLOB);
  const weak = process.platform === 'linux' && safeStorage.getSelectedStorageBackend?.() === 'basic_text';
  if (weak || !safeStorage.isEncryptionAvailable()) {
    const warn = () => log(`ВНИМАНИЕ: защищённое хранилище ОС недоступно${weak ? ' (basic_text)' : ''}, ключ базы кассы хранится в файле: ${file.description}`);
    return {
      description: file.description,
      load() {
        const key = file.load();
        if (key === undefined && existsSync(blob)) {
          throw new Error(`Ключ базы кассы зашифрован (${blob}), а защищённое хранилище ОС сейчас недоступно: войдите в сеанс с хранилищем ключей`);
        }
        if (key !== undefined) warn();
        return key;
      },
      save(key) { warn(); file.save(key); },
    };
  }
  const decrypt = (): string => {
    try {
      return safeStorage.decryptString(readFileSync(blob));
    } catch (err) {
      throw new Error(`Ключ базы кассы не расшифровывается (${blob}: ${(err as Error).message}): ключ ОС сменился или папка перенесена с другого компьютера`, { cause: err });
    }
  };
  return {
    description: `safeStorage, ${blob}`,
    load() {
      const plain = file.load();
      if (plain === undefined) return existsSync(blob) ? decrypt() : undefined;
      // A crash after the blob was written and before db.key was removed leaves both, equal.
      if (existsSync(blob) && decrypt() !== plain) {
        throw new Error(`Два разных ключа базы кассы: ${plainFile} и ${blob}; уберите неверный`);
      }
      if (!existsSync(blob)) writeFile0600(blob, safeStorage.encryptString(plain));
      rmSync(plainFile);
      log(`Ключ базы кассы перенесён из ${plainFile} в защищённое хранилище ОС (${blob})`);
      return plain;
    },
    save(key) {
      // A key is made once: overwriting one would leave the database unreadable.
      if (existsSync(blob)) throw new Error(`Ключ базы кассы уже есть (${blob})`);
      writeFile0600(blob, safeStorage.encryptString(key));
    },
  };
}
