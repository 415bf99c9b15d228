import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { dbTargets, withDb } from './db-targets.js';
import type { Benchmark, BenchResult } from './types.js';
import { percentile, round } from './types.js';
import type { SyncEntry } from '../src/api/sync.js';
import { applyPush } from '../src/server/ledger/push.js';
import { buildServer } from '../src/server/app.js';
import { upsertSchool, ensurePartitions } from '../src/server/admin/schools.js';
import { createEnrollmentCode, redeemEnrollmentCode } from '../src/server/auth.js';
import type { DbHandle } from '../src/server/db/open.js';


/** A school with `n` pupils, accounts (balance 1000,00) and cards, and one enrolled terminal. */
async function bigSchool(h: DbHandle, n: number) {
  await upsertSchool(h.db, { id: 'school-77', code: '77', name: 'Школа №77', overdraftLimit: 0, staleAfterMinutes: 1440 });
  await ensurePartitions(h.db, 2, 'school-77');
  await h.db.execute(sql`INSERT INTO menu_categories (school_id, id, name) VALUES ('school-77', 'cat-1', 'Горячее')`);
  await h.db.execute(sql`INSERT INTO dishes (school_id, id, name, price, category_id)
    SELECT 'school-77', 'dish-' || i, 'Блюдо ' || i, 1000 + i, 'cat-1' FROM generate_series(1, 40) i`);
  await h.db.execute(sql`INSERT INTO students (id, school_id, full_name, class_name)
    SELECT 'st-' || i, 'school-77', 'Учащийся Номер ' || i, lpad(((i % 11) + 1)::text, 2, '0') || 'А' FROM generate_series(1, ${n}) i`);
  await h.db.execute(sql`INSERT INTO accounts (account_number, school_id, student_id, balance)
    SELECT '077' || lpad(i::text, 7, '0'), 'school-77', 'st-' || i, 100000 FROM generate_series(1, ${n}) i`);
  await h.db.execute(sql`INSERT INTO cards (id, school_id, account_number)
    SELECT 'EM:77' || lpad(upper(to_hex(i)), 8, '0'), 'school-77', '077' || lpad(i::text, 7, '0') FROM generate_series(1, ${n}) i`);
  await h.db.execute(sql`INSERT INTO changes (school_id, kind, key) SELECT 'school-77', 'account', '077' || lpad(i::text, 7, '0') FROM generate_series(1, ${n}) i`);
  const { code } = await createEnrollmentCode(h.db, { schoolId: 'school-77', terminalId: 'terminal-77-1' });
  const { token } = await redeemEnrollmentCode(h.db, code);
  return { terminal: { id: 'terminal-77-1', schoolId: 'school-77', name: 'Касса 1' }, token };
}

function sales(from: number, count: number, accountsN: number): SyncEntry[] {
  const out: SyncEntry[] = [];
  const now = new Date().toISOString();
  for (let i = 0; i < count; i++) {
    const seq = from + i;
    const acc = (seq * 7919) % accountsN + 1;
    const receiptId = `r-${seq}`;
    out.push({
      uuid: uuidv7(), seq, kind: 'sale', accountNumber: '077' + String(acc).padStart(7, '0'), amount: -4961,
      createdAt: now, cardId: 'EM:77' + acc.toString(16).toUpperCase().padStart(8, '0'), receiptId,
      payload: {
        receiptId, receiptNumber: `77-${String(seq).padStart(6, '0')}`, total: 4961, subsidy: 0,
        lines: [
          { itemId: 'dish-1', kind: 'dish', name: 'Блюдо 1', quantity: 1, unitPrice: 3450, amount: 3450 },
          { itemId: 'dish-2', kind: 'dish', name: 'Блюдо 2', quantity: 1, unitPrice: 1511, amount: 1511 },
        ],
      },
    });
  }
  return out;
}

export const benchmarks: Benchmark[] = [
  {
    name: 'server_ingest',
    async run() {
      const results: BenchResult[] = [];
      for (const url of await dbTargets()) {
        results.push(await withDb(url, async (h) => {
          const accountsN = 2000;
          const { terminal } = await bigSchool(h, accountsN);
          const batch = Number(process.env.BENCH_BATCH ?? 1000);
          const total = h.kind === 'postgres' ? 30_000 : 10_000;
          // The terminals' batches are made before the clock starts: making them (UUIDs, objects) is the
          // client's work, and this measures what the server spends applying them.
          const batches: SyncEntry[][] = [];
          for (let seq = 1; seq <= total + batch; seq += batch) batches.push(sales(seq, batch, accountsN));
          // Warm-up batch (JIT, plan caches), not counted.
          await applyPush(h.db, terminal, { terminalId: terminal.id, entries: batches[0]! });
          const t0 = performance.now();
          for (const entries of batches.slice(1)) {
            const r = await applyPush(h.db, terminal, { terminalId: terminal.id, entries });
            if (r.ackSeq !== entries.at(-1)!.seq) throw new Error(`ack ${r.ackSeq}`);
          }
          const seconds = (performance.now() - t0) / 1000;
          return {
            name: 'server_ingest', value: Math.round(total / seconds), unit: 'entries/s', db: h.kind,
            entries: total, batch, accounts: accountsN, target: h.kind === 'postgres' ? '>= 10000' : undefined,
            load: Number((loadavg()[0] ?? 0).toFixed(2)),
            note: 'applyPush in-process: entry_ids + entries + receipts + lines, balances aggregated per batch',
          };
        }));
      }
      return results;
    },
  },
  {
    name: 'pull_school',
    async run() {
      const results: BenchResult[] = [];
      for (const url of await dbTargets()) {
        results.push(await withDb(url, async (h) => {
          const students = 2000;
          const { token } = await bigSchool(h, students);
          const app = await buildServer(h);
          await app.listen({ port: 0, host: '127.0.0.1' });
          const addr = app.server.address();
          const base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
          try {
            const samples: number[] = [];
            let bytes = 0;
            for (let i = 0; i < 8; i++) {
              const t0 = performance.now();
              const res = await fetch(`${base}/api/v1/sync/pull`, { headers: { authorization: `Bearer ${token}` } });
              const body = (await res.json()) as { accounts: unknown[]; reset: boolean };
              const ms = performance.now() - t0;
              if (!body.reset || body.accounts.length !== students) throw new Error('pull incomplete');
              bytes = Number(res.headers.get('content-length') ?? 0);
              if (i > 0) samples.push(ms); // first one warms up
            }
            return {
              name: 'pull_school', value: round(percentile(samples, 50), 1), unit: 'ms', db: h.kind,
              p95: round(percentile(samples, 95), 1), students, bytes, target: '<= 200',
            };
          } finally {
            await app.close();
          }
        }));
      }
      return results;
    },
  },
];
