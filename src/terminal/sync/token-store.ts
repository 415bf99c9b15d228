import { readSyncConfigFile, syncConfigPath, writeSyncConfigFile } from './config.js';

/**
 * Where the terminal's secrets are kept (DESIGN.md "Terminal trust"): its
 * server token and its school's PIN pepper (src/server/pins.ts). A port, so
 * the browser shell keeps them in its 0600 server.json and Electron wraps them
 * with the OS key store (electron/token-store.ts). Synchronous: both a file
 * and safeStorage's encryptString/decryptString are.
 */
export interface TokenStore {
  /** The secret, or undefined when none is stored. Throws when one is stored but cannot be read. */
  load(): string | undefined;
  save(secret: string): void;
  /** Russian, for messages: where the secret is. */
  readonly description: string;
}

/** Which secret a store keeps: its field in server.json. */
export type SecretField = 'token' | 'pinPepper';

/** The default store: the field of <dataDir>/server.json (mode 0600), where enrolment puts it. */
export function fileTokenStore(dataDir: string, field: SecretField = 'token'): TokenStore {
  return {
    description: `файл ${syncConfigPath(dataDir)} (доступ только владельцу)`,
    load: () => readSyncConfigFile(dataDir)?.[field],
    save(secret) {
      const cfg = readSyncConfigFile(dataDir);
      if (!cfg) throw new Error(`Нет ${syncConfigPath(dataDir)}: зарегистрируйте кассу (canteen terminal enroll)`);
      if (cfg[field] !== secret) writeSyncConfigFile(dataDir, { ...cfg, [field]: secret });
    },
  };
}
