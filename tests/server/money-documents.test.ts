import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers.js';
import { addStaff, signIn, type ApiClient } from './admin-helpers.js';
import { balanceOf, count } from '../cabinet/helpers.js';
import { manualTopUp } from '../../src/server/admin/manual-topup.js';
import { DEMO_SCHOOL } from '../../src/core/demo-school.js';

/**
 * A cash order (ПКО) is money received once. Whether it is entered in the console or with
 * `canteen server topup`, its number is claimed in one store: a double click, a retry, or the
 * CLI after the console credits nothing a second time and says who entered it first.
 */
const S = DEMO_SCHOOL.school.id;
const ACC = '0242013137';

describe('document numbers of money by hand', () => {
  let server: TestServer;
  let admin: ApiClient;
  beforeAll(async () => {
    server = await startTestServer();
    await addStaff(server.handle, { login: 'head24', password: 'head24-pass-1', fullName: 'Иванова Мария Петровна', grants: [{ role: 'schoolAdmin', schoolId: S, classNames: null }] });
    admin = await signIn(server.url, 'head24', 'head24-pass-1');
  }, 180_000);
  afterAll(async () => { await server?.close(); });

  it('the console credits a document once; the console again and the CLI with the same number change nothing', async () => {
    const before = await balanceOf(server.handle, ACC);
    const first = await admin.call('POST', `/api/v1/schools/${S}/accounts/${ACC}/topups`, { amount: 300_00, reason: 'Наличные в кассу школы', documentNumber: 'ПКО-41' });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(await balanceOf(server.handle, ACC)).toBe(before + 300_00);
    const entries = await count(server.handle, 'entries');
    const requests = await count(server.handle, 'money_requests');

    const again = await admin.call('POST', `/api/v1/schools/${S}/accounts/${ACC}/topups`, { amount: 300_00, reason: 'Наличные в кассу школы', documentNumber: 'ПКО-41' });
    expect(again.status).toBe(409);
    expect(JSON.stringify(again.body)).toContain('Документ №ПКО-41 уже проведён');
    const cli = await manualTopUp(server.handle.db, { accountNumber: ACC, amount: 300_00, reason: 'наличные', document: 'ПКО-41', by: 'cli' });
    expect(cli).toMatchObject({ kind: 'repeated', existing: { accountNumber: ACC, amount: 300_00, by: 'Иванова Мария Петровна' } });
    expect(await balanceOf(server.handle, ACC)).toBe(before + 300_00);
    expect(await count(server.handle, 'entries')).toBe(entries);
    expect(await count(server.handle, 'money_requests')).toBe(requests);
  });

  it('a number the CLI used is refused in the console; a correction by the same document only once', async () => {
    const cli = await manualTopUp(server.handle.db, { accountNumber: ACC, amount: 50_00, reason: 'наличные', document: 'ПКО-42', by: 'Бухгалтер' });
    expect(cli.kind).toBe('credited');
    const bal = await balanceOf(server.handle, ACC);
    const r = await admin.call('POST', `/api/v1/schools/${S}/accounts/${ACC}/topups`, { amount: 70_00, reason: 'Наличные', documentNumber: 'ПКО-42' });
    expect(r.status).toBe(409);
    const c1 = await admin.call('POST', `/api/v1/schools/${S}/accounts/${ACC}/corrections`, { amount: -10_00, reason: 'Ошибка кассира', documentNumber: 'АКТ-5' });
    expect(c1.status, JSON.stringify(c1.body)).toBe(201);
    const c2 = await admin.call('POST', `/api/v1/schools/${S}/accounts/${ACC}/corrections`, { amount: -10_00, reason: 'Ошибка кассира', documentNumber: 'АКТ-5' });
    expect(c2.status).toBe(409);
    expect(await balanceOf(server.handle, ACC)).toBe(bal - 10_00);
  });
});
