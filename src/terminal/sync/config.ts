import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/**
 * Where an enrolled terminal keeps its server address and token: a JSON file
 * next to the terminal database, mode 0600 (DESIGN.md "Terminal trust": the
 * browser shell keeps the token in a 0600 file; Electron may wrap it with
 * safeStorage before writing). The token never goes into SQLite, so a copied
 * database does not carry the key to the server.
 */
const configSchema = z.object({
  serverUrl: z.string().url(),
  token: z.string().min(10),
  terminalId: z.string().min(1),
  terminalName: z.string(),
  schoolId: z.string(),
  schoolCode: z.string(),
  schoolName: z.string(),
  enrolledAt: z.string(),
});
export type SyncConfig = z.infer<typeof configSchema>;

export function syncConfigPath(dataDir: string): string {
  return path.join(dataDir, 'server.json');
}

export function loadSyncConfig(dataDir: string): SyncConfig | undefined {
  const file = syncConfigPath(dataDir);
  if (!existsSync(file)) return undefined;
  const parsed = configSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`Файл ${file} повреждён: зарегистрируйте кассу заново (canteen terminal enroll)`);
  return parsed.data;
}

export function saveSyncConfig(dataDir: string, cfg: SyncConfig): void {
  const file = syncConfigPath(dataDir);
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify(cfg, null, 2) + '\n', { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}
