import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { TokenStore } from './token-store.js';

/**
 * Where an enrolled terminal keeps its server address and token: a JSON file
 * next to the terminal database, mode 0600 (DESIGN.md "Terminal trust": the
 * browser shell keeps the token in a 0600 file; Electron keeps it with
 * safeStorage, electron/token-store.ts, and server.json then has no token).
 * The token never goes into SQLite, so a copied database does not carry the
 * key to the server.
 */
const configSchema = z.object({
  serverUrl: z.string().url(),
  // Absent once a TokenStore other than this file (Electron's safeStorage) holds it.
  token: z.string().min(10).optional(),
  // The school's PIN pepper (src/server/pins.ts), kept like the token; absent on a stand-alone till.
  pinPepper: z.string().min(16).optional(),
  terminalId: z.string().min(1),
  terminalName: z.string(),
  schoolId: z.string(),
  schoolCode: z.string(),
  schoolName: z.string(),
  enrolledAt: z.string(),
});
/** server.json as it is on disk. */
export type StoredSyncConfig = z.infer<typeof configSchema>;
/** What a terminal needs to sync: server.json with the token, wherever that is kept. */
export type SyncConfig = StoredSyncConfig & { token: string };

export function syncConfigPath(dataDir: string): string {
  return path.join(dataDir, 'server.json');
}

/** server.json without asking any TokenStore (metadata; `token` only when the file holds it). */
export function readSyncConfigFile(dataDir: string): StoredSyncConfig | undefined {
  const file = syncConfigPath(dataDir);
  if (!existsSync(file)) return undefined;
  const parsed = configSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`Файл ${file} повреждён: зарегистрируйте кассу заново (canteen terminal enroll)`);
  return parsed.data;
}

export function writeSyncConfigFile(dataDir: string, cfg: StoredSyncConfig): void {
  writeFile0600(syncConfigPath(dataDir), JSON.stringify(cfg, null, 2) + '\n');
}

/** Atomic (temp file + rename) and never readable by others, not even for a moment. */
export function writeFile0600(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, data, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

/**
 * The terminal's server link with its token. `tokens` absent: the token is
 * the one in server.json (the browser shell, the CLI).
 */
export function loadSyncConfig(dataDir: string, tokens?: TokenStore, peppers?: TokenStore): SyncConfig | undefined {
  const stored = readSyncConfigFile(dataDir);
  if (!stored) return undefined;
  const token = tokens ? tokens.load() : stored.token;
  const pinPepper = peppers ? peppers.load() : stored.pinPepper;
  if (!token) {
    throw new Error(`В ${syncConfigPath(dataDir)} нет токена кассы (${tokens?.description ?? 'он хранится в защищённом хранилище приложения кассы'}): зарегистрируйте кассу заново (canteen terminal enroll)`);
  }
  const { pinPepper: _filed, ...rest } = stored;
  return { ...rest, token, ...(pinPepper ? { pinPepper } : {}) };
}

/**
 * Enrolment's save: server.json with the token first (one atomic write, as a
 * terminal enrolled before any TokenStore has it), then `tokens` takes the
 * token over; a crash in between leaves what the store migrates on next start.
 */
export function saveSyncConfig(dataDir: string, cfg: SyncConfig, tokens?: TokenStore, peppers?: TokenStore): void {
  writeSyncConfigFile(dataDir, cfg);
  tokens?.save(cfg.token);
  if (cfg.pinPepper) peppers?.save(cfg.pinPepper);
}
