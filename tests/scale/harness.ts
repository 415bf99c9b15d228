import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** The PostgreSQL these tests use: DATABASE_URL (.ci/run runs tests/scale with it, after `npm test`). */
export const PG_URL = process.env.DATABASE_URL ?? '';

/**
 * Why a scale test cannot run here (undefined: it can). Without DATABASE_URL it is a skip with the
 * reason printed (`npm test` runs on PGlite); with it, a missing tool fails under CI=true (.ci/run
 * installs them) and is a printed skip elsewhere.
 */
export async function missing(tools: string[]): Promise<{ reason: string; hard: boolean } | undefined> {
  if (!PG_URL) return { reason: 'needs DATABASE_URL (PostgreSQL)', hard: false };
  const absent = tools.filter((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0);
  if (absent.length) return { reason: `needs ${absent.join(', ')} (apt; .ci/run installs it)`, hard: true };
  try {
    const { default: pg } = await import('pg');
    const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
    await c.connect();
    await c.end();
  } catch {
    return { reason: `needs PostgreSQL at ${PG_URL}`, hard: true };
  }
  return undefined;
}

export function skipReason(why: { reason: string; hard: boolean } | undefined, what: string): boolean {
  if (!why) return false;
  if (why.hard && process.env.CI === 'true') throw new Error(`${what}: ${why.reason}`);
  console.log(`skipped ${what}: ${why.reason}`);
  return true;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export function waitForPort(port: number, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => { s.destroy(); resolve(); });
      s.once('error', () => {
        s.destroy();
        if (Date.now() > until) reject(new Error(`nothing listens on ${port}`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

/** HAProxy in front of `backends` (round robin, X-Forwarded-For, WebSocket tunnels), on `port`. */
export async function startHaproxy(port: number, backends: number[]): Promise<{ stop(): Promise<void> }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'canteen-haproxy-'));
  const cfg = path.join(dir, 'haproxy.cfg');
  writeFileSync(cfg, [
    'global', '  maxconn 2000',
    'defaults', '  mode http', '  timeout connect 5s', '  timeout client 60s', '  timeout server 60s', '  timeout tunnel 1h', '  option forwardfor',
    `frontend canteen`, `  bind 127.0.0.1:${port}`, '  default_backend servers',
    'backend servers', '  balance roundrobin',
    ...backends.map((p, i) => `  server s${i} 127.0.0.1:${p}`),
    '',
  ].join('\n'));
  const child: ChildProcess = spawn('haproxy', ['-f', cfg, '-db'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
  try {
    await waitForPort(port);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`haproxy did not start: ${stderr}`, { cause: err });
  }
  return {
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** fetch with a cookie jar (a parent's browser across processes). */
export class Jar {
  readonly cookies = new Map<string, string>();
  lastHtml = '';
  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const res = await fetch(url, {
      redirect: 'manual', ...init,
      headers: { ...(init.headers as Record<string, string> | undefined), cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      const value = pair!.slice(eq + 1).trim();
      if (value) this.cookies.set(pair!.slice(0, eq).trim(), value); else this.cookies.delete(pair!.slice(0, eq).trim());
    }
    return res;
  }

  async page(url: string): Promise<{ status: number; html: string }> {
    const res = await this.fetch(url);
    const html = await res.text();
    if ((res.headers.get('content-type') ?? '').startsWith('text/html')) this.lastHtml = html;
    return { status: res.status, html };
  }

  async postForm(url: string, form: Record<string, string>): Promise<Response> {
    const csrf = /name="_csrf" value="([^"]+)"/.exec(this.lastHtml)?.[1] ?? '';
    const origin = new URL(url).origin;
    return this.fetch(url, {
      method: 'POST', body: new URLSearchParams({ _csrf: csrf, ...form }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
    });
  }
}
