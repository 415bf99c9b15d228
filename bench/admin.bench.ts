import { performance } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import { dbTargets, withDb } from './db-targets.js';
import type { Benchmark, BenchResult } from './types.js';
import { percentile, round } from './types.js';
import { searchPupils, type SchoolScope } from '../src/server/admin/pupils.js';
import { pupilListQuery } from '../src/api/admin/pupils.js';
import type { DbHandle } from '../src/server/db/open.js';

const SURNAMES = ['Иванов', 'Петров', 'Сидоров', 'Кузнецов', 'Смирнов', 'Попов', 'Волков', 'Соколов', 'Лебедев', 'Козлов', 'Новиков', 'Морозов', 'Павлов', 'Семёнов', 'Голубев', 'Виноградов', 'Богданов', 'Воробьёв', 'Фёдоров', 'Михайлов', 'Беляев', 'Тарасов', 'Белов', 'Комаров', 'Орлов', 'Киселёв', 'Макаров', 'Андреев', 'Ковалёв', 'Ильин'];
const NAMES = ['Иван', 'Пётр', 'Алексей', 'Дмитрий', 'Сергей', 'Андрей', 'Михаил', 'Никита', 'Егор', 'Артём', 'Максим', 'Кирилл', 'Илья', 'Роман', 'Олег'];

/** `schools` schools of `perSchool` pupils each, with accounts and a card each; ANALYZEd as a live database would be. */
export async function district(h: DbHandle, schools: number, perSchool: number): Promise<string[]> {
  const ids = Array.from({ length: schools }, (_, i) => `school-${100 + i}`);
  for (const [i, id] of ids.entries()) {
    await h.db.execute(sql`INSERT INTO schools (id, code, name) VALUES (${id}, ${String(100 + i)}, ${`Школа №${100 + i}`})`);
  }
  await h.db.execute(sql`INSERT INTO students (id, school_id, full_name, class_name)
    SELECT 'st-' || i, 'school-' || (100 + i % ${schools}),
      (${sql.param(SURNAMES)}::text[])[1 + (i * 7) % ${SURNAMES.length}] || ' ' || (${sql.param(NAMES)}::text[])[1 + (i * 13) % ${NAMES.length}] || ' ' || (${sql.param(NAMES)}::text[])[1 + (i * 3) % ${NAMES.length}] || 'ович',
      lpad((1 + i % 11)::text, 2, '0') || (ARRAY['А','Б','В','Г'])[1 + (i / 11) % 4]
    FROM generate_series(1, ${schools * perSchool}) i`);
  await h.db.execute(sql`INSERT INTO accounts (account_number, school_id, student_id, balance)
    SELECT lpad(i::text, 10, '0'), 'school-' || (100 + i % ${schools}), 'st-' || i, (i * 7919) % 200000 FROM generate_series(1, ${schools * perSchool}) i`);
  await h.db.execute(sql`INSERT INTO cards (id, school_id, account_number)
    SELECT 'EM:' || lpad(upper(to_hex(i)), 10, '0'), 'school-' || (100 + i % ${schools}), lpad(i::text, 10, '0') FROM generate_series(1, ${schools * perSchool}) i`);
  await h.db.execute(sql`ANALYZE`);
  return ids;
}

export const benchmarks: Benchmark[] = [
  {
    // Issue 14: p99 server time of a console search page over 50,000 pupils ≤ 50 ms on PostgreSQL.
    name: 'admin_pupils_page',
    async run() {
      const results: BenchResult[] = [];
      const size = Number(process.env.BENCH_ADMIN_PUPILS ?? 50_000);
      for (const url of await dbTargets()) {
        results.push(await withDb(url, async (h) => {
          const perSchool = Math.max(1, Math.round(size / 25));
          const schools = await district(h, 25, perSchool);
          const one = schools[3]!;
          // What a console user does: open the list, type a surname, pick a class, page on, sort, look up an account or a card.
          const pages: [Record<string, unknown>, SchoolScope][] = [
            [{}, 'all'],
            [{ q: 'ивано' }, 'all'],
            [{ q: 'петров пётр' }, [one]],
            [{ className: '05Б' }, [one]],
            [{ offset: 500, limit: 25 }, 'all'],
            [{ sort: 'balance', dir: 'desc' }, [one]],
            [{ sort: 'class' }, [one]],
            [{ q: '0000012345' }, 'all'],
            [{ q: 'EM:0000003039' }, 'all'],
            [{ q: '7а' }, [one]],
          ];
          const samples: number[] = [];
          for (let round_ = 0; round_ < 21; round_++) {
            for (const [q, scope] of pages) {
              const t0 = performance.now();
              await searchPupils(h.db, pupilListQuery.parse(q), scope);
              if (round_ > 0) samples.push(performance.now() - t0); // the first round warms caches and plans
            }
          }
          return {
            name: 'admin_pupils_page', value: round(percentile(samples, 99), 1), unit: 'ms', db: h.kind,
            p50: round(percentile(samples, 50), 1), pupils: 25 * perSchool, pages: samples.length, target: '<= 50 (postgres)',
          };
        }));
      }
      return results;
    },
  },
];
