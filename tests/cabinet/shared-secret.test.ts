import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import net from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/server/app.js';
import { seedDemo } from '../../src/server/admin/seed-demo.js';
import { openDb, type DbHandle } from '../../src/server/db/open.js';
import { MemoryMailer } from '../../src/server/cabinet/mailer.js';
import { createTestDb } from '../server/helpers.js';

// Issue 11, reproduction 5: the CSRF key was random per process, so two server
// processes behind one proxy (the documented way to scale) refused each other's
// forms. Two servers, each with its own database connection (on PostgreSQL its
// own pool, as a second process would have), behind a round-robin proxy: a
// form one renders, the other accepts.

let db: DbHandle & { url?: string };
let second: DbHandle | undefined;
const apps: FastifyInstance[] = [];
let proxy: net.Server;
let proxyPort = 0;
const served: number[] = [];

beforeAll(async () => {
  db = await createTestDb();
  await seedDemo(db.db);
  second = db.url ? await openDb({ url: db.url, poolSize: 2 }) : undefined;
  for (const handle of [db, second ?? db]) {
    const app = await buildServer(handle, { housekeeping: { intervalMs: 0 }, cabinet: { mailer: new MemoryMailer(), lowBalanceIntervalMs: 0 } });
    await app.listen({ port: 0, host: '127.0.0.1' });
    apps.push(app);
  }
  // One connection to one backend, the next to the other.
  let next = 0;
  proxy = net.createServer((client) => {
    const i = next++ % apps.length;
    served.push(i);
    const port = (apps[i]!.server.address() as net.AddressInfo).port;
    const upstream = net.connect(port, '127.0.0.1');
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyPort = (proxy.address() as net.AddressInfo).port;
}, 180_000);

afterAll(async () => {
  await new Promise((resolve) => proxy?.close(resolve));
  for (const app of apps) await app.close();
  await second?.close();
  await db?.close();
});

/** One request on its own connection (no keep-alive: the proxy picks a backend per connection). */
function send(method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: proxyPort, method, path, agent: false, headers: { host: `127.0.0.1:${proxyPort}`, ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('two server processes behind one port', () => {
  it('a login form rendered by one is accepted by the other', async () => {
    const page = await send('GET', '/cabinet/login', {});
    expect(page.status).toBe(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const pre = /cabinet_pre=([^;]+)/.exec(String(page.headers['set-cookie']))![1]!;
    const form = new URLSearchParams({ _csrf: csrf, account: '0242013137', password: 'demo-0242013137' }).toString();
    const res = await send('POST', '/cabinet/login', {
      cookie: `cabinet_pre=${pre}`, 'content-type': 'application/x-www-form-urlencoded', origin: `http://127.0.0.1:${proxyPort}`,
    }, form);
    expect(served.slice(0, 2)).toEqual([0, 1]); // rendered by one, posted to the other
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/cabinet/');
    const sid = /cabinet_sid=([^;]+)/.exec(String(res.headers['set-cookie']))![1]!;

    // And the logged-in pages go on working whichever process answers.
    for (let i = 0; i < 2; i++) expect((await send('GET', '/cabinet/profile', { cookie: `cabinet_sid=${sid}` })).status).toBe(200);
  });
});
