import { readSyncConfigFile, syncConfigPath, writeSyncConfigFile } from './config.js';

/**
 * Where the terminal's server token is kept (DESIGN.md "Terminal trust"): a
 * port, so the browser shell keeps it in its 0600 server.json and Electron
 * wraps it with the OS key store (electron/token-store.ts). Synchronous: both
 * a file and safeStorage's encryptString/decryptString are.
 */
export interface TokenStore {
  /** The token, or undefined when none is stored. Throws when one is stored but cannot be read. */
  load(): string | undefined;
  save(token: string): void;
  /** Russian, for messages: where the token is. */
  readonly description: string;
}

/** The default store: the `token` field of <dataDir>/server.json (mode 0600), where enrolment puts it. */
export function fileTokenStore(dataDir: string): TokenStore {
  return {
    description: `файл ${syncConfigPath(dataDir)} (доступ только владельцу)`,
    load: () => readSyncConfigFile(dataDir)?.token,
    save(token) {
      const cfg = readSyncConfigFile(dataDir);
      if (!cfg) throw new Error(`Нет ${syncConfigPath(dataDir)}: зарегистрируйте кассу (canteen terminal enroll)`);
      if (cfg.token !== token) writeSyncConfigFile(dataDir, { ...cfg, token });
    },
  };
}
