import { SYNC_PATHS } from '../../api/sync.js';

/**
 * Server pokes (Replicache's "poke"): a WebSocket on which the server sends an
 * empty message whenever the school's data changed ("pull now"), and "sales"
 * when only other tills' sales moved balances (the client pulls for those at
 * most every SALES_POKE_GAP_MS). The message carries no data. A connection that opens is also the fastest
 * news that the server is reachable again.
 */
export interface PokeHandle { close(): void }

export interface PokeCallbacks {
  serverUrl: string;
  token: string;
  onOpen(): void;
  /** `kind` is the message: '' = the school's data changed (pull now), 'sales' = other tills' sales only (pull when due). */
  onPoke(kind: string): void;
  /** Called once per connection, whether it failed to open or dropped later. */
  onClose(): void;
}

export type PokeFactory = (cb: PokeCallbacks) => PokeHandle;

/** The default: a `ws` client with the terminal token as a Bearer header. */
export const wsPoke: PokeFactory = (cb) => {
  let closed = false;
  let socket: { close(): void; terminate(): void } | undefined;
  let closedReported = false;
  const reportClose = () => { if (!closedReported) { closedReported = true; cb.onClose(); } };
  const url = cb.serverUrl.replace(/\/+$/, '').replace(/^http/, 'ws') + SYNC_PATHS.poke;
  void import('ws').then(({ default: WebSocket }) => {
    if (closed) return;
    const ws = new WebSocket(url, { headers: { authorization: `Bearer ${cb.token}` }, handshakeTimeout: 10_000 });
    socket = ws;
    ws.on('open', () => cb.onOpen());
    ws.on('message', (data: Buffer) => cb.onPoke(data.toString().slice(0, 32)));
    // Without pings a half-open connection (cable pulled) would look alive for ever.
    let alive = true;
    const ping = setInterval(() => {
      if (!alive) { ws.terminate(); return; }
      alive = false;
      try { ws.ping(); } catch { /* closing */ }
    }, 30_000);
    ping.unref?.();
    ws.on('pong', () => { alive = true; });
    ws.on('error', () => { /* 'close' follows */ });
    ws.on('close', () => { clearInterval(ping); if (!closed) reportClose(); });
  }, () => reportClose());
  return {
    close() {
      closed = true;
      try { socket?.close(); } catch { /* already closed */ }
    },
  };
};
