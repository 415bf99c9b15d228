import type { Table } from 'drizzle-orm';

/**
 * A table's row as raw SQL returns it: the schema's column names (snake_case) with the
 * types drizzle infers for them (`$inferSelect`). The hot paths run prepared statements on
 * better-sqlite3 directly (no mapping per row); their rows are typed as picks of this, so a
 * column renamed or retyped in schema.ts breaks the build instead of the till.
 */
export type SqlRow<T extends Table> = {
  [K in keyof T['_']['columns'] & keyof T['$inferSelect'] as T['_']['columns'][K]['_']['name']]: Raw<T['$inferSelect'][K]>;
};

/** What SQLite itself stores for a drizzle-mapped value: a `mode: 'boolean'` column is 0 or 1. */
type Raw<V> = V extends boolean ? 0 | 1 : V;

/** Some columns of a table's raw SQL row. */
export type SqlPick<T extends Table, K extends keyof SqlRow<T>> = Pick<SqlRow<T>, K>;

/**
 * Columns of a LEFT JOINed table, selected `AS <prefix><column>` (`r.id AS r_id`): each may be
 * null (no row to join). Optional when a caller may build the row without the join.
 */
export type Joined<P extends string, R> = { [K in keyof R & string as `${P}${K}`]?: R[K] | null };

/**
 * A write's named parameters (`@serverBalance`): the schema's property names with the types
 * drizzle infers for an insert, as SQLite binds them (a `mode: 'boolean'` column takes 0 or 1).
 */
export type SqlParams<T extends Table, K extends keyof T['$inferInsert']> = { [P in K]-?: Raw<Exclude<T['$inferInsert'][P], undefined>> };
