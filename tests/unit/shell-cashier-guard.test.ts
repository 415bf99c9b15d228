import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NEEDS_CASHIER, startShellServer, type ShellServer } from '../../src/shell/server.js';
import { openRuntime, type Runtime } from '../../src/shell/runtime.js';

// Issue 11, reproduction 5: in the browser shell, identifyCard, lastReceipts
// and receipt answered any local program without a cashier logged in.
let runtime: Runtime;
let server: ShellServer;
const dir = mkdtempSync(path.join(tmpdir(), 'canteen-guard-'));

beforeAll(async () => {
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>ui</title>');
  runtime = await openRuntime({ dataDir: dir, server: false, seedDemo: true, reader: 'simulated', printer: 'memory' });
  server = await startShellServer({ runtime, uiDir: dir });
}, 120_000);
afterAll(async () => { await server?.close(); await runtime?.close(); });

const call = async (method: string, args: unknown[]) => {
  const res = await fetch(`${server.url}api/pos/${method}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ args }) });
  return { status: res.status, body: await res.json() as { ok: boolean; value?: unknown; error?: { code: string; message: string } } };
};

describe('pupil and receipt reads need a cashier logged in', () => {
  it('answer 401 without a PIN, and work once a cashier is logged in', async () => {
    expect([...NEEDS_CASHIER].sort()).toEqual(['identifyCard', 'lastReceipts', 'receipt']);
    const calls: [string, unknown[]][] = [['identifyCard', ['EM:55007EE424']], ['lastReceipts', [10]], ['receipt', ['no-such-receipt']]];
    for (const [method, args] of calls) {
      const r = await call(method, args);
      expect(r.status, method).toBe(401);
      expect(r.body).toEqual({ ok: false, error: { code: 'NOT_LOGGED_IN', message: 'Сначала войдите: введите PIN-код кассира' } });
    }
    // What needs no secret still answers.
    expect((await call('status', [])).status).toBe(200);

    expect((await call('login', ['1111'])).body.ok).toBe(true);
    const pupil = await call('identifyCard', ['EM:55007EE424']);
    expect(pupil.status).toBe(200);
    expect(pupil.body.ok).toBe(true);
    expect((await call('lastReceipts', [10])).body.ok).toBe(true);
    expect((await call('receipt', ['no-such-receipt'])).body.error?.code).toBe('RECEIPT_NOT_FOUND');

    await call('logout', []);
    expect((await call('identifyCard', ['EM:55007EE424'])).status).toBe(401);
  });
});
