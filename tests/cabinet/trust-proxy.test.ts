import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { Browser, startCabinet, type CabinetTest } from './helpers.js';

// Issue 11, reproduction 2: behind the reverse proxy every parent came from the
// proxy's address, so 20 bad logins from anyone locked every parent out. With
// --trust-proxy naming the proxy, each parent is their own address again; a
// client that is not the proxy cannot choose its address with X-Forwarded-For.

const IVANOV = '0242013137';
const PROXY = '10.0.0.1';
let t: CabinetTest;
const delays: number[] = [];
beforeAll(async () => {
  t = await startCabinet({ server: { trustProxy: PROXY }, cabinet: { loginPerMinute: 30, delay: async (ms) => { delays.push(ms); } } });
}, 120_000);
afterAll(async () => { await t?.close(); });

const viaProxy = (client: string) => new Browser(t.app, PROXY, 'http://localhost', { 'x-forwarded-for': client });
async function throttleKeys(): Promise<string[]> {
  const res = (await t.handle.db.execute(sql`SELECT key FROM cabinet_throttle WHERE key LIKE 'ip:%' ORDER BY key`)) as unknown as { rows: { key: string }[] };
  return res.rows.map((r) => r.key);
}

describe('behind a trusted proxy', () => {
  it('one client flooding through the proxy is slowed and then rate-limited; another parent through the same proxy logs in at once', async () => {
    const attacker = viaProxy('203.0.113.7');
    const statuses: number[] = [];
    for (let i = 0; i < 35; i++) statuses.push((await attacker.login(String(242013300 + i).padStart(10, '0'), 'guess-guess1')).statusCode);
    expect(statuses.slice(0, 15).every((s) => s === 401)).toBe(true);
    expect(statuses.at(-1)).toBe(429); // 30 a minute per client address, then the rate limit
    expect(await throttleKeys()).toEqual(['ip:203.0.113.7']);

    const n = delays.length;
    const parent = viaProxy('198.51.100.20');
    expect((await parent.login(IVANOV, 'demo-0242013137')).headers.location).toBe('/cabinet/');
    expect(delays.length).toBe(n); // not slowed by someone else's flood
  });

  it('a client that is not the proxy cannot pick its address with X-Forwarded-For', async () => {
    const spoofer = new Browser(t.app, '192.0.2.50', 'http://localhost', { 'x-forwarded-for': '198.51.100.20' });
    expect((await spoofer.login('0242013400', 'guess-guess1')).statusCode).toBe(401);
    expect(await throttleKeys()).toContain('ip:192.0.2.50');
    expect(await throttleKeys()).not.toContain('ip:198.51.100.20');
  });
});
