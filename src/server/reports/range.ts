import { sql, type SQL } from 'drizzle-orm';
import { addDays, startOfDay } from '../../core/period.js';
import { HttpError } from '../errors.js';
import { query, type Tx } from '../db/open.js';

/** Longest period one report covers (a school's day report over a term is fine; a year is an export). */
export const MAX_REPORT_DAYS = 400;

/** The school days from..to (inclusive) as instants [lo, hi) in the school's zone. */
export interface DayRange { from: string; to: string; lo: string; hi: string }

export function dayRange(from: string, to: string, timeZone: string): DayRange {
  if (to < from) throw new HttpError(400, 'BAD_INPUT', 'Конец периода раньше начала');
  const days = Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000) + 1;
  if (days > MAX_REPORT_DAYS) throw new HttpError(400, 'BAD_INPUT', `Период длиннее ${MAX_REPORT_DAYS} дней: разбейте его`);
  return { from, to, lo: startOfDay(from, timeZone).toISOString(), hi: startOfDay(addDays(to, 1), timeZone).toISOString() };
}

/** The month "2026-11" as its first and last day. */
export function monthDays(month: string): { from: string; to: string } {
  const from = `${month}-01`;
  const [y, m] = month.split('-').map(Number) as [number, number];
  const next = m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
  return { from, to: addDays(next, -1) };
}

/**
 * Entries of the school days from..to across schools of different zones: a UTC window a day wider
 * on each side (so only those months' partitions are read: the partition key is created_at in UTC)
 * and the exact local day in the school's zone (`s` is the schools row joined in).
 */
export function localDaysWhere(e: string, s: string, from: string, to: string): SQL {
  const lo = new Date(Date.parse(`${from}T00:00:00Z`) - 86_400_000).toISOString();
  const hi = new Date(Date.parse(`${addDays(to, 1)}T00:00:00Z`) + 86_400_000).toISOString();
  return sql`${sql.raw(e)}.created_at >= ${lo}::timestamptz AND ${sql.raw(e)}.created_at < ${hi}::timestamptz
    AND (${sql.raw(e)}.created_at AT TIME ZONE ${sql.raw(s)}.time_zone)::date BETWEEN ${from}::date AND ${to}::date`;
}

export interface SchoolRow { id: string; code: string; name: string; time_zone: string }

export async function schoolOf(db: Tx, schoolId: string): Promise<SchoolRow> {
  const [s] = await query<SchoolRow>(db, sql`SELECT id, code, name, time_zone FROM schools WHERE id = ${schoolId}`);
  if (!s) throw new HttpError(404, 'NOT_FOUND', 'Школа не найдена');
  return s;
}

export const num = (v: unknown): number => (v == null ? 0 : Number(v));

/**
 * Runs a report's queries in one read-only transaction with room to sort and hash in memory
 * (a district's month groups a few hundred thousand lines; the default 4 MB spills to disk), without JIT.
 */
export async function reportTx<T>(db: Tx, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    // JIT off: a query over every school's partitions is estimated above jit_above_cost, and compiling
    // it took seconds (26 s once at load 20) for a query that runs in a fraction of one.
    await tx.execute(sql`SELECT set_config('work_mem', '64MB', true), set_config('jit', 'off', true)`);
    return fn(tx);
  });
}
