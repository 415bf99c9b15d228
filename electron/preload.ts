import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { PosApi, PosEvent } from '../src/api/pos-api.js';
import { POS_IPC_EVENT, POS_IPC_PREFIX, type PosBridge } from '../src/api/pos-bridge.js';

/*
 * Runs sandboxed (sandbox: true, contextIsolation: true): only `electron` may
 * be required, so electron/build.ts bundles this file (with the channel names
 * from pos-bridge.ts) to one CommonJS script.
 * The page gets one function per PosApi method; ipcRenderer itself never
 * crosses the bridge. `satisfies PosBridge` makes a missing or mistyped
 * method a compile error.
 */
/** A typed forwarder for one method: argument and result types come from PosApi. */
const call = <M extends keyof PosApi>(method: M) =>
  ((...args: Parameters<PosApi[M]>) => ipcRenderer.invoke(POS_IPC_PREFIX + method, ...args) as ReturnType<PosApi[M]>);

const bridge = {
  status: call('status'),
  login: call('login'),
  logout: call('logout'),
  menu: call('menu'),
  identifyCard: call('identifyCard'),
  quote: call('quote'),
  sell: call('sell'),
  lastReceipts: call('lastReceipts'),
  receipt: call('receipt'),
  reprint: call('reprint'),
  openShift: call('openShift'),
  xReport: call('xReport'),
  closeShift: call('closeShift'),
  printReport: call('printReport'),
  refund: call('refund'),
  blockCard: call('blockCard'),
  newCabinetPassword: call('newCabinetPassword'),
  orderDay: call('orderDay'),
  orderClass: call('orderClass'),
  serveOrders: call('serveOrders'),
  simulateTap: call('simulateTap'),
  onEvent(listener) {
    const handler = (_e: IpcRendererEvent, event: PosEvent) => listener(event);
    ipcRenderer.on(POS_IPC_EVENT, handler);
    return () => { ipcRenderer.removeListener(POS_IPC_EVENT, handler); };
  },
} satisfies PosBridge;

contextBridge.exposeInMainWorld('pos', bridge);
