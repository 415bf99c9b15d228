import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEMO_SCHOOL } from '../../src/core/demo-school.js';
import { openRuntime, type Runtime } from '../../src/shell/runtime.js';
import { openTerminalDb } from '../../src/terminal/db/open.js';
import { loadSchool } from '../../src/terminal/seed.js';
import { buildDiagnosticBundle, LogRing } from '../../src/terminal/diagnostics.js';
import { api, enrollDemoTerminal, startTestServer, type TestServer } from './helpers.js';
import { addStaff, signIn, type ApiClient } from './admin-helpers.js';

/**
 * Remote help (issue 18): the console asks a till for a diagnostic bundle, the
 * till sends it with its next pull; the bundle holds versions, sync state,
 * devices and a redacted log — a grep finds no pupil's name, card, account,
 * token or PIN in it.
 */

let server: TestServer;
let admin: ApiClient;
let runtime: Runtime;
let dir: string;
let token: string;
let pepper: string;
const URL_ = '/api/v1/schools/school-24/tills/terminal-24-1/diagnostics';

beforeAll(async () => {
  server = await startTestServer();
  await addStaff(server.handle, { login: 'head24', password: 'head24-pass-1', grants: [{ role: 'schoolAdmin', schoolId: 'school-24', classNames: null }] });
  admin = await signIn(server.url, 'head24', 'head24-pass-1');
  ({ token, pinPepper: pepper } = await enrollDemoTerminal(server.handle));
  dir = mkdtempSync(path.join(tmpdir(), 'canteen-diag-'));
  runtime = await openRuntime({
    dataDir: dir, reader: 'simulated', printer: 'memory', dbKeyStore: false,
    server: { serverUrl: server.url, token, terminalId: 'terminal-24-1', pinPepper: pepper },
  });
}, 180_000);
afterAll(async () => { await runtime?.close(); await server?.close(); rmSync(dir, { recursive: true, force: true }); });

/** Everything a bundle must never contain. */
function secrets(): string[] {
  return [
    ...DEMO_SCHOOL.students.flatMap((s) => [s.fullName, ...s.fullName.split(' '), s.accountNumber]),
    ...DEMO_SCHOOL.cards.map((c) => c.id), ...DEMO_SCHOOL.cards.map((c) => c.id.split(':')[1]!),
    ...DEMO_SCHOOL.cashiers.flatMap((c) => c.name.split(' ')),
    token, pepper,
  ];
}
function leaks(bundle: unknown): string[] {
  const text = JSON.stringify(bundle);
  const found = secrets().filter((s) => text.includes(s));
  for (const pin of DEMO_SCHOOL.cashiers.map((c) => c.pin)) { const m = new RegExp(`(?<!\\d)${pin}(?!\\d)`).exec(text); if (m) found.push(`PIN ${pin} in …${text.slice(Math.max(0, m.index - 60), m.index + 20)}…`); }
  return found;
}

describe('diagnostic bundle', () => {
  it('the console asks, the till sends it with its next pull, once; nothing personal in it', async () => {
    const asked = await admin.call<{ id: string }>('POST', URL_, {});
    expect(asked.status).toBe(201);
    const waiting = await admin.call<{ uploadedAt: string | null; bundle: unknown }>('GET', URL_);
    expect(waiting.body).toMatchObject({ id: asked.body.id, uploadedAt: null, bundle: null });

    await runtime.syncNow!();
    let got = waiting;
    for (let i = 0; i < 100 && !got.body.uploadedAt; i++) {
      await new Promise((r) => setTimeout(r, 100));
      got = await admin.call('GET', URL_);
    }
    expect(got.body.uploadedAt).not.toBeNull();
    const b = got.body.bundle as Record<string, any>;
    expect(b.versions.app).toMatch(/^\d+\.\d+\.\d+/);
    expect(b.database).toMatchObject({ pupils: DEMO_SCHOOL.students.length, openShift: false, pendingEntries: 0 });
    expect(b.devices.map((d: { device: string }) => d.device)).toEqual(['reader', 'printer', 'server']);
    expect(b.sync.lastSyncAt).toBeTruthy();
    expect(Array.isArray(b.log)).toBe(true);
    expect(Object.keys(b).sort()).toEqual(['database', 'devices', 'log', 'madeAt', 'printer', 'sync', 'update', 'versions']);
    expect(leaks(b)).toEqual([]);

    // Sent once: the request is answered; uploading again is refused.
    await runtime.syncNow!();
    const again = await api(server, 'POST', `/api/v1/sync/diagnostics/${asked.body.id}`, { x: 1 }, token);
    expect(again.status).toBe(404);
    expect((await admin.call('GET', URL_)).body.uploadedAt).toBe(got.body.uploadedAt);
  });

  it('a till cannot send a bundle nobody asked for, nor for another till', async () => {
    const other = await enrollDemoTerminal(server.handle, 'terminal-24-2');
    const asked = await admin.call<{ id: string }>('POST', URL_, {});
    expect((await api(server, 'POST', `/api/v1/sync/diagnostics/${asked.body.id}`, { x: 1 }, other.token)).status).toBe(404);
    expect((await admin.call('POST', '/api/v1/schools/school-24/tills/terminal-99/diagnostics', {})).status).toBe(404);
  });

  it('1,000 log lines full of names, cards, accounts, tokens and PINs come out clean', async () => {
    const { sqlite } = openTerminalDb(path.join(dir, 'grep.sqlite'));
    await loadSchool(sqlite, DEMO_SCHOOL);
    const ring = new LogRing();
    for (let i = 0; i < 1200; i++) {
      const s = DEMO_SCHOOL.students[i % DEMO_SCHOOL.students.length]!;
      const card = DEMO_SCHOOL.cards[i % DEMO_SCHOOL.cards.length]!;
      ring.push(`продажа ${i + 20000}: ${s.fullName} (${s.fullName.toUpperCase()}), л/с ${s.accountNumber}, карта ${card.id} / Em-Marine[5500] 126,58404, сумма 49,61 ₽`);
      if (i % 7 === 0) ring.push(`вход кассира ${DEMO_SCHOOL.cashiers[i % 2]!.name}: PIN ${DEMO_SCHOOL.cashiers[i % 2]!.pin}; pin=${DEMO_SCHOOL.cashiers[i % 2]!.pin}`);
      if (i % 11 === 0) ring.push(`GET /api/v1/sync/pull authorization: Bearer ${token} pinPepper: "${pepper}" token=${token}`);
    }
    const bundle = buildDiagnosticBundle({ sqlite, appVersion: '1.2.3', devices: [], printer: { message: `нет бумаги; последний чек: ${DEMO_SCHOOL.students[0]!.fullName}` }, sync: { lastError: `Bearer ${token}` }, log: ring.all() });
    sqlite.close();
    expect(bundle.log).toHaveLength(1000);
    expect(bundle.log.find((l) => l.includes('продажа 21199'))).toMatch(/продажа 21199: \*\*\* \*\*\* \*\*\* \(\*\*\* \*\*\* \*\*\*\), л\/с \*\*\*, карта \*\*\* \/ \*\*\*, сумма 49,61 ₽$/);
    expect(leaks(bundle)).toEqual([]);
  });
});
