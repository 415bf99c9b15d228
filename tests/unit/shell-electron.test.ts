import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { POS_API_METHODS } from '../../src/api/pos-api.js';
import { openRuntime } from '../../src/shell/runtime.js';

// The Electron binary cannot run here; its two thin files are tested with
// `electron` mocked: the preload exposes exactly one function per PosApi
// method (plus onEvent), and main's IPC handlers refuse foreign frames and
// validate arguments like the browser shell.

const exposed: Record<string, unknown> = {};
const invoked: unknown[][] = [];
vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (name: string, api: unknown) => { exposed[name] = api; } },
  ipcRenderer: {
    invoke: (...a: unknown[]) => { invoked.push(a); return Promise.resolve({ ok: true, value: null }); },
    on: () => {}, removeListener: () => {},
  },
}));

describe('electron preload', () => {
  it('exposes window.pos with one bridge function per PosApi method and nothing else', async () => {
    await import('../../electron/preload.js');
    const pos = exposed.pos as Record<string, (...a: unknown[]) => Promise<unknown>>;
    expect(Object.keys(pos).sort()).toEqual([...POS_API_METHODS, 'onEvent'].sort());
    await pos.login!('1111');
    await pos.refund!('r-1', 'ошибка');
    expect(invoked).toEqual([['pos:login', '1111'], ['pos:refund', 'r-1', 'ошибка']]);
  });
});

describe('electron main IPC', () => {
  it('answers only the app://cashier frame and validates arguments', async () => {
    const { registerPosIpc } = await import('../../electron/ipc.js');
    const handlers = new Map<string, (e: unknown, ...a: unknown[]) => Promise<unknown>>();
    const ipcMain = {
      handle: (ch: string, fn: (e: unknown, ...a: unknown[]) => Promise<unknown>) => handlers.set(ch, fn),
      removeHandler: (ch: string) => handlers.delete(ch),
    };
    const dataDir = mkdtempSync(path.join(tmpdir(), 'canteen-ipc-'));
    const runtime = await openRuntime({ dataDir, seedDemo: true, reader: 'simulated', printer: 'memory', server: false, dbKeyStore: false });
    const off = registerPosIpc(ipcMain as never, runtime, () => undefined);
    expect([...handlers.keys()].sort()).toEqual(POS_API_METHODS.map((m) => `pos:${m}`).sort());

    const ours = { senderFrame: { url: 'app://cashier/index.html' } };
    const foreign = { senderFrame: { url: 'https://example.com/' } };
    expect(await handlers.get('pos:login')!(ours, '1111')).toMatchObject({ ok: true, value: { role: 'cashier' } });
    expect(await handlers.get('pos:status')!(foreign)).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
    expect(await handlers.get('pos:lastReceipts')!(ours, 'all')).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
    off();
    expect(handlers.size).toBe(0);
    await runtime.close();
  });
});
