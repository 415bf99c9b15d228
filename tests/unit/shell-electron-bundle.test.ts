import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { buildElectron } from '../../electron/build.js';
import { POS_API_METHODS } from '../../src/api/pos-api.js';
import { ensureUi, REPO_ROOT } from '../../src/shell/ui-build.js';

// The Electron binary cannot be downloaded here, so the BUILT main process
// (what electron-builder packages) is booted under plain Node with a stand-in
// `electron` module: it must open the core from its bundled paths, register
// its IPC, serve app:// with the CSP, and keep the renderer locked down.
const out = path.join(REPO_ROOT, `dist-electron-test-${process.pid}`);
const userData = mkdtempSync(path.join(tmpdir(), 'canteen-electron-'));
afterAll(() => { rmSync(out, { recursive: true, force: true }); rmSync(userData, { recursive: true, force: true }); });

describe('electron main bundle', () => {
  it('boots the terminal core, answers IPC from its own page only and serves app:// with the CSP', async () => {
    await ensureUi();
    await buildElectron(out);
    const fixtures = path.join(REPO_ROOT, 'tests/unit/fixtures/electron-stub');
    const { stdout } = await promisify(execFile)(process.execPath, [
      '--import', path.join(fixtures, 'register.mjs'), path.join(fixtures, 'probe.mjs'), path.join(out, 'main.js'),
    ], { cwd: REPO_ROOT, env: { ...process.env, STUB_USERDATA: userData, CANTEEN_DEMO: '1', CANTEEN_READER: 'simulated' }, timeout: 60_000 });
    const r = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(r.url).toBe('app://cashier/index.html');
    expect(r.webPreferences).toMatchObject({ contextIsolation: true, nodeIntegration: false, sandbox: true, webSecurity: true });
    expect(r.webPreferences.preload).toBe(path.join(out, 'preload.cjs'));
    expect(r.status).toMatchObject({ ok: true, value: { schoolName: 'Школа №24', reader: { simulated: true } } });
    expect(r.foreign).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
    expect(r.page).toMatchObject({ status: 200, html: true });
    expect(r.page.csp).toContain("default-src 'none'");
    expect(r.traversal).toBe(403);
    expect(r.channels).toBe(POS_API_METHODS.length);
  });
});
