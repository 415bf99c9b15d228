import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { sql } from 'drizzle-orm';
import type { PgDialect } from 'drizzle-orm/pg-core';
import { escapeLiteral, foldedTransaction, INLINE_MAX_CHARS, inlineSql } from '../../src/server/db/fold.js';
import type { DbHandle } from '../../src/server/db/open.js';
import { createTestDb } from './helpers.js';

// db/fold.ts sends a push's first and last statements with their values inlined: they must come back
// exactly as sent, whatever the text (quotes, backslashes, array-literal escapes, Cyrillic, emoji).
const NASTY = ["plain", "o'clock", "back\\slash", "\\'; DROP TABLE entries; --", '{"a\\"b",NULL}', "Пицца «Маргарита» 🍕", "", "$1 $2", "-- comment", "E'x'"];

let h: DbHandle;
beforeAll(async () => { h = await createTestDb(); }, 180_000);
afterAll(async () => { await h?.close(); });

describe('inlined statements', () => {
  it('escape string literals exactly as node-postgres does', () => {
    for (const v of NASTY) expect(escapeLiteral(v)).toBe(pg.escapeLiteral(v));
  });

  it('parenthesise numbers, refuse NUL and what is not a plain value (those go the ordinary way)', () => {
    const dialect = (h.db as unknown as { dialect: PgDialect }).dialect;
    expect(inlineSql(dialect, sql`SELECT 1 - ${-5} AS n, ${true} AS b, ${null} AS z`)).toBe('SELECT 1 - (-5) AS n, true AS b, NULL AS z');
    expect(inlineSql(dialect, sql`SELECT ${'a\0b'} AS v`)).toBeUndefined();
    expect(inlineSql(dialect, sql`SELECT ${{ a: 1 }} AS v`)).toBeUndefined();
    expect(inlineSql(dialect, sql`SELECT ${'x'.repeat(INLINE_MAX_CHARS + 1)} AS v`)).toBeUndefined();   // a big batch: as parameters
  });

  it('come back from the database as sent, in the transaction, first and last (both drivers)', async () => {
    const got = await foldedTransaction(h.db, async (_tx, f) => {
      const [a] = await f.first<{ v: string[]; n: number }>(sql`SELECT ${`{${NASTY.map((v) => `"${v.replace(/["\\]/g, '\\$&')}"`).join(',')}}`}::text[] AS v, ${-7}::int - ${-3} AS n`);
      const [b] = await f.last<{ v: string; t: boolean }>(sql`SELECT ${NASTY.join('|')}::text AS v, txid_current_if_assigned() IS NULL AS t`);
      return { a, b };
    });
    expect(got.a).toEqual({ v: NASTY, n: -4 });
    expect(got.b).toEqual({ v: NASTY.join('|'), t: true });
  });

  it('a failing statement rolls the whole transaction back', async () => {
    await h.db.execute(sql`CREATE TABLE IF NOT EXISTS fold_probe (v text)`);
    const err = await foldedTransaction(h.db, async (_tx, f) => {
      await f.first(sql`INSERT INTO fold_probe VALUES (${'kept?'})`);
      await f.last(sql`SELECT ${'x'}::int`);
    }).catch((e: { code?: string; cause?: { code?: string } }) => e);
    expect((err as { code?: string }).code ?? (err as { cause?: { code?: string } }).cause?.code).toBe('22P02');   // drizzle wraps it on PGlite
    const res = await h.db.execute(sql`SELECT count(*)::int AS n FROM fold_probe`);
    expect((res as unknown as { rows: { n: number }[] }).rows[0]!.n).toBe(0);
  });
});
