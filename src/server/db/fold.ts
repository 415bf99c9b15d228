import type { SQL } from 'drizzle-orm';
import type { PgDialect } from 'drizzle-orm/pg-core';
import type { PoolClient, Pool } from 'pg';
import { query, type Db, type Tx } from './open.js';
import { schema } from './schema.js';

/**
 * A transaction whose BEGIN travels with its first statement and whose COMMIT with its last, on
 * PostgreSQL: one simple-protocol message each ("BEGIN; …" and "…; COMMIT"), so a push is two round
 * trips instead of four. Under load every round trip is a socket write and a wake-up on both sides:
 * writing queries to the socket was the largest single cost in the server's CPU profile (issue 17).
 *
 * The simple protocol carries no parameters, so those two statements are sent with their values
 * inlined as literals (pg's escapeLiteral; numbers and booleans as such). A value that cannot be
 * inlined safely (a NUL character, an unknown type) makes that statement go the ordinary way. Every
 * other statement runs on the same connection as usual. On PGlite (in process: no round trips) this
 * is an ordinary transaction.
 */
export interface Folded {
  /** True when `last` commits: nothing may run after it. */
  readonly folds: boolean;
  /** The transaction's first statement; nothing may run before it. */
  first: <T>(q: SQL) => Promise<T[]>;
  /** The transaction's last statement (its COMMIT with it, when `folds`). */
  last: <T>(q: SQL) => Promise<T[]>;
  /** The rows of `FoldOptions.before` (available once `first` has run). */
  beforeRows: <T>() => T[];
}

export interface FoldOptions {
  /** false: an ordinary transaction even on PostgreSQL. */
  fold?: boolean;
  /** The pull's snapshot: REPEATABLE READ, READ ONLY (taken by `first`, the transaction's first statement). */
  isolationLevel?: 'repeatable read';
  accessMode?: 'read only';
  /**
   * A statement committed in a transaction of its own just before this one; on PostgreSQL it travels in
   * `first`'s message ("BEGIN; before; COMMIT; BEGIN …; first"), so the pull's "last seen" update costs no
   * round trip of its own. It commits whatever the transaction does after it (as when it ran alone).
   */
  before?: SQL;
}

type DrizzleFactory = (client: PoolClient, config: { schema: typeof schema }) => unknown;
let drizzleFactory: DrizzleFactory | undefined;
const byClient = new WeakMap<PoolClient, Tx>();

function poolOf(db: Db): Pool | undefined {
  const c = (db as unknown as { $client?: { connect?: unknown; waitingCount?: unknown } }).$client;
  return c && typeof c.connect === 'function' && typeof c.waitingCount === 'number' ? c as unknown as Pool : undefined;
}

/**
 * A string literal as pg's escapeLiteral makes it (quotes doubled; with a backslash, an E'' literal
 * with backslashes doubled), by two native replaces instead of its loop over every character: a
 * catch-up push inlines megabytes of array literals.
 */
export function escapeLiteral(v: string): string {
  const quoted = v.replace(/'/g, "''");
  return v.includes('\\') ? ` E'${quoted.replace(/\\/g, '\\\\')}'` : `'${quoted}'`;
}

/**
 * Values above this size go as parameters (the statement the ordinary way): a large batch is mostly
 * work, not round trips, and PostgreSQL's lexer reading a megabyte of literals cost more than the two
 * round trips saved (server_ingest's 1,000-entry batches were slower folded).
 */
export const INLINE_MAX_CHARS = 32 * 1024;

/** `q` as one SQL text with its values inlined, or undefined when a value is not one to inline (or too much). */
export function inlineSql(dialect: PgDialect, q: SQL): string | undefined {
  const { sql: text, params } = dialect.sqlToQuery(q);
  let size = 0;
  for (const v of params) if (typeof v === 'string') size += v.length;
  if (size > INLINE_MAX_CHARS) return undefined;
  let ok = true;
  const out = text.replace(/\$(\d+)/g, (_, n: string) => {
    const v = params[Number(n) - 1];
    if (v === null || v === undefined) return 'NULL';
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    // Parenthesised: "- -5" would start a comment.
    if (typeof v === 'number' && Number.isFinite(v)) return `(${v})`;
    if (typeof v === 'string' && !v.includes('\0')) return escapeLiteral(v);
    ok = false;
    return '';
  });
  return ok ? out : undefined;
}

export async function foldedTransaction<R>(db: Db, fn: (tx: Tx, f: Folded) => Promise<R>, opts: FoldOptions = {}): Promise<R> {
  const pool = opts.fold === false ? undefined : poolOf(db);
  const config = opts.isolationLevel || opts.accessMode ? { isolationLevel: opts.isolationLevel, accessMode: opts.accessMode } : undefined;
  if (!pool) {
    const before = opts.before ? await query(db, opts.before) : [];
    return db.transaction((tx) => fn(tx, {
      folds: false, first: (q) => query(tx, q), last: (q) => query(tx, q), beforeRows: <T>() => before as T[],
    }), config);
  }
  drizzleFactory ??= (await import('drizzle-orm/node-postgres')).drizzle as unknown as DrizzleFactory;
  const dialect = (db as unknown as { dialect: PgDialect }).dialect;
  const client = await pool.connect();
  let tx = byClient.get(client);
  if (!tx) byClient.set(client, tx = drizzleFactory(client, { schema }) as Tx);
  const txq = tx;
  let committed = false;
  let broken: Error | undefined;
  let before: unknown[] | undefined = opts.before ? undefined : [];
  const rowsOf = <T>(res: unknown, i: number): T[] => (res as { rows: T[] }[])[i]!.rows;
  const begin = `BEGIN${opts.isolationLevel ? ` ISOLATION LEVEL ${opts.isolationLevel.toUpperCase()}` : ''}${opts.accessMode ? ` ${opts.accessMode.toUpperCase()}` : ''}`;
  const f: Folded = {
    folds: true,
    first: async <T>(q: SQL) => {
      const parts: string[] = [];
      if (opts.before) {
        const b = inlineSql(dialect, opts.before);
        // Not one to inline: on its own (an implicit transaction of its own, as before).
        if (b === undefined) before = await query(txq, opts.before);
        else parts.push('BEGIN', b, 'COMMIT');
      }
      parts.push(begin);
      const text = inlineSql(dialect, q);
      if (text !== undefined) parts.push(text);
      const sent = await client.query(parts.join('; '));
      const res = (Array.isArray(sent) ? sent : [sent]) as { rows: unknown[] }[];
      if (before === undefined) before = res[1]!.rows;
      return text === undefined ? query<T>(txq, q) : rowsOf<T>(res, parts.length - 1);
    },
    last: async <T>(q: SQL) => {
      const text = inlineSql(dialect, q);
      if (text === undefined) {
        const rows = await query<T>(txq, q);
        await client.query('COMMIT');
        committed = true;
        return rows;
      }
      const res = await client.query(`${text}; COMMIT`);
      committed = true;
      return rowsOf<T>(res, 0);
    },
    beforeRows: <T>() => {
      if (before === undefined) throw new Error('beforeRows() before first()');
      return before as T[];
    },
  };
  try {
    const out = await fn(txq, f);
    if (!committed) await client.query('COMMIT');
    return out;
  } catch (err) {
    // A failed statement leaves the transaction aborted (the COMMIT after it was not run).
    await client.query('ROLLBACK').catch((e: Error) => { broken = e; });
    throw err;
  } finally {
    client.release(broken);
  }
}
