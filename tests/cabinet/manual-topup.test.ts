import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { openServerDb } from '../../src/cli/server.js';
import type { DbHandle } from '../../src/server/db/open.js';
import { createTestDb, runServerCli } from '../server/helpers.js';

/**
 * `canteen server topup` as an operator runs it: money by hand needs a reason
 * and a document number, is credited once per document, and records who did
 * it in the entry and in a stored row. PGlite in a data folder, or a fresh
 * PostgreSQL test database when DATABASE_URL is set.
 */
const IVANOV = '0242013137';
const PETROVA = '0242013145';
let dir: string;
let pgTest: (DbHandle & { url?: string }) | undefined;
const savedUrl = process.env.DATABASE_URL;

const run = (...args: string[]) => runServerCli(dir, ...args);

async function rows<T>(text: ReturnType<typeof sql>): Promise<T[]> {
  const h = await openServerDb({ data: dir });
  try { return ((await h.db.execute(text)) as unknown as { rows: T[] }).rows; } finally { await h.close(); }
}

const state = async () => ({
  balances: (await rows<{ account_number: string; balance: number }>(sql`SELECT account_number, balance FROM accounts ORDER BY account_number`))
    .map((r) => [r.account_number, Number(r.balance)]),
  entries: Number((await rows<{ n: number }>(sql`SELECT count(*)::int AS n FROM entries`))[0]!.n),
  manual: Number((await rows<{ n: number }>(sql`SELECT count(*)::int AS n FROM cabinet_payments WHERE source = 'manual'`))[0]!.n),
});

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'canteen-topup-'));
  if (savedUrl) {
    pgTest = await createTestDb();
    process.env.DATABASE_URL = pgTest.url;
  }
  expect((await run('seed-demo')).code).toBe(0);
}, 120_000);
afterAll(async () => {
  process.env.DATABASE_URL = savedUrl;
  await pgTest?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('canteen server topup (money by hand)', () => {
  it('refuses without a reason or a document number, with a Russian message; nothing is credited', async () => {
    const before = await state();
    const noReason = await run('topup', IVANOV, '500', '--doc', 'ПКО-17');
    expect(noReason.code).toBe(2);
    expect(noReason.err).toContain('Укажите основание пополнения');
    expect(noReason.err).toContain('Ничего не зачислено.');
    const noDoc = await run('topup', IVANOV, '500', '--reason', 'наличные в бухгалтерию');   // --doc or --document
    expect(noDoc.code).toBe(2);
    expect(noDoc.err).toContain('Укажите номер документа');
    const neither = await run('topup', IVANOV, '500');
    expect(neither.err).toContain('Укажите основание');
    expect(neither.err).toContain('Укажите номер документа');
    const badAmount = await run('topup', IVANOV, 'пятьсот', '--reason', 'x', '--doc', '1');
    expect(badAmount.code).toBe(2);
    expect(badAmount.err).toContain('неверная сумма «пятьсот»');
    for (const amount of ['0', '-5', '200000']) expect((await run('topup', IVANOV, amount, '--reason', 'x', '--doc', '1')).code).toBe(2);
    const badDoc = await run('topup', IVANOV, '5', '--reason', 'x', '--doc', "1'; DROP TABLE entries;--");
    expect(badDoc.err).toContain('Неверный номер документа');
    const unknown = await run('topup', '0242019999', '5', '--reason', 'x', '--doc', 'ПКО-99');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('Лицевой счёт 0242019999 не найден');
    expect(await state()).toEqual(before);
  });

  it('credits once per document and records who did it, in the entry and in the stored row', async () => {
    const before = await state();
    const first = await run('topup', IVANOV, '500,50', '--reason', 'наличные в бухгалтерию', '--doc', 'ПКО-17');
    expect(first.code).toBe(0);
    expect(first.out).toContain('зачислено 500,50 по документу №ПКО-17');
    const after = await state();
    expect(after.entries).toBe(before.entries + 1);
    expect(after.balances.find(([a]) => a === IVANOV)![1]).toBe((before.balances.find(([a]) => a === IVANOV)![1] as number) + 50050);
    const [row] = await rows<{ amount: number; account_number: string; details: { by: string; reason: string; document: string }; entry_uuid: string }>(
      sql`SELECT amount, account_number, details, entry_uuid FROM cabinet_payments WHERE source = 'manual' AND external_id = 'ПКО-17'`);
    expect(row!.details).toEqual({ by: userInfo().username, reason: 'наличные в бухгалтерию', document: 'ПКО-17' });
    const [entry] = await rows<{ kind: string; amount: number; payload: Record<string, unknown> }>(sql`SELECT kind, amount, payload FROM entries WHERE uuid = ${row!.entry_uuid}`);
    expect(entry!.kind).toBe('topUp');
    expect(Number(entry!.amount)).toBe(50050);
    expect(entry!.payload).toMatchObject({ source: 'manual', document: 'ПКО-17', reason: 'наличные в бухгалтерию', by: userInfo().username });

    // The same command again: nothing more, and it says so.
    const again = await run('topup', IVANOV, '500,50', '--reason', 'наличные в бухгалтерию', '--doc', 'ПКО-17', '--by', 'Другой');
    expect(again.code).toBe(0);
    expect(again.out).toContain('Документ №ПКО-17 уже проведён');
    expect(again.out).toContain('Повторно ничего не зачислено');
    // The same document for another amount or account: refused.
    for (const [acc, amount] of [[IVANOV, '5000'], [PETROVA, '500,50']] as const) {
      const clash = await run('topup', acc, amount, '--reason', 'ошибка', '--doc', 'ПКО-17');
      expect(clash.code).toBe(1);
      expect(clash.err).toContain(`уже проведён на другую сумму или счёт: Л/С ${IVANOV}, 500,50`);
    }
    expect(await state()).toEqual(after);

    // --by names the person; the statement shows the document, not the internal reason.
    const named = await run('topup', PETROVA, '100', '--reason', 'перевод от родителей', '--document', 'ПП 4512', '--by', 'Бухгалтер Иванова');
    expect(named.code).toBe(0);
    const [p] = await rows<{ details: { by: string } }>(sql`SELECT details FROM cabinet_payments WHERE external_id = 'ПП 4512'`);
    expect(p!.details.by).toBe('Бухгалтер Иванова');
  });
});
