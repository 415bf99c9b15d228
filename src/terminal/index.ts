import type Database from 'better-sqlite3';
import { DEMO_SCHOOL, type DemoSchool } from '../core/demo-school.js';
import { openTerminalDb, type TerminalDb } from './db/open.js';
import { PosService, type PosServiceOptions } from './pos-service.js';
import type { ReceiptPrinter } from './ports.js';
import { isEmpty, loadSchool, SETTING } from './seed.js';

export { PosService } from './pos-service.js';
export { loadSchool, isEmpty, SETTING } from './seed.js';
export { openTerminalDb } from './db/open.js';

export interface OpenTerminalOptions extends Omit<PosServiceOptions, 'printer'> {
  dbPath: string;
  /** Load this school (the demo one with `true`) when the database is empty. */
  seed?: DemoSchool | true;
  /** Override settings stored in the database (e.g. from env / config file). */
  terminalId?: string;
  terminalName?: string;
  receiptSeries?: string;
  /** Encrypt the database at rest with this key (64 hex digits; db/cipher.ts). */
  key?: string;
  /** Builds the printer on the service's own connection (its enqueue runs inside sale transactions). */
  printer?: (sqlite: Database.Database) => ReceiptPrinter;
}

export interface Terminal {
  service: PosService;
  sqlite: Database.Database;
  db: TerminalDb;
  close(): void;
}

/** Opens (and migrates) a terminal database, seeds it if asked and empty, returns the service. */
export async function openTerminal(opts: OpenTerminalOptions): Promise<Terminal> {
  const { sqlite, db } = openTerminalDb(opts.dbPath, opts.key ? { key: opts.key } : {});
  try {
    if (opts.seed && isEmpty(sqlite)) await loadSchool(sqlite, opts.seed === true ? DEMO_SCHOOL : opts.seed);
    const set = sqlite.prepare('INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)');
    if (opts.terminalId) set.run(SETTING.terminalId, opts.terminalId);
    if (opts.terminalName) set.run(SETTING.terminalName, opts.terminalName);
    if (opts.receiptSeries !== undefined) set.run(SETTING.receiptSeries, opts.receiptSeries);
    const { printer, key: _key, ...rest } = opts;
    const service = new PosService(sqlite, { ...rest, ...(printer ? { printer: printer(sqlite) } : {}) });
    return { service, sqlite, db, close: () => { service.idleWork(); sqlite.close(); } };
  } catch (err) {
    sqlite.close();
    throw err;
  }
}
