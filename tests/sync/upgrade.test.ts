import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { SYNC_WIRE, SYNC_WIRE_HEADER } from '../../src/api/sync.js';
import { openTerminalDb, removeMigrationBackups, TERMINAL_MIGRATIONS } from '../../src/terminal/db/open.js';
import type { FetchFn } from '../../src/terminal/sync/transport.js';
import { openRuntime } from '../../src/shell/runtime.js';
import { enrollDemoTerminal } from '../server/helpers.js';
import { IVANOV, KASHA, newTerminal, serverBalance, serverEntriesOf, startTestServer, type TestServer } from './harness.js';

/**
 * Issue 18, across versions: a till and a server one sync-wire version apart
 * (newer till ↔ older server and the reverse) push and pull as usual; the till's
 * SQLite migrates at start in one transaction after a copy is made, and the copy
 * goes after the first good sync.
 */

let server: TestServer;
beforeAll(async () => { server = await startTestServer(); }, 180_000);
afterAll(async () => { await server?.close(); });

type Json = Record<string, unknown>;
/** A fetch that rewrites what goes out and what comes back, as the other end's version would. */
function versioned(opts: { request?: (headers: Headers, body: Json | undefined) => void; response?: (headers: Headers, body: Json) => void }): FetchFn {
  return async (input, init) => {
    const headers = new Headers(init.headers);
    let body = typeof init.body === 'string' ? (JSON.parse(init.body) as Json) : undefined;
    opts.request?.(headers, body);
    const res = await fetch(input, { ...init, headers, ...(body ? { body: JSON.stringify(body) } : {}) });
    const text = await res.text();
    if (!res.ok || !opts.response) return new Response(text, { status: res.status, headers: res.headers });
    body = JSON.parse(text) as Json;
    const out = new Headers(res.headers);
    opts.response(out, body);
    out.delete('content-length');
    return new Response(JSON.stringify(body), { status: res.status, headers: out });
  };
}

describe('sync across one wire version', () => {
  it('a newer till (v+1, fields this server does not know) pushes and pulls with this server', async () => {
    const seen: string[] = [];
    const t = await newTerminal(server, {
      terminalId: 'terminal-24-new',
      fetch: versioned({
        request: (h, body) => {
          h.set(SYNC_WIRE_HEADER, String(SYNC_WIRE + 1));
          if (body && Array.isArray(body.entries)) {
            body.compression = 'none';
            for (const e of body.entries as Json[]) e.deviceTime = { monotonicMs: 12345 };
          }
        },
        response: (h) => { seen.push(h.get(SYNC_WIRE_HEADER) ?? 'none'); },
      }),
    });
    try {
      const before = await serverBalance(server.handle, IVANOV.account);
      const sale = await t.sell(IVANOV.card, [KASHA]);
      await t.client.syncOnce();
      expect(t.pending()).toBe(0);
      expect(await serverEntriesOf(server.handle, t.terminalId)).toHaveLength(t.localEntries().length);
      expect(await serverBalance(server.handle, IVANOV.account)).toBe(before - sale.total);
      expect(seen.length).toBeGreaterThan(0);
      expect(new Set(seen)).toEqual(new Set([String(SYNC_WIRE)]));
    } finally { await t.close(); }
  });

  it('this till with a newer server (v+1: unknown fields in the pull) and with an older one (v1: no header, no optional fields)', async () => {
    const newer = await newTerminal(server, {
      terminalId: 'terminal-24-a',
      fetch: versioned({
        response: (h, body) => {
          h.set(SYNC_WIRE_HEADER, String(SYNC_WIRE + 1));
          if ('accounts' in body) {
            body.loyaltyPoints = [];
            (body.settings as Json).queueDisplay = true;
            for (const a of body.accounts as Json[]) a.bonus = 5;
          }
        },
      }),
    });
    const older = await newTerminal(server, {
      terminalId: 'terminal-24-b',
      fetch: versioned({
        request: () => {},
        response: (h, body) => {
          h.delete(SYNC_WIRE_HEADER);
          if ('accounts' in body) {
            const settings = body.settings as Json;
            delete settings.allergenPolicy;
            delete settings.receiptSeries;
            for (const a of body.accounts as Json[]) { delete a.today; delete a.reserved; }
            for (const s of body.students as Json[]) { delete s.allergies; delete s.photo; }
          }
        },
      }),
    });
    try {
      for (const t of [newer, older]) {
        await t.client.syncOnce();
        const shown = await t.shownBalance(IVANOV.card);
        const sale = await t.sell(IVANOV.card, [KASHA]);
        await t.client.syncOnce();
        expect(t.client.state().lastError).toBeUndefined();
        expect(t.pending()).toBe(0);
        expect([t.terminalId, await t.shownBalance(IVANOV.card)]).toEqual([t.terminalId, shown - sale.total]);
      }
      await newer.client.syncOnce();
      // Both tills agree with the server once each has pulled the other's sale.
      expect(await newer.shownBalance(IVANOV.card)).toBe(await serverBalance(server.handle, IVANOV.account));
      expect(await older.shownBalance(IVANOV.card)).toBe(await serverBalance(server.handle, IVANOV.account));
    } finally { await newer.close(); await older.close(); }
  });

  it('refuses, with the reason in Russian, an end below the other one\'s minimum', async () => {
    const { token } = await enrollDemoTerminal(server.handle, 'terminal-24-old');
    const res = await fetch(`${server.url}/api/v1/sync/pull`, { headers: { authorization: `Bearer ${token}`, [SYNC_WIRE_HEADER]: '0' } });
    expect(res.status).toBe(426);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe('Касса устарела: формат синхронизации 0, сервер принимает не ниже 1. Обновите приложение кассы');

    const t = await newTerminal(server, { terminalId: 'terminal-24-c' });
    try {
      const stale = new (await import('../../src/terminal/sync/client.js')).SyncClient({
        poke: false, watchMs: 0, serverUrl: server.url, sqlite: t.sqlite, token: (t.client as unknown as { opts: { token: string } }).opts.token, terminalId: t.terminalId,
        fetch: versioned({ response: (h) => { h.set(SYNC_WIRE_HEADER, '0'); } }),
      });
      await stale.syncOnce().catch(() => undefined);
      expect(stale.state().lastError).toContain('Сервер устарел: формат синхронизации 0, касса понимает не ниже 1. Обновите сервер');
      await stale.stop();
    } finally { await t.close(); }
  });
});

describe('the till database across an app update', () => {
  /** A database as the previous app version left it: every migration but the last `missing`. */
  function olderDb(missing: number): { dbPath: string; lastWhen: number } {
    const dir = mkdtempSync(path.join(tmpdir(), 'canteen-upgrade-'));
    const folder = path.join(dir, 'migrations');
    cpSync(TERMINAL_MIGRATIONS, folder, { recursive: true });
    const journalFile = path.join(folder, 'meta', '_journal.json');
    const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: { when: number }[] };
    journal.entries = journal.entries.slice(0, -missing);
    writeFileSync(journalFile, JSON.stringify(journal));
    const dbPath = path.join(dir, 'data', 'terminal.sqlite');
    mkdirSync(path.dirname(dbPath));
    const sqlite = new Database(dbPath);
    sqlite.pragma('journal_mode = WAL');
    migrate(drizzle(sqlite), { migrationsFolder: folder });
    sqlite.prepare(`INSERT INTO settings (key, value) VALUES ('terminal_id', 'terminal-24-1')`).run();
    sqlite.close();
    return { dbPath, lastWhen: journal.entries.at(-1)!.when };
  }
  const applied = (file: string) => {
    const db = new Database(file, { readonly: true });
    try { return db.prepare('SELECT count(*) FROM __drizzle_migrations').pluck().get() as number; } finally { db.close(); }
  };
  const total = readdirSync(TERMINAL_MIGRATIONS).filter((f) => f.endsWith('.sql')).length;

  it('migrates forward after copying the database as it was; a fresh database gets no copy', () => {
    const { dbPath, lastWhen } = olderDb(2);
    const { sqlite } = openTerminalDb(dbPath);
    sqlite.close();
    const copy = `${dbPath}.before-migration-${lastWhen}.bak`;
    expect(existsSync(copy)).toBe(true);
    expect(applied(copy)).toBe(total - 2);
    expect(applied(dbPath)).toBe(total);
    const again = openTerminalDb(dbPath);
    again.sqlite.close();
    expect(readdirSync(path.dirname(dbPath)).filter((f) => f.endsWith('.bak'))).toEqual([path.basename(copy)]);
    expect(removeMigrationBackups(dbPath)).toEqual([path.basename(copy)]);
    expect(existsSync(copy)).toBe(false);

    const fresh = path.join(mkdtempSync(path.join(tmpdir(), 'canteen-fresh-')), 'terminal.sqlite');
    openTerminalDb(fresh).sqlite.close();
    expect(readdirSync(path.dirname(fresh)).filter((f) => f.endsWith('.bak'))).toEqual([]);
  });

  it('a migration that fails leaves every pending one unapplied (one transaction), and the copy', () => {
    const { dbPath, lastWhen } = olderDb(2);
    // The last migration (0011) adds accounts.reserved: a column already there makes it fail after the one before it ran.
    const pre = new Database(dbPath);
    pre.exec('ALTER TABLE accounts ADD reserved integer');
    pre.close();
    expect(() => openTerminalDb(dbPath)).toThrow(/reserved/);
    expect(applied(dbPath)).toBe(total - 2);
    expect(existsSync(`${dbPath}.before-migration-${lastWhen}.bak`)).toBe(true);
  });

  it('the runtime keeps the copy while the server is unreachable and drops it after the first good sync', async () => {
    const { dbPath } = olderDb(1);
    const dataDir = path.dirname(dbPath);
    const { token } = await enrollDemoTerminal(server.handle);
    const base = { dataDir, reader: 'none', printer: 'memory', dbKeyStore: false, syncTuning: { requestTimeoutMs: 2000, backoff: { baseMs: 50, maxMs: 100 } } } as const;
    const baks = () => readdirSync(dataDir).filter((f) => f.endsWith('.bak'));
    await expect(openRuntime({ ...base, server: { serverUrl: 'http://127.0.0.1:9', token, terminalId: 'terminal-24-1' } })).rejects.toThrow(/Нет связи с сервером|не получила данные/);
    expect(baks()).toHaveLength(1);
    const rt = await openRuntime({ ...base, server: { serverUrl: server.url, token, terminalId: 'terminal-24-1' } });
    try {
      expect(baks()).toEqual([]);
    } finally { await rt.close(); }
  });
});
