import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createEnrollmentCode, revokeTerminal } from '../../src/server/auth.js';
import { enrollTerminal } from '../../src/terminal/sync/enroll.js';
import { recordTopUp } from '../../src/server/ledger/server-entries.js';
import { terminals } from '../../src/server/db/schema.js';
import { eq } from 'drizzle-orm';
import { api, startTestServer, type TestServer } from './helpers.js';

let s: TestServer;
beforeAll(async () => { s = await startTestServer(); });
afterAll(async () => { await s?.close(); });

describe('enrolment', () => {
  it('trades a one-time code for a token that works; the code works once; the db keeps only a hash', async () => {
    const { code } = await createEnrollmentCode(s.handle.db, { schoolId: 'school-24', terminalName: 'Буфет' });
    const res = await enrollTerminal(s.url, code.toLowerCase());
    expect(res).toMatchObject({ terminalName: 'Буфет', schoolCode: '24', schoolName: 'Школа №24' });
    expect(Buffer.from(res.token, 'base64url')).toHaveLength(32);
    const [row] = await s.handle.db.select().from(terminals).where(eq(terminals.id, res.terminalId));
    expect(row!.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(row!.tokenHash).not.toContain(res.token);
    const pull = await api(s, 'GET', '/api/v1/sync/pull', undefined, res.token);
    expect(pull.status).toBe(200);
    await expect(enrollTerminal(s.url, code)).rejects.toThrow(/уже использован/);
    await expect(enrollTerminal(s.url, 'AAAA-BBBB-CCCC')).rejects.toThrow(/неверен/);
    await expect(enrollTerminal('http://127.0.0.1:1', code)).rejects.toThrow(/недоступен/);
  });

  it('a revoked token is refused with its reason', async () => {
    const { code } = await createEnrollmentCode(s.handle.db, { schoolId: 'school-24' });
    const res = await enrollTerminal(s.url, code);
    await revokeTerminal(s.handle.db, res.terminalId);
    const r = await api<{ error: { message: string } }>(s, 'POST', '/api/v1/sync/push', { terminalId: res.terminalId, entries: [] }, res.token);
    expect(r.status).toBe(401);
    expect(r.body.error.message).toMatch(/отозван/);
  });
});

describe('poke', () => {
  it('sends an empty message when the school changes; refuses a bad token', async () => {
    const ws = new WebSocket(`${s.url.replace('http', 'ws')}/api/v1/sync/poke`, { headers: { authorization: `Bearer ${s.token}` } });
    await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
    const got = new Promise<string>((resolve) => ws.once('message', (m) => resolve(String(m))));
    // The subscription is made after auth, asynchronously: give it a moment by retrying the change.
    let done = false;
    void got.then(() => { done = true; });
    for (let i = 0; i < 50 && !done; i++) {
      await recordTopUp(s.handle.db, '0242013137', 100);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await got).toBe('');
    ws.close();

    const bad = new WebSocket(`${s.url.replace('http', 'ws')}/api/v1/sync/poke?token=forged`);
    const code = await new Promise<number>((resolve) => bad.once('close', (c) => resolve(c)));
    expect(code).toBe(4401);
  });
});
