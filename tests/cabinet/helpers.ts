import type { FastifyInstance } from 'fastify';
import { v7 as uuidv7 } from 'uuid';
import { hash } from '@node-rs/argon2';
import { createTestDb, enrollDemoTerminal } from '../server/helpers.js';
import { buildServer, type ServerConfig } from '../../src/server/app.js';
import { seedDemo } from '../../src/server/admin/seed-demo.js';
import type { DbHandle } from '../../src/server/db/open.js';
import { TestGateway } from '../../src/server/cabinet/test-gateway.js';
import { MemoryMailer, type Mailer } from '../../src/server/cabinet/mailer.js';
import type { CabinetDeps } from '../../src/server/cabinet/index.js';
import type { SyncEntry } from '../../src/api/sync.js';

/** A settable clock, so lockouts, session expiry and token expiry are tested without waiting. */
export class Clock {
  constructor(public t = Date.parse('2026-03-16T09:00:00Z')) {}
  now = (): Date => new Date(this.t);
  advance(ms: number): void { this.t += ms; }
}

export interface CabinetTest {
  handle: DbHandle;
  app: FastifyInstance;
  gateway: TestGateway;
  mailer: Mailer & { sent?: { to: string; subject: string; text: string }[] };
  clock: Clock;
  token: string;
  terminalId: string;
  seq: number;
  /** Pushes terminal entries (seq assigned here) through the real sync API. */
  push(entries: Omit<SyncEntry, 'seq'>[]): Promise<{ status: number; body: unknown }>;
  close(): Promise<void>;
}

export async function startCabinet(opts: { mailer?: Mailer; cabinet?: Partial<Omit<CabinetDeps, 'db'>>; server?: Omit<ServerConfig, 'cabinet'> } = {}): Promise<CabinetTest> {
  const handle = await createTestDb();
  await seedDemo(handle.db);
  const clock = new Clock();
  const gateway = new TestGateway('test-gateway-secret', '/test-gateway', clock.now);
  const mailer = opts.mailer ?? new MemoryMailer();
  const app = await buildServer(handle, { ...opts.server, cabinet: { gateway, mailer, now: clock.now, lowBalanceIntervalMs: 0, secret: 'csrf-secret', ...opts.cabinet } });
  await app.ready();
  const { token, terminalId } = await enrollDemoTerminal(handle);
  const t: CabinetTest = {
    handle, app, gateway, mailer, clock, token, terminalId, seq: 0,
    async push(entries) {
      const withSeq = entries.map((e) => ({ ...e, seq: ++t.seq }));
      const res = await app.inject({
        method: 'POST', url: '/api/v1/sync/push', headers: { authorization: `Bearer ${token}` },
        payload: { terminalId, entries: withSeq },
      });
      return { status: res.statusCode, body: res.json() };
    },
    async close() { await app.close(); await handle.close(); },
  };
  return t;
}

/** The terminal's cabinetPassword entry: only the argon2id hash of what the receipt printed. */
export async function pushTempPassword(t: CabinetTest, accountNumber: string, password: string) {
  return t.push([{
    uuid: uuidv7(), kind: 'cabinetPassword', accountNumber, amount: 0, createdAt: t.clock.now().toISOString(),
    payload: { passwordHash: await hash(password) },
  }]);
}

export interface SaleLine { name: string; amount: number; quantity?: number; itemId?: string }

let receiptNo = 15000;
/** A sale as a terminal pushes it: entry + receipt payload with dish lines. */
export function saleEntry(t: CabinetTest, accountNumber: string, lines: SaleLine[], at = t.clock.now()): Omit<SyncEntry, 'seq'> {
  const total = lines.reduce((s, l) => s + l.amount, 0);
  const receiptId = uuidv7();
  const number = `24-${String(++receiptNo).padStart(6, '0')}`;
  return {
    // Like the terminal: the receipt id travels in the payload only (the entry's receiptId stays unset).
    uuid: uuidv7(), kind: 'sale', accountNumber, amount: -total, createdAt: at.toISOString(),
    cardId: null,
    payload: {
      receiptId, receiptNumber: number, total, subsidy: 0,
      lines: lines.map((l, i) => ({
        itemId: l.itemId ?? `dish-${i}`, kind: 'dish', name: l.name, quantity: l.quantity ?? 1,
        unitPrice: Math.round(l.amount / (l.quantity ?? 1)), amount: l.amount, subsidy: 0,
      })),
    },
  };
}

/** A tiny browser over app.inject: a cookie jar, forms with their CSRF token, no redirects followed. */
export class Browser {
  readonly cookies = new Map<string, string>();
  lastHtml = '';
  constructor(private readonly app: FastifyInstance, readonly ip = '10.0.0.1', readonly origin = 'http://localhost', readonly headers: Record<string, string> = {}) {}

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private absorb(setCookie: string | string[] | undefined): void {
    for (const c of ([] as string[]).concat(setCookie ?? [])) {
      const [pair, ...attrs] = c.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const gone = attrs.some((a) => /max-age=0/i.test(a.trim()) || /expires=Thu, 01 Jan 1970/i.test(a.trim())) || value === '';
      if (gone) this.cookies.delete(name); else this.cookies.set(name, value);
    }
  }

  async get(url: string) {
    const res = await this.app.inject({ method: 'GET', url, remoteAddress: this.ip, headers: { ...this.headers, cookie: this.cookieHeader(), host: 'localhost' } });
    this.absorb(res.headers['set-cookie']);
    if (res.headers['content-type']?.toString().startsWith('text/html')) this.lastHtml = res.body;
    return res;
  }

  /** Posts a form; `_csrf` is taken from the last page unless given. */
  async post(url: string, form: Record<string, string>, opts: { csrf?: string | null; origin?: string | null } = {}) {
    const csrf = opts.csrf === undefined ? csrfOf(this.lastHtml) : opts.csrf;
    const body = new URLSearchParams({ ...(csrf !== null && csrf !== undefined ? { _csrf: csrf } : {}), ...form }).toString();
    const origin = opts.origin === undefined ? this.origin : opts.origin;
    const res = await this.app.inject({
      method: 'POST', url, remoteAddress: this.ip, payload: body,
      headers: { ...this.headers, cookie: this.cookieHeader(), host: 'localhost', 'content-type': 'application/x-www-form-urlencoded', ...(origin ? { origin } : {}) },
    });
    this.absorb(res.headers['set-cookie']);
    if (res.headers['content-type']?.toString().startsWith('text/html')) this.lastHtml = res.body;
    return res;
  }

  async login(account: string, password: string) {
    await this.get('/cabinet/login');
    return this.post('/cabinet/login', { account, password });
  }
}

export function csrfOf(html: string): string | undefined {
  return /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
}

/** Visible text of a page (tags stripped, entities for < > & decoded), for assertions on what a parent reads. */
export function textOf(html: string): string {
  return html.replace(/<[^>]+>/g, ' ').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&').replace(/\s+/g, ' ');
}

export async function balanceOf(handle: DbHandle, accountNumber: string): Promise<number> {
  const { sql } = await import('drizzle-orm');
  const res = (await handle.db.execute(sql`SELECT balance FROM accounts WHERE account_number = ${accountNumber}`)) as unknown as { rows: { balance: number }[] };
  return Number(res.rows[0]!.balance);
}

export async function count(handle: DbHandle, table: string, where = 'true'): Promise<number> {
  const { sql } = await import('drizzle-orm');
  const res = (await handle.db.execute(sql.raw(`SELECT count(*)::int AS n FROM ${table} WHERE ${where}`))) as unknown as { rows: { n: number }[] };
  return Number(res.rows[0]!.n);
}

export interface PullLike { cursor: string; accounts: { accountNumber: string; balance: number; dailyLimit: number | null }[]; cards: { cardId: string; state: string }[] }

/**
 * Pulls from `cursor` until the answer satisfies `want` (a few tries). On a
 * shared PostgreSQL a transaction in another test's database can hold the
 * snapshot's xmin back, so a change shows up in a later pull rather than the
 * very next one (the server's cursor rule: late, never lost).
 */
export async function pullUntil(t: CabinetTest, cursor: string | undefined, want: (p: PullLike) => boolean, tries = 50): Promise<PullLike> {
  let merged: PullLike | null = null;
  for (let i = 0; i < tries; i++) {
    const res = await t.app.inject({ method: 'GET', url: `/api/v1/sync/pull${cursor ? `?cursor=${cursor}` : ''}`, headers: { authorization: `Bearer ${t.token}` } });
    const p = res.json() as PullLike;
    merged = merged ? { cursor: p.cursor, accounts: [...merged.accounts.filter((a) => !p.accounts.some((b) => b.accountNumber === a.accountNumber)), ...p.accounts], cards: [...merged.cards.filter((c) => !p.cards.some((d) => d.cardId === c.cardId)), ...p.cards] } : p;
    if (want(merged)) return merged;
    cursor = p.cursor;
    await new Promise((r) => setTimeout(r, 50));
  }
  return merged!;
}
