import type { SafeStorage } from 'electron';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileTokenStore, readSyncConfigFile, type SecretField, type TokenStore, writeFile0600, writeSyncConfigFile } from '../src/shell/token-store.js';

/** What the store uses of Electron's safeStorage (tests pass a fake). */
export type SafeStorageLike = Pick<SafeStorage, 'isEncryptionAvailable' | 'encryptString' | 'decryptString'>
  & Partial<Pick<SafeStorage, 'getSelectedStorageBackend'>>;

/** The encrypted token, next to server.json (which then keeps everything but the token). */
export const TOKEN_BLOB = 'server-token.safestorage';
/** The encrypted PIN pepper (src/server/pins.ts), kept the same way. */
export const PEPPER_BLOB = 'pin-pepper.safestorage';

const BLOB: Record<SecretField, string> = { token: TOKEN_BLOB, pinPepper: PEPPER_BLOB };
const WHAT: Record<SecretField, string> = { token: 'Токен кассы', pinPepper: 'Ключ PIN-кодов кассы' };

/**
 * The terminal token (or, with `field` 'pinPepper', its PIN pepper) under the OS key store (DPAPI on Windows, the keyring on
 * Linux): the file holds only safeStorage's encrypted blob, so a copied data
 * folder does not carry a usable token. Call after app `ready` (safeStorage
 * reports no encryption before it).
 *
 * A plaintext token in server.json is moved into the blob on load: a
 * terminal enrolled before this store, or re-enrolled with the CLI (then it is
 * newer than the blob). Without encryption (Linux without a keyring, or
 * Chromium's `basic_text` store, whose key is a constant) the 0600
 * server.json stays the store, with a warning.
 */
export function safeStorageTokenStore(dataDir: string, safeStorage: SafeStorageLike, log: (line: string) => void, field: SecretField = 'token'): TokenStore {
  const file = fileTokenStore(dataDir, field);
  const blob = path.join(dataDir, BLOB[field]);
  const what = WHAT[field];
  const weak = process.platform === 'linux' && safeStorage.getSelectedStorageBackend?.() === 'basic_text';
  if (weak || !safeStorage.isEncryptionAvailable()) {
    // Said when there is a token to protect, not on every start of a terminal that is not enrolled.
    const warn = () => log(`ВНИМАНИЕ: защищённое хранилище ОС недоступно${weak ? ' (basic_text)' : ''}, ${what.toLowerCase()} хранится открытым текстом: ${file.description}`);
    return {
      description: file.description,
      load() {
        const token = file.load();
        if (!token && existsSync(blob)) {
          throw new Error(`${what} зашифрован (${blob}), а защищённое хранилище ОС сейчас недоступно: войдите в сеанс с хранилищем ключей или зарегистрируйте кассу заново (canteen terminal enroll)`);
        }
        if (token) warn();
        return token;
      },
      save(token) { warn(); file.save(token); },
    };
  }
  const store: TokenStore = {
    description: `safeStorage, ${blob}`,
    load() {
      const plain = file.load();
      if (plain) {
        store.save(plain);
        log(`${what} перенесён из server.json в защищённое хранилище ОС (${blob})`);
        return plain;
      }
      if (!existsSync(blob)) return undefined;
      try {
        return safeStorage.decryptString(readFileSync(blob));
      } catch (err) {
        throw new Error(`${what} не расшифровывается (${blob}: ${(err as Error).message}): ключ ОС сменился или папка перенесена с другого компьютера — зарегистрируйте кассу заново (canteen terminal enroll)`, { cause: err });
      }
    },
    save(token) {
      // The blob first: a crash before server.json loses its token leaves a plaintext copy to migrate again, never no token.
      writeFile0600(blob, safeStorage.encryptString(token));
      const cfg = readSyncConfigFile(dataDir);
      if (cfg?.[field] !== undefined) {
        const { [field]: _plain, ...rest } = cfg;
        writeSyncConfigFile(dataDir, rest);
      }
    },
  };
  return store;
}
