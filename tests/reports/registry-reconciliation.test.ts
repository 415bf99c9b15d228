import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import type { ReconciliationReport } from '../../src/api/admin/reports.js';
import { importRegistry } from '../../src/server/cabinet/registry-import.js';
import { creditRegistryPayment } from '../../src/server/cabinet/registry-credit.js';
import { query } from '../../src/server/db/open.js';
import { startTestServer, type TestServer } from '../server/helpers.js';
import { addStaff, signIn, type ApiClient } from '../server/admin-helpers.js';

/**
 * Issue 16, point 5: server ↔ bank by the bank's registries in the reconciliation report. The
 * registries are files in the format `canteen server registry import` reads (docs/samples/registry-sample.csv):
 * each imported registry of the period is checked again, line by line, against the payments.
 */
const S = 'school-24';
const IVANOV = '0242013137';
const PETROVA = '0242013145';
const SIDOROVA = '0242013153';
const SAMPLE = readFileSync('docs/samples/registry-sample.csv');
const file = (lines: string[]) => Buffer.from(['Номер платежа;Дата;Лицевой счёт;Сумма;Плательщик', ...lines].join('\r\n'), 'utf8');

let s: TestServer;
let accountant: ApiClient;
const now = () => new Date('2026-03-17T08:00:00Z');

beforeAll(async () => {
  s = await startTestServer();
  await addStaff(s.handle, { login: 'acc24', password: 'acc24-pass-1', grants: [{ role: 'accountant', schoolId: S, classNames: null }] });
  accountant = await signIn(s.url, 'acc24', 'acc24-pass-1');
}, 180_000);
afterAll(async () => { await s?.close(); });

const registry = async (from: string, to: string) => {
  const r = await accountant.call<ReconciliationReport>('GET', `/api/v1/schools/${S}/reports/reconciliation?from=${from}&to=${to}`);
  expect(r.status).toBe(200);
  return r.body.sections.find((x) => x.id === 'registry')!;
};

describe('the reconciliation report: server ↔ bank registries', () => {
  it('says so when no registry was imported for the period', async () => {
    expect(await registry('2026-03-14', '2026-03-16')).toMatchObject({ ok: true, summary: 'расхождений нет: реестров банка за период не загружено', rows: [] });
  });

  it('an imported registry that agrees with the payments: «расхождений нет»; importing it again keeps one copy', async () => {
    expect((await importRegistry(s.handle.db, SAMPLE, { now })).credited).toHaveLength(3);
    await importRegistry(s.handle.db, SAMPLE, { now });
    const [stored] = await query<{ n: unknown }>(s.handle.db, sql`SELECT count(*) AS n FROM bank_registries`);
    expect(Number(stored!.n)).toBe(1);
    const sec = await registry('2026-03-14', '2026-03-14');
    expect(sec.ok).toBe(true);
    expect(sec.summary.replace(/[\u00a0\u202f]/g, ' ')).toBe('расхождений нет (реестров: 1, строк по школе: 3 на 1 750,00 ₽, совпадают: 3)');
  });

  it('lists what the bank paid that we did not credit, what we credited that the bank did not list, and other amounts', async () => {
    // Another bank's registry of 16 March, imported; then the ledger side changes under it.
    const vtb = file(['V-1;16.03.2026 09:15;0242013137;100,00;Иванова М.П.', 'V-2;16.03.2026;0242013145;50,00;Петров С.И.', 'V-3;16.03.2026;0242013153;25,00;Сидорова А.']);
    expect((await importRegistry(s.handle.db, vtb, { source: 'vtb', now })).credited).toHaveLength(3);
    await s.handle.db.execute(sql`UPDATE cabinet_payments SET amount = 4000 WHERE source = 'registry:vtb' AND external_id = 'V-2'`);
    await s.handle.db.execute(sql`UPDATE cabinet_payments SET status = 'failed' WHERE source = 'registry:vtb' AND external_id = 'V-3'`);
    const late = await creditRegistryPayment(s.handle.db, {
      source: 'registry:vtb', paymentId: 'V-9', accountNumber: IVANOV, amount: 7000, paidAt: '2026-03-16T10:00:00.000Z', paidLabel: '16.03.2026', payer: 'Иванова М.П.',
    }, now());
    expect(late.kind).toBe('credited');

    const sec = await registry('2026-03-14', '2026-03-16');
    expect(sec.ok).toBe(false);
    expect(sec.rows.map((r) => [r.registry, r.paymentId, r.accountNumber, r.inRegistry, r.credited, r.problem])).toEqual([
      ['vtb 16.03.2026', 'V-3', SIDOROVA, 2500, null, 'в реестре, не зачислено'],
      ['vtb 16.03.2026', 'V-2', PETROVA, 5000, 4000, 'другая сумма'],
      ['vtb 16.03.2026', 'V-9', IVANOV, null, 7000, 'зачислено, нет в реестре'],
    ]);
    expect(sec.summary).toBe('расхождений: 3 (реестров: 2, строк по школе: 6, совпадают: 4)');
    // Only the period's registries: the sample's days alone still agree.
    expect((await registry('2026-03-14', '2026-03-15')).ok).toBe(true);

    const x = await fetch(`${s.url}/api/v1/schools/${S}/reports/reconciliation?from=2026-03-16&to=2026-03-16&format=xlsx`, { headers: { cookie: accountant.cookie } });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(await x.arrayBuffer()) as unknown as ArrayBuffer);
    const ws = wb.worksheets.find((w) => String(w.getCell('A1').value).startsWith('Сервер ↔ банк (реестры'))!;
    const rows = (ws.getSheetValues().filter(Boolean) as unknown[][]).map((r) => r.slice(1));
    expect(rows.find((r) => r.includes('V-2'))).toEqual(['vtb 16.03.2026', 3, 'V-2', PETROVA, 50, 40, 'другая сумма']);
    // The columns are headed in Russian, not by the row's field names.
    expect(rows).toContainEqual(['Реестр', 'Строка реестра', 'Платёж', 'Л/С', 'По реестру, ₽', 'Зачислено, ₽', 'Расхождение']);
  });
});
