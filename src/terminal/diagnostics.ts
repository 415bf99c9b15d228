import type Database from 'better-sqlite3';
import { pendingCount } from './outbox.js';

/**
 * Remote help without remote access (issue 18): what a till sends when the
 * console asks — versions, sync state, device list and printer status, the last
 * 1,000 log lines with personal data taken out. Never the ledger, the roster,
 * receipts, tokens, PIN hashes or keys: the bundle is built from a short list of
 * fields, not by copying tables, and every log line goes through `redactLine`.
 */

export const LOG_LINES = 1000;

/** The last `max` log lines, in memory (the runtime's log goes through it). */
export class LogRing {
  private readonly lines: string[] = [];
  constructor(private readonly max = LOG_LINES) {}
  push(line: string): void {
    this.lines.push(`${new Date().toISOString()} ${line}`);
    if (this.lines.length > this.max) this.lines.splice(0, this.lines.length - this.max);
  }
  all(): string[] { return [...this.lines]; }
}

/** The words of pupils' and cashiers' names on this till (≥ 3 letters), lower case: what `redactLine` hides. */
export function namesOnTill(sqlite: Database.Database): Set<string> {
  const words = new Set<string>();
  const add = (full: string) => { for (const w of full.toLowerCase().split(/[^\p{L}]+/u)) if (w.length >= 3) words.add(w); };
  for (const n of sqlite.prepare('SELECT full_name FROM students').pluck().all() as string[]) add(n);
  for (const n of sqlite.prepare('SELECT name FROM cashiers').pluck().all() as string[]) add(n);
  return words;
}

/**
 * One log line without personal data or secrets: pupils' and cashiers' name words,
 * card numbers, account numbers (10 digits), PINs and passwords, Bearer tokens and
 * other long secrets become "***".
 */
export function redactLine(line: string, names: Set<string>): string {
  return line
    .replace(/(bearer\s+)\S+/gi, '$1***')
    .replace(/((?:pin|пин|пин-код|password|пароль|token|токен|secret|pepper|key)\w*["']?\s*[:=]?\s*["']?)[^\s"',;]+/giu, '$1***')
    .replace(/\b(?:EM|HID|MF)[:-]?[0-9A-F]{6,}\b/gi, '***')
    .replace(/Em-Marine\[\d+\]\s*\d+,\d+/gi, '***')
    .replace(/\b\d{10}\b/g, '***')
    .replace(/\b[A-Za-z0-9_\-+/=]{24,}\b/g, '***')
    .replace(/\p{L}{3,}/gu, (w) => (names.has(w.toLowerCase()) ? '***' : w));
}

export interface DiagnosticInput {
  sqlite: Database.Database;
  appVersion: string;
  devices: { device: string; simulated: boolean; description: string }[];
  printer: unknown;
  sync: unknown;
  log: string[];
  update?: unknown;
  extra?: Record<string, string>;
}

export interface DiagnosticBundle {
  madeAt: string;
  versions: Record<string, string>;
  database: { migrations: number; lastMigrationAt: string | null; pendingEntries: number; lastSeq: number; openShift: boolean; lastZAt: string | null; pupils: number; cards: number };
  sync: unknown;
  devices: { device: string; simulated: boolean; description: string }[];
  printer: unknown;
  update: unknown;
  log: string[];
}

export function buildDiagnosticBundle(i: DiagnosticInput): DiagnosticBundle {
  const one = <T>(q: string) => i.sqlite.prepare(q).pluck().get() as T;
  const names = namesOnTill(i.sqlite);
  const last = one<number | null>('SELECT max(created_at) FROM __drizzle_migrations');
  return {
    madeAt: new Date().toISOString(),
    versions: {
      app: i.appVersion, node: process.versions.node, ...(process.versions.electron ? { electron: process.versions.electron } : {}),
      platform: `${process.platform} ${process.arch}`, sqlite: one<string>('SELECT sqlite_version()'), ...i.extra,
    },
    database: {
      migrations: one<number>('SELECT count(*) FROM __drizzle_migrations'),
      lastMigrationAt: last ? new Date(Number(last)).toISOString() : null,
      pendingEntries: pendingCount(i.sqlite),
      lastSeq: one<number | null>('SELECT max(seq) FROM entries') ?? 0,
      openShift: one<number | null>('SELECT 1 FROM shifts WHERE closed_at IS NULL LIMIT 1') === 1,
      lastZAt: one<string | null>('SELECT max(closed_at) FROM shifts WHERE z_report IS NOT NULL'),
      // Counts only: never the rows.
      pupils: one<number>('SELECT count(*) FROM students'),
      cards: one<number>('SELECT count(*) FROM cards'),
    },
    sync: redactDeep(i.sync, names),
    devices: i.devices.map((d) => ({ ...d, description: redactLine(d.description, names) })),
    printer: redactDeep(i.printer, names),
    update: redactDeep(i.update ?? null, names),
    log: i.log.slice(-LOG_LINES).map((l) => redactLine(l, names)),
  };
}

/** Every string inside, through redactLine (sync errors and printer messages may quote what they saw). */
function redactDeep(v: unknown, names: Set<string>): unknown {
  if (v === undefined) return null;
  return JSON.parse(JSON.stringify(v), (_k, x: unknown) => (typeof x === 'string' ? redactLine(x, names) : x)) as unknown;
}
