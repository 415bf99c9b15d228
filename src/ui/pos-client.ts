import type { PosApi, PosEvent } from '../api/pos-api.js';
import { POS_API_METHODS } from '../api/pos-api.js';
import type { PosBridge } from '../api/pos-bridge.js';
import { fail, type Result } from '../api/result.js';

declare global {
  interface Window { pos?: PosBridge }
}

/**
 * The PosApi over the browser shell: `POST /api/pos/<method>` with `{ args }`,
 * events over the `/api/events` WebSocket (reconnects by itself; the shell
 * may restart under us). Every failure becomes a Result, never a throw.
 */
export function createHttpPos(base: string = window.location.origin): PosBridge {
  const listeners = new Set<(e: PosEvent) => void>();
  const api = {} as Record<string, (...args: unknown[]) => Promise<unknown>>;
  for (const method of POS_API_METHODS) {
    api[method] = async (...args: unknown[]) => {
      try {
        const res = await fetch(`${base}/api/pos/${method}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ args }),
        });
        return (await res.json()) as Result<unknown>;
      } catch {
        return fail('INTERNAL', 'Нет связи с кассовым модулем. Проверьте, что программа кассы запущена');
      }
    };
  }

  let socket: WebSocket | undefined;
  let retry = 250;
  const connect = () => {
    const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/api/events`);
    socket = ws;
    ws.onmessage = (msg) => {
      let event: PosEvent;
      try { event = JSON.parse(String(msg.data)) as PosEvent; } catch { return; }
      for (const l of listeners) l(event);
    };
    ws.onopen = () => {
      retry = 250;
      // After a reconnect the state may have moved on: let the UI refresh.
      for (const l of listeners) l({ type: 'dataChanged' });
    };
    ws.onclose = () => {
      if (socket !== ws) return;
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 5000);
    };
  };

  return {
    ...(api as unknown as PosApi),
    onEvent(listener) {
      listeners.add(listener);
      if (!socket) connect();
      return () => { listeners.delete(listener); };
    },
  };
}

/** Electron's preload puts the bridge on window.pos; anywhere else we talk to the browser shell. */
export function getPosApi(): PosBridge {
  return window.pos ?? createHttpPos();
}
