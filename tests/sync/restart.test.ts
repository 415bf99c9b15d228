import { afterAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/server/app.js';
import {
  IVANOV, KASHA, newTerminal, reconcileDifferences, serverBalance, serverEntriesOf, startTestServer, topUpAll,
  type TestServer, type TestTerminal,
} from './harness.js';
import { Cable } from './net.js';

describe('server restarted mid-push', () => {
  let server: TestServer;
  let t: TestTerminal;
  let second: Awaited<ReturnType<typeof buildServer>> | undefined;
  afterAll(async () => { await t?.close(); await second?.close(); await server?.close(); });

  it('the push resumes against the restarted server: nothing lost, nothing doubled', async () => {
    server = await startTestServer();
    await topUpAll(server.handle);
    const cable = new Cable();
    t = await newTerminal(server, { fetch: cable.fetch, batchSize: 250 });
    const before = await serverBalance(server.handle, IVANOV.account);
    cable.down = true;
    for (let i = 0; i < 2000; i++) await t.sell(IVANOV.card, [KASHA]);
    cable.down = false;

    // Kill the server (sockets dropped, like a process dying) once a few batches got through.
    const run = t.client.syncOnce();
    while (t.client.stats.pushRequests < 3) await new Promise((r) => setImmediate(r));
    server.app.server.closeAllConnections();
    const closing = server.app.close();
    await expect(run).rejects.toThrow();
    await closing;
    const partial = (await serverEntriesOf(server.handle, t.terminalId)).length;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(2000);
    expect(t.pending()).toBeGreaterThan(0);

    // A new server process on the same database, at another address.
    second = await buildServer(server.handle);
    await second.listen({ port: 0, host: '127.0.0.1' });
    const addr = second.server.address();
    cable.target = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    await t.client.syncOnce();

    const remote = await serverEntriesOf(server.handle, t.terminalId);
    const local = t.localEntries();
    expect(remote.map((r) => r.uuid)).toEqual(local.map((e) => e.uuid));
    expect(remote.map((r) => r.seq)).toEqual(local.map((_, i) => i + 1));
    expect(t.pending()).toBe(0);
    expect(await serverBalance(server.handle, IVANOV.account)).toBe(before - 2000 * 830);
    expect(await t.shownBalance(IVANOV.card)).toBe(before - 2000 * 830);
    expect(await reconcileDifferences(server.handle)).toEqual([]);
  });
});
