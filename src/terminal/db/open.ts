import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { schema } from './schema.js';
import { backfillCardAliases } from '../card-aliases.js';
import { WAL_AUTOCHECKPOINT_PAGES } from './checkpoint.js';
import { openEncrypted } from './cipher.js';

export const TERMINAL_MIGRATIONS = fileURLToPath(new URL('../../../migrations/terminal', import.meta.url));

export type TerminalDb = BetterSQLite3Database<typeof schema>;

/**
 * Durability first: WAL so readers never block the writer, synchronous=FULL so
 * a committed sale survives power loss (WAL+NORMAL may lose the last commits).
 */
export function applyPragmas(sqlite: Database.Database): void {
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  // A safety net only: the terminal checkpoints when idle (IdleCheckpointer), not inside a sale.
  sqlite.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
}

/**
 * Opens (creating if needed) a terminal database and brings its schema up to date. With `key`
 * the file is encrypted at rest (db/cipher.ts; a plain file from before is encrypted in place).
 */
export function openTerminalDb(dbPath: string, opts: { key?: string } = {}): { sqlite: Database.Database; db: TerminalDb } {
  if (dbPath !== ':memory:') mkdirSync(path.dirname(path.resolve(dbPath)), { recursive: true });
  const sqlite = opts.key ? openEncrypted(dbPath, opts.key) : new Database(dbPath);
  applyPragmas(sqlite);
  const db = drizzle(sqlite, { schema });
  migrate(db, { migrationsFolder: TERMINAL_MIGRATIONS });
  // Migration 0006 can only mark old cards; their aliases are computed here, once.
  backfillCardAliases(sqlite);
  return { sqlite, db };
}
