import { sql } from 'drizzle-orm';
import type { DbHandle } from '../../src/server/db/open.js';
import { ensurePartitions } from '../../src/server/admin/schools.js';
import { createEnrollmentCode } from '../../src/server/auth.js';
import { hashPassword } from '../../src/server/cabinet/passwords.js';

/** A region as the load generator sees it: schools with pupils and cards, codes for their tills, parents who can log in. */
export interface Region {
  schools: { id: string; code: string; accounts: string[]; cards: string[] }[];
  tills: { terminalId: string; schoolIndex: number; code: string }[];
  /** Accounts with a permanent cabinet password `PARENT_PASSWORD`. */
  parents: string[];
}

export const PARENT_PASSWORD = 'region-parent-1';
const DISHES = 12;

/** Account number of pupil i (1-based) of school k (0-based): a three-digit school code and a seven-digit serial. */
export const accountOf = (k: number, i: number) => `${String(100 + k).padStart(3, '0')}${String(i).padStart(7, '0')}`;
export const cardOf = (k: number, i: number) => `EM:${(100 + k).toString(16).toUpperCase().padStart(4, '0')}${i.toString(16).toUpperCase().padStart(6, '0')}`;
export const dishPrice = (d: number) => 1500 + d * 250;

/**
 * Seeds a region by set-based SQL (a few statements whatever its size): `schools` schools with
 * `pupils` pupils each (account with 5 000,00 ₽, a card), a menu of 12 dishes, ledger partitions,
 * one enrolment code per till and a permanent cabinet password on `parentsPerSchool` accounts a school.
 */
export async function seedRegion(h: DbHandle, opts: { schools: number; tillsPerSchool: number; pupils: number; parentsPerSchool: number }): Promise<Region> {
  const { schools: S, pupils: P } = opts;
  const db = h.db;
  await db.execute(sql`INSERT INTO schools (id, code, name, overdraft_limit, stale_after_minutes)
    SELECT 'rs-' || k, (100 + k)::text, 'Школа №' || (100 + k), 0, 1440 FROM generate_series(0, ${S - 1}) k`);
  await ensurePartitions(db, 2);
  await db.execute(sql`INSERT INTO menu_categories (school_id, id, name)
    SELECT 'rs-' || k, 'cat-1', 'Горячее' FROM generate_series(0, ${S - 1}) k`);
  await db.execute(sql`INSERT INTO dishes (school_id, id, name, price, category_id)
    SELECT 'rs-' || k, 'dish-' || d, 'Блюдо ' || d, 1500 + d * 250, 'cat-1' FROM generate_series(0, ${S - 1}) k, generate_series(1, ${DISHES}) d`);
  await db.execute(sql`INSERT INTO students (id, school_id, full_name, class_name)
    SELECT 'st-' || k || '-' || i, 'rs-' || k, 'Учащийся ' || i, lpad(((i % 11) + 1)::text, 2, '0') || 'А'
    FROM generate_series(0, ${S - 1}) k, generate_series(1, ${P}) i`);
  await db.execute(sql`INSERT INTO accounts (account_number, school_id, student_id, balance)
    SELECT lpad((100 + k)::text, 3, '0') || lpad(i::text, 7, '0'), 'rs-' || k, 'st-' || k || '-' || i, 500000
    FROM generate_series(0, ${S - 1}) k, generate_series(1, ${P}) i`);
  await db.execute(sql`INSERT INTO cards (id, school_id, account_number)
    SELECT 'EM:' || lpad(upper(to_hex(100 + k)), 4, '0') || lpad(upper(to_hex(i)), 6, '0'), 'rs-' || k, lpad((100 + k)::text, 3, '0') || lpad(i::text, 7, '0')
    FROM generate_series(0, ${S - 1}) k, generate_series(1, ${P}) i`);
  // The opening balance is a top-up entry, so reconcile holds from the start.
  await db.execute(sql`WITH e AS (
      INSERT INTO entries (uuid, school_id, created_at, kind, account_number, amount, payload)
      SELECT gen_random_uuid()::text, school_id, now() - interval '1 day', 'topUp', account_number, balance, '{"reason":"начальный остаток"}'::jsonb FROM accounts
      RETURNING uuid, school_id, created_at)
    INSERT INTO entry_ids (uuid, school_id, created_at) SELECT uuid, school_id, created_at FROM e`);
  // One argon2 hash for every parent: each verify still costs what a real login costs.
  const hash = await hashPassword(PARENT_PASSWORD);
  await db.execute(sql`UPDATE accounts SET permanent_password_hash = ${hash}
    WHERE substr(account_number, 4)::int <= ${opts.parentsPerSchool}`);
  await db.execute(sql`ANALYZE`);

  const region: Region = { schools: [], tills: [], parents: [] };
  for (let k = 0; k < S; k++) {
    const accounts = Array.from({ length: P }, (_, i) => accountOf(k, i + 1));
    region.schools.push({ id: `rs-${k}`, code: String(100 + k), accounts, cards: Array.from({ length: P }, (_, i) => cardOf(k, i + 1)) });
    for (let i = 1; i <= Math.min(opts.parentsPerSchool, P); i++) region.parents.push(accountOf(k, i));
    for (let t = 1; t <= opts.tillsPerSchool; t++) {
      const terminalId = `rt-${k}-${t}`;
      const { code } = await createEnrollmentCode(db, { schoolId: `rs-${k}`, terminalId, terminalName: `Касса ${t}` });
      region.tills.push({ terminalId, schoolIndex: k, code });
    }
  }
  return region;
}
