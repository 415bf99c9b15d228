import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import ExcelJS from 'exceljs';
import { startTestServer, type TestServer } from './helpers.js';
import { addStaff, signIn, type ApiClient } from './admin-helpers.js';
import { query } from '../../src/server/db/open.js';
import { openTerminalDb } from '../../src/terminal/db/open.js';
import { PosService } from '../../src/terminal/pos-service.js';
import { SyncClient } from '../../src/terminal/sync/client.js';
import { enrollTerminal } from '../../src/terminal/sync/enroll.js';

/**
 * Issue 14, "How we will know": a new school from nothing to a first sale
 * through the admin API only (pupils from an XLSX workbook; the first district admin comes from the command
 * line, as in real life); the till enrols with the code, its cashier logs in
 * with the PIN the school admin set, the manager opens the shift, the sale
 * reaches the server. A second till gets its own receipt series.
 */

const SCHOOL = 'school-31';

async function till(server: TestServer, code: string) {
  const res = await enrollTerminal(server.url, code);
  const dbPath = path.join(mkdtempSync(path.join(tmpdir(), 'canteen-first-sale-')), 'terminal.sqlite');
  const { sqlite } = openTerminalDb(dbPath);
  sqlite.pragma('synchronous = OFF');
  sqlite.prepare(`INSERT OR REPLACE INTO settings (key, value) VALUES ('terminal_id', ?)`).run(res.terminalId);
  let service: PosService | undefined;
  const client = new SyncClient({
    poke: false, watchMs: 0, serverUrl: server.url, sqlite, token: res.token, terminalId: res.terminalId,
    status: () => ({ appVersion: '9.9.9-test', printer: 'ok', reader: 'simulated', update: 'rolledBack 10.0.0>9.9.9-test' }),
    onPulled: () => { service?.reload(); },
  });
  await client.syncOnce();
  service = new PosService(sqlite, { requireTap: false, clock: { now: () => new Date() }, sync: { state: () => client.state() }, pinPepper: res.pinPepper });
  return { res, sqlite, client, service, async close() { await client.stop(); sqlite.close(); } };
}

describe('a new school from nothing to a first sale, through the admin API', () => {
  let server: TestServer;
  let district: ApiClient;
  let admin: ApiClient;
  beforeAll(async () => {
    server = await startTestServer({ seed: false });
    await addStaff(server.handle, { login: 'district', password: 'district-pass-1', grants: [{ role: 'districtAdmin', schoolId: null, classNames: null }] });
    district = await signIn(server.url, 'district', 'district-pass-1');
  }, 180_000);
  afterAll(async () => { await server?.close(); });

  it('school, calendar, school admin, pupils, menu, money, cashier and manager, till, sale', async () => {
    const ok = (r: { status: number; body: unknown }, want = 200) => { expect(r.status, JSON.stringify(r.body)).toBe(want); return r.body as any; };
    ok(await district.call('POST', '/api/v1/schools', { code: '31', name: 'Школа №31', overdraftLimit: 0, offlineWarnHours: 12 }), 201);
    ok(await district.call('PUT', `/api/v1/schools/${SCHOOL}/calendar`, { days: [{ date: '2026-12-31', kind: 'holiday', note: 'Новогодние каникулы' }] }));
    ok(await district.call('POST', `/api/v1/schools/${SCHOOL}/staff`, {
      fullName: 'Смирнова Елена Викторовна', login: 'head31', password: 'head31-password', grants: [{ role: 'schoolAdmin', schoolId: SCHOOL }],
    }), 201);
    admin = await signIn(server.url, 'head31', 'head31-password');

    // The pupil list as the school's secretary keeps it: an XLSX workbook (made here by exceljs), one bad row.
    const wb = new ExcelJS.Workbook();
    const sheet = wb.addWorksheet('Ученики');
    sheet.addRows([['ФИО', 'Школа', 'Класс'], ['Кузнецов Пётр Андреевич', '31', '3А'], ['Безфамильный', '31', '3А']]);
    const xlsx = Buffer.from(await wb.xlsx.writeBuffer()).toString('base64');
    const preview = ok(await admin.call('POST', `/api/v1/schools/${SCHOOL}/pupils/import`, { fileName: 'ученики.xlsx', contentBase64: xlsx }));
    expect(preview.errors).toEqual([expect.objectContaining({ line: 3 })]);
    expect((await query<{ n: number }>(server.handle.db, sql`SELECT count(*)::int AS n FROM students WHERE school_id = ${SCHOOL}`))[0]!.n).toBe(0);
    ok(await admin.call('POST', `/api/v1/schools/${SCHOOL}/pupils/import`, { fileName: 'ученики.xlsx', contentBase64: xlsx, confirm: true }));
    expect(await query(server.handle.db, sql`SELECT full_name, class_name FROM students WHERE school_id = ${SCHOOL}`))
      .toEqual([{ full_name: 'Кузнецов Пётр Андреевич', class_name: '03А' }]);
    const [acc] = await query<{ account_number: string }>(server.handle.db, sql`SELECT account_number FROM accounts WHERE school_id = ${SCHOOL}`);
    const account = acc!.account_number;

    ok(await admin.call('PUT', `/api/v1/schools/${SCHOOL}/menu/categories`, { id: 'hot', name: 'Горячее' }));
    ok(await admin.call('PUT', `/api/v1/schools/${SCHOOL}/menu/dishes`, { id: 'kasha', name: 'Каша гречневая', price: 8_30, categoryId: 'hot', portion: '150 г' }));
    ok(await admin.call('POST', `/api/v1/schools/${SCHOOL}/cards`, { accountNumber: account, cardId: 'EM:55007EE777' }), 201);
    ok(await admin.call('POST', `/api/v1/schools/${SCHOOL}/accounts/${account}/topups`, { amount: 500_00, reason: 'Наличные в кассу школы', documentNumber: 'ПКО-17' }), 201);

    const cashier = ok(await admin.call('POST', `/api/v1/schools/${SCHOOL}/staff`, { fullName: 'Иванова Ольга', pin: '583920', grants: [{ role: 'cashier', schoolId: SCHOOL }] }), 201);
    ok(await admin.call('POST', `/api/v1/schools/${SCHOOL}/staff`, { fullName: 'Петрова Анна', pin: '740215', grants: [{ role: 'manager', schoolId: SCHOOL }] }), 201);
    const code = ok(await admin.call('POST', `/api/v1/schools/${SCHOOL}/tills/enrollment-codes`, { name: 'Касса 1' }), 201);

    const t1 = await till(server, code.code);
    try {
      expect(t1.res.receiptSeries).toBe('');
      expect((await t1.service.login('000000')).ok).toBe(false);
      const login = await t1.service.login('583920');
      expect(login.ok).toBe(true);
      const shift = await t1.service.openShift('740215');
      expect(shift.ok, JSON.stringify(shift)).toBe(true);
      const sale = await t1.service.sell({ saleId: uuidv7(), cardId: 'EM:55007EE777', lines: [{ itemId: 'kasha', quantity: 1 }] });
      expect(sale.ok, JSON.stringify(sale)).toBe(true);
      await t1.client.syncOnce();

      const view = ok(await admin.call('GET', `/api/v1/schools/${SCHOOL}/accounts/${account}`));
      expect(view.balance).toBe(500_00 - 8_30);
      const entries = ok(await admin.call('GET', `/api/v1/schools/${SCHOOL}/accounts/${account}/entries`));
      const saleEntry = entries.find((e: { kind: string }) => e.kind === 'sale');
      expect(saleEntry).toMatchObject({ receiptNumber: '31-000001', items: [{ name: 'Каша гречневая', quantity: 1, amount: 8_30 }] });
      const receipt = ok(await admin.call('GET', `/api/v1/schools/${SCHOOL}/accounts/${account}/receipts/${saleEntry.receiptId}`));
      expect(receipt.number).toBe('31-000001');
      expect(receipt.lines).toEqual([expect.objectContaining({ name: 'Каша гречневая', amount: 8_30 })]);

      const tills = ok(await admin.call('GET', `/api/v1/schools/${SCHOOL}/tills`));
      expect(tills[0]).toMatchObject({ name: 'Касса 1', receiptSeries: '', appVersion: '9.9.9-test', update: 'rolledBack 10.0.0>9.9.9-test', pendingEntries: 0, printer: 'ok', silentTooLong: false });
      expect(Math.abs(tills[0].clockSkewMs)).toBeLessThan(60_000);

      // The second till of the school prints its own numbers.
      const code2 = ok(await admin.call('POST', `/api/v1/schools/${SCHOOL}/tills/enrollment-codes`, { name: 'Касса 2' }), 201);
      const t2 = await till(server, code2.code);
      try {
        expect(t2.res.receiptSeries).toBe('2');
        expect((await t2.service.login('583920')).ok).toBe(true);
        expect((await t2.service.openShift('740215')).ok).toBe(true);
        const s2 = await t2.service.sell({ saleId: uuidv7(), cardId: 'EM:55007EE777', lines: [{ itemId: 'kasha', quantity: 1 }] });
        expect(s2.ok, JSON.stringify(s2)).toBe(true);
        const [r2] = t2.sqlite.prepare('SELECT number FROM receipts').all() as { number: string }[];
        expect(r2!.number).toBe('31-2000001');
      } finally { await t2.close(); }

      // Deactivated: the till refuses the PIN after its next pull.
      ok(await admin.call('POST', `/api/v1/schools/${SCHOOL}/staff/${cashier.id}/deactivate`));
      await t1.service.logout();
      await t1.client.syncOnce();
      expect((await t1.service.login('583920')).ok).toBe(false);
    } finally { await t1.close(); }
  }, 300_000);
});
