import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import { RECON_COLUMNS, type DistrictDayReport, type ReconciliationReport, type ReimbursementReport, type SchoolDayReport } from '../../src/api/admin/reports.js';
import { schoolDay } from '../../src/core/datetime.js';
import { query } from '../../src/server/db/open.js';
import { addServerEntry } from '../../src/server/ledger/server-entries.js';
import { startTestServer, type TestServer } from '../server/helpers.js';
import { addStaff, signIn, type ApiClient } from '../server/admin-helpers.js';
import { IVANOV, newTerminal, PIZZA, topUpAll, type TestTerminal } from '../sync/harness.js';

/**
 * Issue 16: each report's totals against sums computed here, independently, from the ledger.
 * One server and one till for the file: a day of sales (paid, free, subsidised, a refund), top-ups,
 * a correction, a closed shift.
 */
const S = 'school-24';
const GRADE_1_4_CARD = 'MF:BCD14264';
const LOW_INCOME_CARD = 'EM:55007E1006';
const BREAKFAST = 'set-breakfast-1-4';
const TODAY = schoolDay(new Date(), 'Europe/Moscow');
const MONTH = TODAY.slice(0, 7);

let s: TestServer;
let t: TestTerminal;
let district: ApiClient;
let manager: ApiClient;
let accountant: ApiClient;

const one = async <T>(q: ReturnType<typeof sql>) => (await query<T>(s.handle.db, q))[0]!;
const n = (v: unknown) => Number(v ?? 0);

beforeAll(async () => {
  s = await startTestServer();
  await topUpAll(s.handle, 100_000);
  t = await newTerminal(s);
  await t.sell(IVANOV.card, [PIZZA]);
  await t.sell(IVANOV.card, [BREAKFAST]);
  await t.sell(GRADE_1_4_CARD, [BREAKFAST]);
  const low = await t.sell(LOW_INCOME_CARD, [BREAKFAST]);
  await t.service.login('9999');
  const refund = await t.service.refund(low.receiptId, 'ошибка кассира');
  if (!refund.ok) throw new Error(refund.error.message);
  const z = await t.service.closeShift();
  if (!z.ok) throw new Error(z.error.message);
  await t.client.syncOnce();
  await s.handle.db.transaction((tx) => addServerEntry(tx, { accountNumber: IVANOV.account, amount: -150, kind: 'correction', payload: { reason: 'двойное пополнение' } }));
  await addStaff(s.handle, { login: 'district', password: 'district-pass-1', grants: [{ role: 'districtAdmin', schoolId: null, classNames: null }] });
  await addStaff(s.handle, { login: 'manager24', password: 'manager24-pass-1', grants: [{ role: 'manager', schoolId: S, classNames: null }] });
  await addStaff(s.handle, { login: 'acc24', password: 'acc24-pass-1', grants: [{ role: 'accountant', schoolId: S, classNames: null }] });
  district = await signIn(s.url, 'district', 'district-pass-1');
  manager = await signIn(s.url, 'manager24', 'manager24-pass-1');
  accountant = await signIn(s.url, 'acc24', 'acc24-pass-1');
}, 180_000);
afterAll(async () => { await t?.close(); await s?.close(); });

async function download(c: ApiClient, path: string): Promise<{ status: number; type: string; bytes: Buffer }> {
  const res = await fetch(s.url + path, { headers: { cookie: c.cookie } });
  return { status: res.status, type: res.headers.get('content-type') ?? '', bytes: Buffer.from(await res.arrayBuffer()) };
}

describe('the school\'s day', () => {
  it('totals, meals, tills, top-ups and movements equal the ledger to the kopeck', async () => {
    const r = await manager.call<SchoolDayReport>('GET', `/api/v1/schools/${S}/reports/day?from=${TODAY}`);
    expect(r.status).toBe(200);
    const led = await one<Record<string, unknown>>(sql`SELECT
      -sum(amount) FILTER (WHERE kind = 'sale') AS sales, sum(amount) FILTER (WHERE kind = 'refund') AS refunds,
      -sum(amount) FILTER (WHERE kind = 'subsidy') AS subsidy, sum(amount) FILTER (WHERE kind = 'topUp') AS topups,
      sum(amount) FILTER (WHERE kind = 'correction') AS corrections, count(*) FILTER (WHERE kind = 'sale') AS sales_n
      FROM entries WHERE school_id = ${S} AND applied`);
    const body = r.body;
    expect(body.totals).toMatchObject({
      salesTotal: n(led.sales), refundsTotal: n(led.refunds), subsidyTotal: n(led.subsidy), topUpsTotal: n(led.topups), correctionsTotal: -150,
    });
    expect(n(led.sales)).toBe(3450 + 4961 + 0 + 2000);
    // Meals: lines of sales minus refunds add up to the entries' money.
    const sum = (k: 'amount' | 'subsidy' | 'quantity', rows = body.meals) => rows.reduce((a, m) => a + m[k], 0);
    expect(sum('amount')).toBe(n(led.sales) - n(led.refunds));
    expect(sum('subsidy')).toBe(n(led.subsidy));
    const breakfast = body.meals.filter((m) => m.itemId === BREAKFAST);
    expect(Object.fromEntries(breakfast.map((m) => [m.pay, m.quantity]))).toEqual({ paid: 1, free: 1, subsidised: 0 });
    expect(body.totals.mealsServed).toBe(2);
    // Tills: one till, one cashier sold; the manager refunded.
    expect(body.tills.reduce((a, x) => a + x.salesTotal, 0)).toBe(n(led.sales));
    expect(body.tills.reduce((a, x) => a + x.salesCount, 0)).toBe(n(led.sales_n));
    expect(body.tills.reduce((a, x) => a + x.refundsTotal, 0)).toBe(n(led.refunds));
    expect(body.topUps).toEqual([{ source: 'test', count: 8, total: n(led.topups) }]);
    expect(body.movements.map((m) => [m.kind, m.amount, m.reason])).toEqual([['refund', 2000, 'ошибка кассира'], ['correction', -150, 'двойное пополнение']]);
    expect(body.movements[0]!.refundOfNumber).toMatch(/^24-/);
  });

  it('refuses bad dates with a Russian message, and another school\'s manager', async () => {
    const bad = await manager.call('GET', `/api/v1/schools/${S}/reports/day?from=2026-13-01`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/ГГГГ-ММ-ДД|дата/);
    const back = await manager.call('GET', `/api/v1/schools/${S}/reports/day?from=${TODAY}&to=2020-01-01`);
    expect(back.status).toBe(400);
    expect((await manager.call('GET', `/api/v1/schools/school-99/reports/day?from=${TODAY}`)).status).toBe(403);
    expect((await manager.call('GET', `/api/v1/reports/district-day?day=${TODAY}`)).status).toBe(403);
  });
});

describe('the district\'s daily control', () => {
  it('pupils fed, beneficiaries, grades 1–4, Z reports and the 30-day trend equal the ledger', async () => {
    const r = await district.call<DistrictDayReport>('GET', `/api/v1/reports/district-day?day=${TODAY}`);
    expect(r.status).toBe(200);
    const row = r.body.schools.find((x) => x.schoolId === S)!;
    const fed = await one<{ n: unknown }>(sql`SELECT count(DISTINCT account_number) AS n FROM entries WHERE school_id = ${S} AND kind = 'sale' AND applied`);
    const entitled = await one<{ n: unknown }>(sql`SELECT count(*) AS n FROM students WHERE school_id = ${S} AND active AND cardinality(benefit_category_ids) > 0`);
    // Иванов (03Б), Морозова (03А), Волков (02Б): all three fed are in grades 1–4.
    const g14 = await one<{ n: unknown }>(sql`SELECT count(DISTINCT e.account_number) AS n FROM entries e JOIN accounts a USING (account_number)
      JOIN students st ON st.id = a.student_id WHERE e.school_id = ${S} AND e.kind = 'sale' AND st.class_name IN ('01А','02Б','03А','03Б','04А')`);
    expect(n(g14.n)).toBe(3);
    expect(row).toMatchObject({
      pupilsFed: n(fed.n), beneficiariesFed: 2, beneficiariesEntitled: n(entitled.n), grade14Fed: n(g14.n), zMissing: 0, zMismatch: 0,
      salesTotal: 3450 + 4961 + 2000, subsidyTotal: 4961,
    });
    expect(row.grade14Pupils).toBeGreaterThanOrEqual(2);
    expect(r.body.trend).toHaveLength(30);
    expect(r.body.trend.at(-1)).toMatchObject({ day: TODAY, pupilsFed: n(fed.n), beneficiariesFed: 2, salesTotal: 3450 + 4961 + 2000 });
    expect(r.body.totals.pupilsFed).toBe(r.body.schools.reduce((a, x) => a + x.pupilsFed, 0));
  });
});

describe('budget reimbursement', () => {
  it('equals the month\'s subsidy entries to the kopeck and says so, with the pupils behind it', async () => {
    const r = await accountant.call<ReimbursementReport>('GET', `/api/v1/schools/${S}/reports/reimbursement?month=${MONTH}`);
    expect(r.status).toBe(200);
    const sub = await one<{ total: unknown }>(sql`SELECT -sum(amount) AS total FROM entries WHERE school_id = ${S} AND kind = 'subsidy' AND applied`);
    expect(r.body.total).toBe(n(sub.total));
    expect(r.body).toMatchObject({ subsidyEntriesTotal: n(sub.total), matches: true });
    expect(r.body.statement).toContain('до копейки');
    const grade = r.body.rows.find((x) => x.categoryId === 'ben-grade-1-4')!;
    expect(grade).toMatchObject({ fundingSource: 'municipal', meals: 1, pupils: 1, days: 1, budgetShare: 4961, sum: 4961 });
    const low = r.body.rows.find((x) => x.categoryId === 'ben-low-income')!;
    expect(low).toMatchObject({ meals: 0, sum: 0, budgetShare: 2961 });
    expect(r.body.details.find((d) => d.sum === 4961)).toMatchObject({ className: '03А', day: TODAY, meals: 1 });
  });

  it('comes as XLSX that reads back with the same figures; CSV and PDF too', async () => {
    const x = await download(accountant, `/api/v1/schools/${S}/reports/reimbursement?month=${MONTH}&format=xlsx`);
    expect(x.status).toBe(200);
    expect(x.type).toContain('spreadsheetml');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(x.bytes as unknown as ArrayBuffer);
    const ws = wb.getWorksheet('Возмещение')!;
    const rows = ws.getSheetValues().filter(Boolean) as unknown[][];
    const grade = rows.find((row) => row.includes('1-4 классы'))!;
    expect(grade.slice(1)).toEqual(['Школа №24', 'муниципальный бюджет', '1-4 классы', 1, 1, 1, 49.61, 49.61]);
    const csv = await download(accountant, `/api/v1/schools/${S}/reports/reimbursement?month=${MONTH}&format=csv`);
    expect(csv.bytes.toString('utf8')).toContain('1-4 классы;1;1;1;49,61;49,61');
    const pdf = await download(accountant, `/api/v1/schools/${S}/reports/reimbursement?month=${MONTH}&format=pdf`);
    expect(pdf.type).toBe('application/pdf');
    expect(pdf.bytes.subarray(0, 5).toString()).toBe('%PDF-');
  });
});

describe('reconciliations', () => {
  it('says «расхождений нет» when the tills, balances and entries agree, and shows a balance that does not', async () => {
    const r = await manager.call<ReconciliationReport>('GET', `/api/v1/schools/${S}/reports/reconciliation?from=${TODAY}`);
    expect(r.status).toBe(200);
    for (const sec of r.body.sections) {
      expect(sec.ok, sec.title).toBe(true);
      expect(sec.summary).toContain('расхождений нет');
    }
    const till = r.body.sections.find((x) => x.id === 'tillServer')!;
    expect(till.rows).toHaveLength(1);
    const closing = r.body.sections.find((x) => x.id === 'closing')!;
    const total = await one<{ b: unknown }>(sql`SELECT sum(balance) AS b FROM accounts WHERE school_id = ${S}`);
    expect(closing.rows.at(-1)!.closing).toBe(n(total.b));

    await s.handle.db.execute(sql`UPDATE accounts SET balance = balance + 1 WHERE account_number = ${IVANOV.account}`);
    try {
      const bad = await manager.call<ReconciliationReport>('GET', `/api/v1/schools/${S}/reports/reconciliation?from=${TODAY}`);
      const bal = bad.body.sections.find((x) => x.id === 'balances')!;
      expect(bal).toMatchObject({ ok: false, rows: [{ accountNumber: IVANOV.account, difference: 1 }] });
      // Every column any section shows has its Russian header (the console and the files read RECON_COLUMNS).
      const keys = new Set([...r.body.sections, ...bad.body.sections].flatMap((x) => x.rows.flatMap((row) => Object.keys(row))));
      expect([...keys].filter((k) => !RECON_COLUMNS[k])).toEqual([]);
      expect(bad.body.sections.find((x) => x.id === 'closing')!.ok).toBe(false);
    } finally {
      await s.handle.db.execute(sql`UPDATE accounts SET balance = balance - 1 WHERE account_number = ${IVANOV.account}`);
    }
  });
});

describe('export to 1C (CommerceML 2.10)', () => {
  it('the day\'s documents read back field by field and add up to the day\'s entries (and validate against the schema when given)', async () => {
    const x = await download(accountant, `/api/v1/schools/${S}/exports/commerceml?day=${TODAY}`);
    expect(x.status).toBe(200);
    expect(x.type).toContain('application/xml');
    const xml = x.bytes.toString('utf8');
    const xsd = process.env.CANTEEN_COMMERCEML_XSD;
    if (xsd) {
      const { execFileSync } = await import('node:child_process');
      const { writeFileSync, mkdtempSync } = await import('node:fs');
      const file = `${mkdtempSync('/tmp/cml-')}/day.xml`;
      writeFileSync(file, xml);
      expect(execFileSync('xmllint', ['--noout', '--schema', xsd, file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })).toBe('');
    }
    const { XMLParser } = await import('fast-xml-parser');
    const parsed = new XMLParser({ ignoreAttributes: false, parseTagValue: false, isArray: (name) => ['Документ', 'Товар', 'Контрагент'].includes(name) }).parse(xml) as {
      'КоммерческаяИнформация': { '@_ВерсияСхемы': string; 'Документ': { 'ХозОперация': string; 'Сумма': string; 'Дата': string;
        'Контрагенты': { 'Контрагент': { 'Роль': string; 'Наименование': string }[] }; 'Товары': { 'Товар': { 'Ид': string; 'Количество': string; 'Сумма': string }[] } }[] };
    };
    const root = parsed['КоммерческаяИнформация'];
    expect(root['@_ВерсияСхемы']).toBe('2.10');
    const kop = (s: string) => Math.round(Number(s) * 100);
    const byKey = new Map(root['Документ'].map((d) => [`${d['ХозОперация']}/${d['Контрагенты']['Контрагент'].find((k) => k['Роль'] === 'Покупатель')!['Наименование']}`, d]));
    const sum = (k: string) => kop(byKey.get(k)!['Сумма']);
    const led = await one<Record<string, unknown>>(sql`SELECT -sum(amount) FILTER (WHERE kind = 'sale') AS sales, sum(amount) FILTER (WHERE kind = 'refund') AS refunds,
      -sum(amount) FILTER (WHERE kind = 'subsidy') AS subsidy FROM entries WHERE school_id = ${S} AND applied`);
    expect(sum('Отпуск товара/Родители (лицевые счета учеников)')).toBe(n(led.sales));
    expect(sum('Возврат товара/Родители (лицевые счета учеников)')).toBe(n(led.refunds));
    expect(sum('Отпуск товара/Бюджет (дотация на льготное питание)') - sum('Возврат товара/Бюджет (дотация на льготное питание)')).toBe(n(led.subsidy));
    for (const d of root['Документ']) {
      expect(d['Дата']).toBe(TODAY);
      expect(d['Товары']['Товар'].reduce((a, t) => a + kop(t['Сумма']), 0)).toBe(kop(d['Сумма']));
    }
    const budget = byKey.get('Отпуск товара/Бюджет (дотация на льготное питание)')!['Товары']['Товар'];
    expect(budget).toEqual([expect.objectContaining({ 'Ид': BREAKFAST, 'Количество': '2', 'Сумма': '79.22' })]);
  });
});
