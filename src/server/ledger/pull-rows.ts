import { sql, type SQL } from 'drizzle-orm';
import { query, type Tx } from '../db/open.js';
import { parsePgTextArray, textArray } from '../db/bulk.js';

/**
 * The pull's three big tables (a school's accounts, cards and pupils: 2,000 rows each on a first pull), read
 * with the columns the answer uses and without drizzle's row mapping: mapping every column of every row
 * (its `is()` checks, the timestamps the answer never sends) was the largest share of a full pull's CPU
 * after garbage collection (bench pull_school, docs/server.md). `keys` null: the whole school.
 */
export interface PullAccountRow {
  accountNumber: string; studentId: string | null; balance: number; dailyLimit: number | null;
  hasPermanentPassword: boolean; active: boolean; barredItemIds: string[]; barredCategoryIds: string[];
  /** Kopecks its open pre-orders reserve. */
  reserved: number;
  /** What other tills spent today; null: nothing. */
  today: { spentElsewhere: number; benefitUsedElsewhere: boolean } | null;
}
export interface PullCardRow { id: string; accountNumber: string; state: 'active' | 'blocked' | 'lost' }
export interface PullStudentRow {
  id: string; fullName: string; className: string; accountNumber: string;
  benefitCategoryIds: string[]; allergies: string[]; active: boolean;
}

type Arr = string[] | string | null;
type Run = <T>(q: SQL) => Promise<T[]>;
const only = (column: string, keys: string[] | null) => (keys ? sql`AND ${sql.raw(column)} = ANY(${textArray(keys)}::text[])` : sql``);

/**
 * The accounts with, per account, its open pre-orders' reservation (as orders/pre-orders.ts reservedOf, or
 * reservedOfSchool on a full pull) and what other tills spent today (`today`: ledger/today.ts's statement),
 * in one statement: a top-up's pull is then this statement with its COMMIT (`run` = the fold's `last`).
 */
export async function pullAccounts(run: Run, schoolId: string, keys: string[] | null, today: SQL): Promise<PullAccountRow[]> {
  const reserved = keys
    ? sql`SELECT account_number, sum(amount) AS s FROM pre_orders WHERE state = 'open' AND account_number = ANY(${textArray(keys)}::text[]) GROUP BY account_number`
    : sql`SELECT account_number, sum(amount) AS s FROM pre_orders WHERE state = 'open' AND school_id = ${schoolId} GROUP BY account_number`;
  const rows = await run<{
    a: string; st: string | null; b: number | string; dl: number | string | null; pw: boolean; act: boolean; bi: Arr; bc: Arr;
    rs: number | string | null; th: boolean; ts: number | string | null; tb: boolean | null;
  }>(sql`SELECT a.account_number AS a, a.student_id AS st, a.balance AS b, a.daily_limit AS dl, a.permanent_password_hash IS NOT NULL AS pw,
      a.active AS act, a.barred_item_ids AS bi, a.barred_category_ids AS bc, r.s AS rs, t.a IS NOT NULL AS th, t.spent AS ts, t.benefit AS tb
    FROM accounts a
      LEFT JOIN (${reserved}) r ON r.account_number = a.account_number
      LEFT JOIN (${today}) t ON t.a = a.account_number
    WHERE a.school_id = ${schoolId} ${only('a.account_number', keys)}`);
  return rows.map((r) => ({
    accountNumber: r.a, studentId: r.st, balance: Number(r.b), dailyLimit: r.dl === null ? null : Number(r.dl),
    hasPermanentPassword: r.pw, active: r.act, barredItemIds: parsePgTextArray(r.bi), barredCategoryIds: parsePgTextArray(r.bc),
    reserved: r.rs === null ? 0 : Number(r.rs),
    today: r.th ? { spentElsewhere: Number(r.ts), benefitUsedElsewhere: !!r.tb } : null,
  }));
}

export async function pullCards(tx: Tx, schoolId: string, keys: string[] | null): Promise<PullCardRow[]> {
  return query<PullCardRow>(tx, sql`SELECT id, account_number AS "accountNumber", state
    FROM cards WHERE school_id = ${schoolId} ${only('id', keys)}`);
}

export async function pullStudents(tx: Tx, schoolId: string, keys: string[] | null): Promise<PullStudentRow[]> {
  const rows = await query<{ id: string; fn: string; cn: string; a: string; bc: Arr; al: Arr; act: boolean }>(tx, sql`
    SELECT s.id, s.full_name AS fn, s.class_name AS cn, a.account_number AS a, s.benefit_category_ids AS bc, s.allergies AS al, s.active AS act
    FROM students s JOIN accounts a ON a.student_id = s.id
    WHERE s.school_id = ${schoolId} ${only('s.id', keys)}`);
  return rows.map((r) => ({
    id: r.id, fullName: r.fn, className: r.cn, accountNumber: r.a,
    benefitCategoryIds: parsePgTextArray(r.bc), allergies: parsePgTextArray(r.al), active: r.act,
  }));
}

export interface PullCashierRow { id: string; name: string; role: 'cashier' | 'manager'; pinHash: string; active: boolean }

/** The school's cashiers (`keys` null) or the changed ones: the pull's last read, so `run` may carry the COMMIT. */
export async function pullCashiers(run: Run, schoolId: string, keys: string[] | null): Promise<PullCashierRow[]> {
  return run<PullCashierRow>(sql`SELECT id, name, role, pin_hash AS "pinHash", active
    FROM cashiers WHERE school_id = ${schoolId} ${only('id', keys)}`);
}
