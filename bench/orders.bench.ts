import { performance } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import { dbTargets, withDb } from './db-targets.js';
import type { Benchmark, BenchResult } from './types.js';
import { round } from './types.js';
import { FX, seedOrderSchool } from '../tests/orders/fixture.js';
import { fixDay } from '../src/server/orders/fix.js';
import { releaseNotEaten, runDueNotEaten } from '../src/server/orders/not-eaten.js';
import { query, type Db } from '../src/server/db/open.js';

const DAY = '2026-12-08';

/**
 * The benchmarks' school (BENCH_ORDER_PUPILS, default 2,000, in 40 classes, 5 % beneficiaries) where 60 % of the
 * pupils pre-ordered lunch for DAY. Returns the number of pupils made.
 */
async function seedSchoolWithLunchOrders(db: Db): Promise<number> {
  const size = Number(process.env.BENCH_ORDER_PUPILS ?? 2_000);
  const classes = Array.from({ length: 40 }, (_, i) => `${String(1 + (i % 10)).padStart(2, '0')}${'АБВГ'[Math.floor(i / 10)]}`);
  const perClass = Math.ceil(size / classes.length);
  await seedOrderSchool(db, { classes, perClass, balance: 500_000, beneficiaries: Math.round(size * 0.05) });
  await db.execute(sql`INSERT INTO pre_orders (school_id, student_id, day, sitting_id, account_number, meal_set_id, amount, updated_by)
    SELECT ${FX.school}, s.id, ${DAY}, ${FX.lunch}, a.account_number, ${FX.setLunchB}, ${FX.priceLunchB}, 'parent'
    FROM students s JOIN accounts a ON a.student_id = s.id WHERE s.school_id = ${FX.school} AND abs(hashtext(s.id)) % 10 < 6`);
  return classes.length * perClass;
}

export const benchmarks: Benchmark[] = [
  {
    // Issue 15: seconds to fix one day's orders (lines + ledger entries + balances) for a school of 2,000 pupils ≤ 2 s on PostgreSQL.
    name: 'order_fix_school',
    async run() {
      const results: BenchResult[] = [];
      for (const url of await dbTargets()) {
        results.push(await withDb(url, async (h) => {
          const pupils = await seedSchoolWithLunchOrders(h.db);
          // 8 % absent.
          await h.db.execute(sql`INSERT INTO attendance (school_id, student_id, day, present, source, marked_by)
            SELECT ${FX.school}, s.id, ${DAY}, false, 'journal', 'bench' FROM students s WHERE s.school_id = ${FX.school} AND abs(hashtext(s.id || 'a')) % 100 < 8`);
          await h.db.execute(sql`ANALYZE`);
          const t0 = performance.now();
          const r = await fixDay(h.db, FX.school, DAY, { now: new Date('2026-12-08T05:00:00Z'), by: 'auto' });
          const seconds = (performance.now() - t0) / 1000;
          const [again] = await query<{ n: number | string }>(h.db, sql`SELECT count(*) AS n FROM entries WHERE school_id = ${FX.school} AND kind IN ('orderCharge', 'subsidy')`);
          return {
            name: 'order_fix_school', value: round(seconds, 3), unit: 's', db: h.kind, pupils,
            lines: r.lines, entries: Number(again?.n ?? 0), charged: r.charged, subsidised: r.subsidised, target: '<= 2 (postgres)',
          };
        }));
      }
      return results;
    },
  },
  {
    // The «not eaten» policy (release) on a settled day of that school: 70 % of the lines served, the rest given back
    // (order_reversals + entries + balances), then the job again (nothing to do: the cost of a minute's tick).
    name: 'order_not_eaten_school',
    async run() {
      const results: BenchResult[] = [];
      for (const url of await dbTargets()) {
        results.push(await withDb(url, async (h) => {
          const pupils = await seedSchoolWithLunchOrders(h.db);
          await fixDay(h.db, FX.school, DAY, { now: new Date('2026-12-08T05:00:00Z'), by: 'auto' });
          await h.db.execute(sql`INSERT INTO order_served (line_id, school_id, day, entry_uuid, terminal_id, served_at)
            SELECT id, school_id, day, gen_random_uuid()::text, 'bench', '2026-12-08T09:50:00Z' FROM order_lines
            WHERE school_id = ${FX.school} AND day = ${DAY} AND abs(hashtext(id)) % 10 < 7`);
          await h.db.execute(sql`UPDATE order_settings SET not_eaten_policy = 'release' WHERE school_id = ${FX.school}`);
          await h.db.execute(sql`ANALYZE`);
          const now = new Date('2026-12-09T10:00:00Z');
          const t0 = performance.now();
          const r = await releaseNotEaten(h.db, FX.school, DAY, { now });
          const seconds = (performance.now() - t0) / 1000;
          const t1 = performance.now();
          const again = await runDueNotEaten(h.db, now);
          const tick = (performance.now() - t1) / 1000;
          return {
            name: 'order_not_eaten_school', value: round(seconds, 3), unit: 's', db: h.kind, pupils,
            released: r.lines, refunded: r.refunded, subsidyReturned: r.subsidyReturned, tick_s: round(tick, 3), tickReleased: again.length,
          };
        }));
      }
      return results;
    },
  },
];
