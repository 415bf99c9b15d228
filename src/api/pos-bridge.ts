import type { PosApi, PosEvent } from './pos-api.js';

/**
 * What the renderer sees as `window.pos`: the PosApi plus a subscription to
 * PosEvents. Electron's preload builds it over ipcRenderer (one bridge function
 * per method); the browser shell's client builds it over HTTP + WebSocket.
 */
export interface PosEventSource {
  /** Returns the unsubscribe function. */
  onEvent(listener: (event: PosEvent) => void): () => void;
}

export type PosBridge = PosApi & PosEventSource;

/** IPC channel names shared by electron/preload.ts and electron/ipc.ts. */
export const POS_IPC_PREFIX = 'pos:';
export const POS_IPC_EVENT = 'pos-event';
