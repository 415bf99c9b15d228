import { sql } from 'drizzle-orm';
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
}
export interface PullCardRow { id: string; accountNumber: string; state: 'active' | 'blocked' | 'lost' }
export interface PullStudentRow {
  id: string; fullName: string; className: string; accountNumber: string;
  benefitCategoryIds: string[]; allergies: string[]; active: boolean;
}

type Arr = string[] | string | null;
const only = (column: string, keys: string[] | null) => (keys ? sql`AND ${sql.raw(column)} = ANY(${textArray(keys)}::text[])` : sql``);

export async function pullAccounts(tx: Tx, schoolId: string, keys: string[] | null): Promise<PullAccountRow[]> {
  const rows = await query<{
    a: string; st: string | null; b: number | string; dl: number | string | null; pw: boolean; act: boolean; bi: Arr; bc: Arr;
  }>(tx, sql`SELECT account_number AS a, student_id AS st, balance AS b, daily_limit AS dl, permanent_password_hash IS NOT NULL AS pw,
      active AS act, barred_item_ids AS bi, barred_category_ids AS bc
    FROM accounts WHERE school_id = ${schoolId} ${only('account_number', keys)}`);
  return rows.map((r) => ({
    accountNumber: r.a, studentId: r.st, balance: Number(r.b), dailyLimit: r.dl === null ? null : Number(r.dl),
    hasPermanentPassword: r.pw, active: r.act, barredItemIds: parsePgTextArray(r.bi), barredCategoryIds: parsePgTextArray(r.bc),
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
