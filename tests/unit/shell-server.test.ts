import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startShellServer, type ShellServer } from '../../src/shell/server.js';
import { openRuntime, type Runtime } from '../../src/shell/runtime.js';

// The browser shell's transport over the real till (demo school, temporary SQLite): validation,
// Result passing, the local-only guards and the event socket.
let runtime: Runtime;
let server: ShellServer;
const uiDir = mkdtempSync(path.join(tmpdir(), 'canteen-ui-'));

beforeAll(async () => {
  const { writeFileSync } = await import('node:fs');
  writeFileSync(path.join(uiDir, 'index.html'), '<!doctype html><title>ui</title>');
  runtime = await openRuntime({ dataDir: uiDir, seedDemo: true, reader: 'simulated', printer: 'memory', server: false, dbKeyStore: false });
  server = await startShellServer({ runtime, uiDir });
}, 180_000);
afterAll(async () => { await server.close(); await runtime.close(); });

const call = (method: string, args: unknown[], headers: Record<string, string> = {}) =>
  fetch(`${server.url}api/pos/${method}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ args }) });

describe('browser shell HTTP API', () => {
  it('answers PosApi calls with Result objects', async () => {
    const bad = await (await call('login', ['0000'])).json();
    expect(bad).toEqual({ ok: false, error: { code: 'BAD_PIN', message: 'Неверный PIN-код' } });
    const good = await (await call('login', ['1111'])).json();
    expect(good.ok).toBe(true);
    expect(good.value.name).toBe('Смирнова Елена');
    const st = await (await call('status', [])).json();
    expect(st.value.session.role).toBe('cashier');
  });

  it('rejects malformed arguments with BAD_INPUT before the core sees them', async () => {
    const r = await (await call('sell', [{ saleId: 'x', cardId: 'EM:55007EE424', lines: [{ itemId: 'dish-pizza', quantity: -1 }] }])).json();
    expect(r.ok).toBe(false);
    expect(r.error.code).toBe('BAD_INPUT');
    expect(r.error.message).toMatch(/Неверный запрос/);
    const extra = await (await call('identifyCard', ['EM:55007EE424', 'extra'])).json();
    expect(extra.error.code).toBe('BAD_INPUT');
    const unknown = await (await call('dropDatabase', [])).json();
    expect(unknown.error.code).toBe('BAD_INPUT');
  });

  it('refuses other hosts, foreign origins and non-JSON bodies', async () => {
    const foreign = await call('status', [], { origin: 'http://evil.example' });
    expect(foreign.status).toBe(403);
    const text = await fetch(`${server.url}api/pos/status`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"args":[]}' });
    expect(text.status).toBe(415);
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: server.port, path: '/', headers: { host: 'rebind.example:80' } }, (res) => { res.resume(); resolve(res.statusCode ?? 0); });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(421);
  });

  it('serves the UI with a strict Content-Security-Policy', async () => {
    const res = await fetch(server.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
  });

  it('streams PosEvents over the WebSocket', async () => {
    await call('login', ['1111']);
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}api/events`);
    await new Promise((r) => ws.once('open', r));
    const got = new Promise<unknown>((r) => ws.once('message', (m) => r(JSON.parse(String(m)))));
    await call('simulateTap', ['EM:55007EE424']);
    expect(await got).toMatchObject({ type: 'card', cardId: 'EM:55007EE424' });
    ws.close();
  });
});
