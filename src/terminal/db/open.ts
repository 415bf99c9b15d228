import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { readMigrationFiles } from 'drizzle-orm/migrator';
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
  // An app update that brings migrations copies the database first (kept until the first good sync).
  if (dbPath !== ':memory:') backupBeforeMigrations(sqlite, dbPath);
  // drizzle applies every pending migration in one transaction: a failure leaves the schema as it was.
  migrate(db, { migrationsFolder: TERMINAL_MIGRATIONS });
  // Migration 0006 can only mark old cards; their aliases are computed here, once.
  backfillCardAliases(sqlite);
  return { sqlite, db };
}

const BACKUP = /\.before-migration-(\d+)\.bak$/;

/**
 * When this database has migrations still to apply (an app update), a copy of it
 * as it was — `terminal.sqlite.before-migration-<last applied>.bak`, encrypted like
 * the database — is made first, after a checkpoint so the file holds every commit.
 * A fresh database (no migrations table yet) needs none. Returns the copy's path.
 */
export function backupBeforeMigrations(sqlite: Database.Database, dbPath: string): string | undefined {
  const hasTable = sqlite.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'").get();
  if (!hasTable) return undefined;
  const last = Number(sqlite.prepare('SELECT max(created_at) FROM __drizzle_migrations').pluck().get() ?? 0);
  const pending = readMigrationFiles({ migrationsFolder: TERMINAL_MIGRATIONS }).filter((m) => m.folderMillis > last);
  if (pending.length === 0) return undefined;
  sqlite.pragma('wal_checkpoint(TRUNCATE)');
  const copy = `${dbPath}.before-migration-${last}.bak`;
  copyFileSync(dbPath, copy);
  return copy;
}

/** After the first successful sync on the new version: the copies are not needed any more. */
export function removeMigrationBackups(dbPath: string): string[] {
  const dir = path.dirname(path.resolve(dbPath));
  const base = path.basename(dbPath);
  const removed: string[] = [];
  for (const f of readdirSync(dir)) {
    if (f.startsWith(`${base}.before-migration-`) && BACKUP.test(f)) { rmSync(path.join(dir, f), { force: true }); removed.push(f); }
  }
  return removed;
}
