import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { openTerminalDb } from '../../src/terminal/db/open.js';
import { PosService } from '../../src/terminal/pos-service.js';
import { SyncClient } from '../../src/terminal/sync/client.js';
import { SYNC_PATHS } from '../../src/api/sync.js';
import { flagsOf, IVANOV, KASHA, newTerminal, serverEntriesOf, startTestServer } from './harness.js';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => { for (const x of open.splice(0).reverse()) await x.close(); });

describe('a terminal whose database was restored from an older copy', () => {
  it('says so on screen while its new sales reuse numbers the server has, and stops saying it once past them', async () => {
    const server = await startTestServer();
    open.push(server);
    const t = await newTerminal(server);
    await t.sell(IVANOV.card, [KASHA]);
    await t.client.syncOnce();
    // The backup is taken here (entry 1 on the server); the till then sells twice more and syncs.
    const backupPath = path.join(path.dirname(t.dbPath), 'backup.sqlite');
    await t.sqlite.backup(backupPath);
    await t.sell(IVANOV.card, [KASHA]);
    await t.sell(IVANOV.card, [KASHA]);
    await t.client.syncOnce();
    expect(t.client.state().ledgerWarning).toBeUndefined();
    const token = (t.client as unknown as { opts: { token: string } }).opts.token;
    await t.close();

    // The disk dies; IT restores the backup. The restored till knows entries up to 1, the server up to 3.
    const { sqlite } = openTerminalDb(backupPath);
    sqlite.pragma('synchronous = OFF');
    const client = new SyncClient({ poke: false, watchMs: 0, serverUrl: server.url, sqlite, token, terminalId: t.terminalId });
    open.push({ close: async () => { await client.stop(); sqlite.close(); } });
    const service = new PosService(sqlite, { requireTap: false, sync: { state: () => client.state() }, pinPepper: t.pinPepper });
    expect((await service.login('1111')).ok).toBe(true);
    const sell = async () => {
      const r = await service.sell({ saleId: uuidv7(), cardId: IVANOV.card, lines: [{ itemId: KASHA, quantity: 1 }] });
      if (!r.ok) throw new Error(r.error.message);
    };
    await sell(); // entry 2 again, with a new uuid
    await client.syncOnce();
    const warned = client.state().ledgerWarning;
    expect(warned).toMatch(/База кассы старее, чем на сервере \(сервер принял проводки до №3, на кассе последняя №2\)/);
    // The status the UI reads carries it, and it survives a restart of the client.
    const status = await service.status();
    expect(status.ok && status.value.sync.ledgerWarning).toBe(warned);
    expect(new SyncClient({ poke: false, watchMs: 0, serverUrl: server.url, sqlite, token, terminalId: t.terminalId }).state().ledgerWarning).toBe(warned);
    // The server kept that sale for review instead of applying it over its own entry 2.
    const local2 = sqlite.prepare('SELECT uuid FROM entries WHERE seq = 2').pluck().get() as string;
    expect(await flagsOf(server.handle, local2)).toEqual([{ entryUuid: local2, reason: 'seqReused' }]);

    // Two more sales take seqs 3 (the server has one) and 4 (new): past the server's seq, the warning goes.
    await sell();
    await sell();
    await client.syncOnce();
    expect(client.state().ledgerWarning).toBeUndefined();
    expect((await serverEntriesOf(server.handle, t.terminalId)).map((e) => e.seq)).toEqual([1, 2, 3, 4]);
  });
});

describe('a server that lost entries it had acknowledged', () => {
  it('an idle till learns it from the next pull and sends them again; the server keeps each once', async () => {
    const server = await startTestServer();
    open.push(server);
    // The server fails over to a replica that had not received the last two entries (asynchronous
    // replication): its pulls say it has this till's entries up to 1 while the till holds acks up to 3.
    let lostAfter: number | undefined;
    const pushed: number[][] = [];
    const pulls: string[] = [];
    const fetchVia = async (input: string, init: RequestInit): Promise<Response> => {
      if (input.includes(SYNC_PATHS.pull)) pulls.push(input);
      if (input.includes(SYNC_PATHS.push) && typeof init.body === 'string') {
        pushed.push((JSON.parse(init.body) as { entries: { seq: number }[] }).entries.map((e) => e.seq));
      }
      const res = await fetch(input, init);
      if (lostAfter === undefined || !input.includes(SYNC_PATHS.pull)) return res;
      const body = (await res.json()) as { lastSeq: number };
      return new Response(JSON.stringify({ ...body, lastSeq: lostAfter }), { status: res.status, headers: res.headers });
    };
    const t = await newTerminal(server, { fetch: fetchVia });
    open.push(t);
    for (let i = 0; i < 3; i++) await t.sell(IVANOV.card, [KASHA]);
    await t.client.syncOnce();
    expect(t.pending()).toBe(0);

    lostAfter = 1;
    pushed.length = 0;
    const out = await t.client.syncOnce();
    // Back in the outbox (nothing new was sold, so no push would have found the gap).
    expect(t.pending()).toBe(2);
    expect(out.pull.lastSeq).toBe(1);
    lostAfter = undefined;
    pulls.length = 0;
    const again = await t.client.syncOnce();
    expect(pushed.flat()).toEqual([2, 3]);
    // …and pulls everything afresh: a cursor from the lost stretch is not trusted.
    expect(pulls).toHaveLength(1);
    expect(pulls[0]).not.toContain('cursor=');
    expect(again.pull.reset).toBe(true);
    expect(t.pending()).toBe(0);
    const rows = await serverEntriesOf(server.handle, t.terminalId);
    expect(rows.map((r) => r.uuid)).toEqual(t.localEntries().map((e) => e.uuid));
  });
});
