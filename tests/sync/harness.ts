import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { eq, sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { DEMO_SCHOOL } from '../../src/core/demo-school.js';
import { openTerminalDb } from '../../src/terminal/db/open.js';
import { PosService } from '../../src/terminal/pos-service.js';
import { pendingCount } from '../../src/terminal/outbox.js';
import { SyncClient, type SyncClientOptions } from '../../src/terminal/sync/client.js';
import type { Clock } from '../../src/terminal/ports.js';
import { accounts, entries, reviewFlags } from '../../src/server/db/schema.js';
import { recordTopUp } from '../../src/server/ledger/server-entries.js';
import { reconcile } from '../../src/server/admin/reconcile.js';
import type { DbHandle } from '../../src/server/db/open.js';
import { enrollDemoTerminal } from '../server/helpers.js';

export { startTestServer, type TestServer } from '../server/helpers.js';

export const IVANOV = { account: '0242013137', card: 'EM:55007EE424' };
export const PETROV = { account: '0242013187', card: 'EM:55007E1005' };
export const PIZZA = 'dish-pizza';        // 34,50
export const KASHA = 'dish-kasha-grech';  // 8,30

export interface TestTerminal {
  terminalId: string;
  sqlite: Database.Database;
  service: PosService;
  /** The school's PIN pepper this terminal got at enrolment. */
  pinPepper: string;
  client: SyncClient;
  dbPath: string;
  /** Sells the items to the card; throws with the Russian reason when refused. */
  sell(card: string, items: string[]): Promise<{ total: number; receiptId: string }>;
  /** The balance the pupil panel shows (PosService.identifyCard). */
  shownBalance(card: string): Promise<number>;
  /** Rows of the local ledger (uuid, seq, amount). */
  localEntries(): { uuid: string; seq: number; amount: number; account_number: string | null; kind: string }[];
  pending(): number;
  close(): Promise<void>;
}

export interface TerminalOptions extends Partial<Omit<SyncClientOptions, 'sqlite' | 'token' | 'terminalId'>> {
  terminalId?: string;
  /** Clock of the sale service (defaults to the client's clock, or real time). */
  serviceClock?: Clock;
  /** First pull now (loads the school). Default true. */
  initialPull?: boolean;
}

/**
 * An enrolled terminal with an empty database, filled by its first pull from
 * the test server, then running a real PosService with the cashier logged in
 * and a shift open. SQLite durability is relaxed (synchronous=OFF): these
 * tests are about the wire, and thousands of fsyncs only slow them down.
 */
export async function newTerminal(server: { handle: DbHandle; url: string }, opts: TerminalOptions = {}): Promise<TestTerminal> {
  const terminalId = opts.terminalId ?? DEMO_SCHOOL.terminal.id;
  const { token, pinPepper } = await enrollDemoTerminal(server.handle, terminalId);
  const dbPath = path.join(mkdtempSync(path.join(tmpdir(), 'canteen-sync-')), 'terminal.sqlite');
  const { sqlite } = openTerminalDb(dbPath);
  sqlite.pragma('synchronous = OFF');
  sqlite.prepare(`INSERT OR REPLACE INTO settings (key, value) VALUES ('terminal_id', ?)`).run(terminalId);
  let service: PosService | undefined;
  const { initialPull, serviceClock, terminalId: _t, ...clientOpts } = opts;
  const client = new SyncClient({
    poke: false,
    watchMs: 0,
    serverUrl: server.url,
    ...clientOpts,
    sqlite,
    token,
    terminalId,
    onPulled: (s) => { service?.reload(); opts.onPulled?.(s); },
  });
  if (initialPull !== false) await client.syncOnce();
  service = new PosService(sqlite, { requireTap: false,
    clock: serviceClock ?? opts.clock ?? { now: () => new Date() },
    sync: { state: () => client.state() },
    pinPepper,
  });
  const login = await service.login('1111');
  if (!login.ok) throw new Error(login.error.message);
  const shift = await service.openShift();
  if (!shift.ok) throw new Error(shift.error.message);
  const svc = service;
  return {
    terminalId, sqlite, service: svc, client, dbPath, pinPepper,
    async sell(card, items) {
      const r = await svc.sell({ saleId: uuidv7(), cardId: card, lines: items.map((itemId) => ({ itemId, quantity: 1 })) });
      if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
      return { total: r.value.total, receiptId: r.value.receiptId };
    },
    async shownBalance(card) {
      const r = await svc.identifyCard(card);
      if (!r.ok) throw new Error(r.error.message);
      return r.value.balance;
    },
    localEntries: () => sqlite.prepare('SELECT uuid, seq, amount, account_number, kind FROM entries ORDER BY seq').all() as never,
    pending: () => pendingCount(sqlite),
    async close() { await client.stop(); sqlite.close(); },
  };
}

/** Gives the demo accounts enough money for long test runs (a server-side top-up each). */
export async function topUpAll(handle: DbHandle, amount = 10_000_000): Promise<void> {
  for (const st of DEMO_SCHOOL.students) await recordTopUp(handle.db, st.accountNumber, amount, { source: 'test' });
}

export async function serverBalance(handle: DbHandle, account: string): Promise<number> {
  const [row] = await handle.db.select({ balance: accounts.balance }).from(accounts).where(eq(accounts.accountNumber, account));
  return row!.balance;
}

/** The server's copy of one terminal's entries: uuid → count, and the seqs. */
export async function serverEntriesOf(handle: DbHandle, terminalId: string): Promise<{ uuid: string; seq: number; amount: number }[]> {
  return handle.db.select({ uuid: entries.uuid, seq: entries.seq, amount: entries.amount })
    .from(entries).where(eq(entries.terminalId, terminalId)).orderBy(entries.seq) as Promise<{ uuid: string; seq: number; amount: number }[]>;
}

export async function flagsOf(handle: DbHandle, entryUuid?: string): Promise<{ entryUuid: string; reason: string }[]> {
  const q = handle.db.select({ entryUuid: reviewFlags.entryUuid, reason: reviewFlags.reason }).from(reviewFlags);
  return entryUuid ? q.where(eq(reviewFlags.entryUuid, entryUuid)) : q;
}

/** Balances that do not add up, and entries that break a ledger rule (none from a genuine till). */
export async function reconcileDifferences(handle: DbHandle) {
  const r = await reconcile(handle.db);
  return [...r.differences, ...r.violations];
}

export async function countRows(handle: DbHandle, table: 'entries' | 'entry_ids'): Promise<number> {
  const res = (await handle.db.execute(sql.raw(`SELECT count(*)::int AS n FROM ${table}`))) as unknown as { rows: { n: number }[] };
  return res.rows[0]!.n;
}

/** Opening balances as the demo school defines them. */
export function opening(account: string): number {
  return DEMO_SCHOOL.students.find((s) => s.accountNumber === account)!.openingBalance;
}
