import type { BrowserWindow, IpcMain, IpcMainInvokeEvent, WebFrameMain } from 'electron';
import { POS_API_METHODS } from '../src/api/pos-api.js';
import { POS_IPC_EVENT, POS_IPC_PREFIX } from '../src/api/pos-bridge.js';
import { fail } from '../src/api/result.js';
import { callPos } from '../src/shell/pos-args.js';
import type { Runtime } from '../src/shell/runtime.js';

/** Only our own page, loaded from app://cashier/, may call the core. */
export function isTrustedFrame(frame: WebFrameMain | null | undefined): boolean {
  if (!frame) return false;
  try {
    const url = new URL(frame.url);
    return url.protocol === 'app:' && url.host === 'cashier';
  } catch {
    return false;
  }
}

/**
 * One `ipcMain.handle` per PosApi method (never a generic "call anything"
 * channel). Each checks the sender frame, then validates the arguments with
 * the same schemas as the browser shell (callPos), so both shells expose
 * exactly the same surface. Returns the function that removes the handlers.
 */
export function registerPosIpc(ipcMain: IpcMain, runtime: Runtime | Promise<Runtime>, win: () => BrowserWindow | undefined): () => void {
  // The window loads while the core opens; calls made meanwhile wait for it.
  const ready: Promise<Runtime | undefined> = Promise.resolve(runtime).catch(() => undefined);
  for (const method of POS_API_METHODS) {
    ipcMain.handle(`${POS_IPC_PREFIX}${method}`, async (event: IpcMainInvokeEvent, ...args: unknown[]) => {
      if (!isTrustedFrame(event.senderFrame)) return fail('BAD_INPUT', 'Запрос не от окна кассы отклонён');
      const rt = await ready;
      if (!rt) return fail('INTERNAL', 'Кассовый модуль не запустился');
      return callPos(rt.api, method, args);
    });
  }
  let off: (() => void) | undefined;
  let removed = false;
  void ready.then((rt) => {
    if (!rt || removed) return;
    off = rt.onEvent((event) => {
      const w = win();
      if (w && !w.isDestroyed()) w.webContents.send(POS_IPC_EVENT, event);
    });
  });
  return () => {
    removed = true;
    off?.();
    for (const method of POS_API_METHODS) ipcMain.removeHandler(`${POS_IPC_PREFIX}${method}`);
  };
}
