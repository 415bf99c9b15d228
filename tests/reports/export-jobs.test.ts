import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import type { ExportJob } from '../../src/api/admin/export-jobs.js';
import { query } from '../../src/server/db/open.js';
import { ExportWorker, exportWorkerOf, INTERRUPTED } from '../../src/server/reports/export-worker.js';
import { startTestServer, type TestServer } from '../server/helpers.js';
import { addStaff, signIn, type ApiClient } from '../server/admin-helpers.js';
import { IVANOV, newTerminal, PIZZA, topUpAll, type TestTerminal } from '../sync/harness.js';
import { schoolDay } from '../../src/core/datetime.js';

/**
 * Issue 16, point 8: long exports as jobs on the server. A job's file reads back like the report's
 * direct download; a double POST makes one job; another person, school or role is refused; files
 * are private and go after their time; a job a restart interrupted says so.
 */
const S = 'school-24';
const MONTH = schoolDay(new Date(), 'Europe/Moscow').slice(0, 7);
const TODAY = schoolDay(new Date(), 'Europe/Moscow');
const dir = path.join(mkdtempSync(path.join(tmpdir(), 'canteen-export-test-')), 'exports');

let s: TestServer;
let t: TestTerminal;
let accountant: ApiClient;
let manager: ApiClient;
let district: ApiClient;
let otherAccountant: ApiClient;
let n = 0;
const key = () => `test-key-${++n}-${Date.now()}`;

beforeAll(async () => {
  s = await startTestServer({ config: { exportsDir: dir, exportJobs: { heartbeatMs: 200 } } });
  await topUpAll(s.handle, 100_000);
  t = await newTerminal(s);
  await t.sell(IVANOV.card, [PIZZA]);
  await t.sell('MF:BCD14264', ['set-breakfast-1-4']);
  await t.sell('EM:55007E1006', ['set-breakfast-1-4']);
  await t.client.syncOnce();
  await s.handle.db.execute(sql`INSERT INTO schools (id, code, name) VALUES ('school-25', '25', 'Школа №25')`);
  await addStaff(s.handle, { login: 'acc24', password: 'acc24-pass-1', grants: [{ role: 'accountant', schoolId: S, classNames: null }] });
  await addStaff(s.handle, { login: 'acc24b', password: 'acc24b-pass-1', grants: [{ role: 'accountant', schoolId: S, classNames: null }] });
  await addStaff(s.handle, { login: 'man24', password: 'man24-pass-1', grants: [{ role: 'manager', schoolId: S, classNames: null }] });
  await addStaff(s.handle, { login: 'district', password: 'district-pass-1', grants: [{ role: 'districtAdmin', schoolId: null, classNames: null }] });
  accountant = await signIn(s.url, 'acc24', 'acc24-pass-1');
  otherAccountant = await signIn(s.url, 'acc24b', 'acc24b-pass-1');
  manager = await signIn(s.url, 'man24', 'man24-pass-1');
  district = await signIn(s.url, 'district', 'district-pass-1');
}, 180_000);
afterAll(async () => { await t?.close(); await s?.close(); });

async function bytes(c: ApiClient, p: string): Promise<{ status: number; type: string; body: Buffer }> {
  const res = await fetch(s.url + '/api/v1' + p, { headers: { cookie: c.cookie } });
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: Buffer.from(await res.arrayBuffer()) };
}

/** Polls the job until it is done or failed; returns every state seen. */
async function untilFinished(c: ApiClient, id: string): Promise<ExportJob[]> {
  const seen: ExportJob[] = [];
  for (let i = 0; i < 300; i++) {
    const r = await c.call<ExportJob>('GET', `/api/v1/report-exports/${id}`);
    expect(r.status).toBe(200);
    seen.push(r.body);
    if (r.body.status === 'done' || r.body.status === 'failed') return seen;
    await new Promise((ok) => setTimeout(ok, 100));
  }
  throw new Error('the export did not finish');
}

async function sheets(buf: Buffer): Promise<Record<string, unknown[][]>> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(buf as unknown as ArrayBuffer);
  return Object.fromEntries(wb.worksheets.map((w) => [w.name, (w.getSheetValues().filter(Boolean) as unknown[][]).map((r) => r.slice(1))]));
}

describe('export jobs', () => {
  it('the month\'s reimbursement: a double POST makes one job; progress; the file reads back as the direct report', async () => {
    const body = { key: key(), kind: 'reimbursement', month: MONTH, format: 'xlsx' };
    const [a, b] = await Promise.all([
      accountant.call<ExportJob>('POST', `/api/v1/schools/${S}/report-exports`, body),
      accountant.call<ExportJob>('POST', `/api/v1/schools/${S}/report-exports`, body),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(b.body.id).toBe(a.body.id);
    const [rows] = await query<{ n: unknown }>(s.handle.db, sql`SELECT count(*) AS n FROM export_jobs WHERE idempotency_key = ${body.key}`);
    expect(Number(rows!.n)).toBe(1);

    const seen = await untilFinished(accountant, a.body.id);
    const done = seen.at(-1)!;
    expect(done).toMatchObject({ status: 'done', kind: 'reimbursement', schoolId: S, error: null, fileUrl: `/report-exports/${a.body.id}/file` });
    expect(done.rowsTotal).toBeGreaterThan(0);
    expect(done.rowsDone).toBe(done.rowsTotal);
    expect(done.fileName).toBe(`reimbursement-${MONTH}-${S}.xlsx`);
    expect(Date.parse(done.expiresAt!) - Date.parse(done.finishedAt!)).toBeGreaterThan(23 * 3600_000);

    const file = await bytes(accountant, done.fileUrl!);
    expect(file.status).toBe(200);
    expect(file.type).toContain('spreadsheetml');
    expect(file.body.length).toBe(done.size);
    const direct = await bytes(accountant, `/schools/${S}/reports/reimbursement?month=${MONTH}&format=xlsx`);
    const got = await sheets(file.body);
    expect(got).toEqual(await sheets(direct.body));
    expect(got['Возмещение']!.find((r) => r.includes('1-4 классы'))).toEqual(['Школа №24', 'муниципальный бюджет', '1-4 классы', 1, 1, 1, 49.61, 49.61]);

    // Private: the directory 0700, the file 0600.
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(dir, `${a.body.id}.xlsx`)).mode & 0o777).toBe(0o600);
  });

  it('CSV byte for byte as the direct download; the district admin\'s district-wide jobs', async () => {
    const csv = await accountant.call<ExportJob>('POST', `/api/v1/schools/${S}/report-exports`, { key: key(), kind: 'schoolDay', from: TODAY, format: 'csv' });
    expect(csv.status).toBe(200);
    expect((await untilFinished(accountant, csv.body.id)).at(-1)!.status).toBe('done');
    const file = await bytes(accountant, `/report-exports/${csv.body.id}/file`);
    expect(file.body.equals((await bytes(accountant, `/schools/${S}/reports/day?from=${TODAY}&format=csv`)).body)).toBe(true);

    const day = await district.call<ExportJob>('POST', '/api/v1/reports/exports', { key: key(), kind: 'districtDay', day: TODAY, format: 'xlsx' });
    expect(day.status).toBe(200);
    const dayDone = (await untilFinished(district, day.body.id)).at(-1)!;
    expect(dayDone).toMatchObject({ status: 'done', schoolId: null, fileName: `district-day-${TODAY}.xlsx` });
    const got = await sheets((await bytes(district, dayDone.fileUrl!)).body);
    expect(got).toEqual(await sheets((await bytes(district, `/reports/district-day?day=${TODAY}&format=xlsx`)).body));
    // Beneficiaries present: a column of its own, «нет данных» for a school that marked no attendance.
    const schools = got['Школы']!;
    const col = schools.find((r) => r.includes('Льготников присутствовало'))!.indexOf('Льготников присутствовало');
    expect(col).toBeGreaterThan(0);
    expect(schools.find((r) => r[1] === 'Итого')![col]).toBe('нет данных о посещаемости');
  });

  it('refuses another school, a role without the report, another person, and bad input — making no job', async () => {
    const before = await query<{ n: unknown }>(s.handle.db, sql`SELECT count(*) AS n FROM export_jobs`);
    const other = await accountant.call('POST', '/api/v1/schools/school-25/report-exports', { key: key(), kind: 'reimbursement', month: MONTH, format: 'xlsx' });
    expect(other.status).toBe(403);
    const role = await manager.call('POST', `/api/v1/schools/${S}/report-exports`, { key: key(), kind: 'reimbursement', month: MONTH, format: 'xlsx' });
    expect(role.status).toBe(403);
    expect(role.body.error.message).toContain('Недостаточно прав');
    const wide = await accountant.call('POST', '/api/v1/reports/exports', { key: key(), kind: 'reimbursement', month: MONTH, format: 'xlsx' });
    expect(wide.status).toBe(403);
    const back = await manager.call('POST', `/api/v1/schools/${S}/report-exports`, { key: key(), kind: 'schoolDay', from: TODAY, to: '2020-01-01', format: 'xlsx' });
    expect(back.status).toBe(400);
    expect(back.body.error.message).toBe('Конец периода раньше начала');
    const month = await accountant.call('POST', `/api/v1/schools/${S}/report-exports`, { key: key(), kind: 'reimbursement', month: '2026-13', format: 'xlsx' });
    expect(month.status).toBe(400);
    expect(await query<{ n: unknown }>(s.handle.db, sql`SELECT count(*) AS n FROM export_jobs`)).toEqual(before);

    const mine = await accountant.call<ExportJob>('POST', `/api/v1/schools/${S}/report-exports`, { key: key(), kind: 'reimbursement', month: MONTH, format: 'pdf' });
    await untilFinished(accountant, mine.body.id);
    expect((await otherAccountant.call('GET', `/api/v1/report-exports/${mine.body.id}`)).status).toBe(404);
    expect((await bytes(otherAccountant, `/report-exports/${mine.body.id}/file`)).status).toBe(404);
    expect((await bytes(manager, `/report-exports/${mine.body.id}/file`)).status).toBe(404);
    const pdf = await bytes(accountant, `/report-exports/${mine.body.id}/file`);
    expect(pdf.body.subarray(0, 5).toString()).toBe('%PDF-');
    // The same key for other parameters is a conflict, not a second job.
    const reused = await accountant.call('POST', `/api/v1/schools/${S}/report-exports`, { key: `test-key-${n}-reuse`, kind: 'reimbursement', month: MONTH, format: 'csv' });
    const again = await accountant.call('POST', `/api/v1/schools/${S}/report-exports`, { key: `test-key-${n}-reuse`, kind: 'reimbursement', month: '2026-01', format: 'csv' });
    expect([reused.status, again.status]).toEqual([200, 409]);
  });

  it('a file past its day is removed and the job says so', async () => {
    const job = await accountant.call<ExportJob>('POST', `/api/v1/schools/${S}/report-exports`, { key: key(), kind: 'reimbursement', month: MONTH, format: 'csv' });
    await untilFinished(accountant, job.body.id);
    const file = path.join(dir, `${job.body.id}.csv`);
    expect(existsSync(file)).toBe(true);
    await s.handle.db.execute(sql`UPDATE export_jobs SET expires_at = now() - interval '1 minute' WHERE id = ${job.body.id}`);
    await exportWorkerOf(s.handle)!.sweep();
    expect(existsSync(file)).toBe(false);
    expect((await accountant.call<ExportJob>('GET', `/api/v1/report-exports/${job.body.id}`)).body).toMatchObject({ status: 'expired', fileUrl: null });
    const gone = await accountant.call('GET', `/api/v1/report-exports/${job.body.id}/file`);
    expect(gone.status).toBe(404);
    expect(gone.body.error.message).toContain('запустите выгрузку заново');
    // Three months on, the row goes too (the audit log keeps who exported what).
    await s.handle.db.execute(sql`UPDATE export_jobs SET created_at = now() - interval '91 days' WHERE id = ${job.body.id}`);
    await exportWorkerOf(s.handle)!.sweep();
    expect((await accountant.call('GET', `/api/v1/report-exports/${job.body.id}`)).status).toBe(404);
    const [audit] = await query<{ n: unknown }>(s.handle.db, sql`SELECT count(*) AS n FROM audit_log WHERE action = 'reportExport' AND entity_id = ${job.body.id}`);
    expect(Number(audit!.n)).toBe(1);
  });

  it('a job running when its process went away is marked failed by the next process: «прервано перезапуском сервера»', async () => {
    const job = await accountant.call<ExportJob>('POST', `/api/v1/schools/${S}/report-exports`, { key: key(), kind: 'reimbursement', month: MONTH, format: 'xlsx' });
    await untilFinished(accountant, job.body.id);
    // As a process that died mid-job leaves it: running, its heartbeat old.
    await s.handle.db.execute(sql`UPDATE export_jobs SET status = 'running', phase = 'write', finished_at = NULL, heartbeat_at = now() - interval '10 minutes' WHERE id = ${job.body.id}`);
    const next = new ExportWorker(s.handle, dir);
    await next.start();   // a process starting sweeps before it serves
    await next.stop();
    const [row] = await query<{ status: string; error: string }>(s.handle.db, sql`SELECT status, error FROM export_jobs WHERE id = ${job.body.id}`);
    expect(row).toEqual({ status: 'failed', error: INTERRUPTED });
    expect((await accountant.call<ExportJob>('GET', `/api/v1/report-exports/${job.body.id}`)).body).toMatchObject({ status: 'failed', error: INTERRUPTED });
  });

  it('a running job whose heartbeat stopped reads as failed at once, without waiting for a sweep', async () => {
    const job = await accountant.call<ExportJob>('POST', `/api/v1/schools/${S}/report-exports`, { key: key(), kind: 'reimbursement', month: MONTH, format: 'csv' });
    await untilFinished(accountant, job.body.id);
    await s.handle.db.execute(sql`UPDATE export_jobs SET status = 'running', finished_at = NULL, heartbeat_at = now() - interval '2 minutes' WHERE id = ${job.body.id}`);
    expect((await accountant.call<ExportJob>('GET', `/api/v1/report-exports/${job.body.id}`)).body).toMatchObject({ status: 'failed', error: INTERRUPTED });
  });
});

describe('the file writers', () => {
  it('report progress as rows are written and write a private file', async () => {
    const { writeCsvFile, writeXlsxFile } = await import('../../src/server/reports/export-stream.js');
    const rows = Array.from({ length: 1_200 }, (_, i) => ({ n: i, sum: i * 7 }));
    const f = { fileName: 'x', title: 'X', sheets: [{ name: 'Лист', title: 'Строки', columns: [{ key: 'n', header: '№' }, { key: 'sum', header: 'Сумма', money: true }], rows }] };
    const base = mkdtempSync(path.join(tmpdir(), 'canteen-writer-'));
    const seen: number[] = [];
    await writeCsvFile(f, path.join(base, 'a.csv'), (d) => { seen.push(d); });
    expect(seen).toEqual([500, 1_000, 1_200]);
    expect(statSync(path.join(base, 'a.csv')).mode & 0o777).toBe(0o600);
    seen.length = 0;
    await writeXlsxFile(f, path.join(base, 'a.xlsx'), (d) => { seen.push(d); });
    expect(seen).toEqual([500, 1_000, 1_200]);
    const got = (await sheets(readFileSync(path.join(base, 'a.xlsx'))))['Лист']!;
    expect(got.at(-1)).toEqual([1_199, 83.93]);
    // A file that exists is never overwritten.
    await expect(writeCsvFile(f, path.join(base, 'a.csv'), () => {})).rejects.toThrow(/EEXIST/);
  });
});
