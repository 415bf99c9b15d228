import { sql, type SQL } from 'drizzle-orm';

type ColType = 'text' | 'uuid' | 'bigint' | 'integer' | 'boolean' | 'timestamptz' | 'jsonb';

/**
 * PostgreSQL array literals ('{"a","b",NULL}') built directly, for bulk rows
 * sent as one bind parameter per column (`SELECT unnest($1::text[]), unnest($2::bigint[]), …`).
 *
 * Why not hand JS arrays to the driver: node-postgres escapes every element
 * through a generic path (two regex replaces each, type dispatch), which was a
 * visible share of the push's CPU; and PGlite and node-postgres serialise JS
 * arrays differently, while a literal string goes through both the same way.
 */
const NEEDS_ESCAPE = /["\\]/;

/** text[] / uuid[] / timestamptz[] / jsonb[] literal; null and undefined become NULL. */
export function textArray(values: readonly (string | null | undefined)[]): string {
  // Fast path (ids, timestamps, most names): no NULL and nothing to escape, so one join.
  let simple = true;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v == null || NEEDS_ESCAPE.test(v)) { simple = false; break; }
  }
  if (simple) return values.length ? `{"${values.join('","')}"}` : '{}';
  const parts = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    parts[i] = v == null ? 'NULL' : NEEDS_ESCAPE.test(v) ? `"${v.replace(/["\\]/g, '\\$&')}"` : `"${v}"`;
  }
  return `{${parts.join(',')}}`;
}

/** bigint[] / integer[] literal (integers only: money is kopecks, seqs are counters). */
export function intArray(values: readonly (number | null | undefined)[]): string {
  const parts = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v == null) { parts[i] = 'NULL'; continue; }
    if (!Number.isSafeInteger(v)) throw new Error(`not an integer: ${v}`);
    parts[i] = String(v);
  }
  return `{${parts.join(',')}}`;
}

export function boolArray(values: readonly (boolean | null | undefined)[]): string {
  const parts = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    parts[i] = v == null ? 'NULL' : v ? 't' : 'f';
  }
  return `{${parts.join(',')}}`;
}

/** jsonb[] literal: each value serialised once; null/undefined stay SQL NULL. */
export function jsonArray(values: readonly unknown[]): string {
  return textArray(values.map((v) => (v === null || v === undefined ? null : JSON.stringify(v))));
}

/** `$n::type[]` for one column of `rows`. */
export function arrayParam(type: ColType, values: readonly unknown[]): SQL {
  const literal = type === 'bigint' || type === 'integer' ? intArray(values as (number | null)[])
    : type === 'boolean' ? boolArray(values as (boolean | null)[])
    : type === 'jsonb' ? jsonArray(values)
    : textArray(values as (string | null)[]);
  return sql`${literal}::${sql.raw(type)}[]`;
}

/**
 * `(SELECT unnest($1::t1[]) AS a, unnest($2::t2[]) AS b, …) AS alias`: rows zipped from column arrays.
 * Why not `unnest($1, $2, …)`: the multi-argument form is a Function Scan that materialises every
 * array into its own tuplestore first; one unnest per select-list column is a ProjectSet that
 * streams them in step (about 4× cheaper for a dozen columns; same rows, arrays are equally long).
 */
export function zipRows(alias: string, cols: readonly (readonly [name: string, type: ColType, values: readonly unknown[]])[]): SQL {
  const list = cols.map(([name, type, values]) => sql`unnest(${arrayParam(type, values)}) AS ${sql.raw(name)}`);
  return sql`(SELECT ${sql.join(list, sql`, `)}) AS ${sql.raw(alias)}`;
}

/** text[] as the drivers return it: node-postgres parses it to an array; be tolerant of the literal form too. */
export function parsePgTextArray(v: string[] | string | null | undefined): string[] {
  if (!v) return [];
  if (Array.isArray(v)) return v;
  if (v === '{}') return [];
  return v.slice(1, -1).split(',').map((s) => s.replace(/^"(.*)"$/, '$1').replace(/\\(.)/g, '$1'));
}
