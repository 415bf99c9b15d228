import { sql, type SQL } from 'drizzle-orm';
import { query, type Tx } from './open.js';

type ColType = 'text' | 'bigint' | 'integer' | 'boolean' | 'timestamptz' | 'jsonb';

/**
 * Multi-row INSERT … SELECT FROM unnest(array params): one bind parameter per
 * column whatever the row count. The hot path (push) uses it because building
 * a 1,000-row VALUES list through the query builder costs more CPU than the
 * database spends storing it. Columns are snake_case SQL names.
 */
export async function insertUnnest<R extends string = never>(
  tx: Tx,
  table: string,
  columns: readonly (readonly [name: string, type: ColType])[],
  rows: readonly (readonly unknown[])[],
  tail: SQL = sql`ON CONFLICT DO NOTHING`,
  returning?: R,
): Promise<Record<R, string>[]> {
  if (rows.length === 0) return [];
  const arrays = columns.map(([, type], i) => rows.map((r) => {
    const v = r[i];
    if (v === null || v === undefined) return null;
    return type === 'jsonb' ? JSON.stringify(v) : v;
  }));
  const params = columns.map(([name, type], i) => {
    const arrayType = type === 'jsonb' || type === 'timestamptz' ? 'text' : type;
    return sql`${sql.param(arrays[i])}::${sql.raw(arrayType)}[]`;
  });
  const aliases = columns.map(([name], i) => sql.raw(`c${i}`));
  const selects = columns.map(([, type], i) => sql.raw(type === 'jsonb' || type === 'timestamptz' ? `c${i}::${type}` : `c${i}`));
  const q = sql`INSERT INTO ${sql.raw(`"${table}"`)} (${sql.raw(columns.map(([n]) => `"${n}"`).join(', '))})
    SELECT ${sql.join(selects, sql`, `)} FROM unnest(${sql.join(params, sql`, `)}) AS t(${sql.join(aliases, sql`, `)})
    ${tail}${returning ? sql.raw(` RETURNING "${returning}"`) : sql``}`;
  if (!returning) {
    await tx.execute(q);
    return [];
  }
  return query<Record<R, string>>(tx, q);
}
