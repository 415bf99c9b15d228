import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { setCardState } from '../../src/server/admin/cards.js';
import { recordTopUp } from '../../src/server/ledger/server-entries.js';
import { SyncTransport } from '../../src/terminal/sync/transport.js';
import { pendingEntries } from '../../src/terminal/outbox.js';
import {
  flagsOf, IVANOV, KASHA, newTerminal, opening, PETROV, PIZZA, reconcileDifferences, serverBalance,
  serverEntriesOf, startTestServer, topUpAll, type TestServer, type TestTerminal,
} from './harness.js';
import { Cable } from './net.js';
import { eq } from 'drizzle-orm';
import { entries, receipts } from '../../src/server/db/schema.js';

/**
 * Syncs until `check` passes. On PGlite the first pull always carries the change. On a
 * PostgreSQL cluster shared with other work, the server's change-log cursor (snapshot xmin)
 * holds a change back while ANY older write transaction in the cluster is still running,
 * so it may arrive one pull later; the balance shown meanwhile is still correct by the rule.
 */
async function syncUntil(terms: TestTerminal[], check: () => Promise<void>): Promise<void> {
  await vi.waitFor(async () => {
    for (const t of terms) await t.client.syncOnce();
    await check();
  }, { timeout: 20_000, interval: 200 });
}

const open: { close(): Promise<void> }[] = [];
const track = <T extends { close(): Promise<void> }>(x: T): T => { open.push(x); return x; };
afterEach(async () => { for (const x of open.splice(0).reverse()) await x.close(); });

describe('two terminals, one account, both offline', () => {
  for (const order of [['A', 'B'], ['B', 'A']] as const) {
    it(`server balance = opening + all sales, each terminal shows it (reconnect ${order.join(' then ')})`, async () => {
      const server = track(await startTestServer());
      const cables = { A: new Cable(), B: new Cable() };
      const t: Record<'A' | 'B', TestTerminal> = {
        A: track(await newTerminal(server, { terminalId: 'terminal-24-1', fetch: cables.A.fetch })),
        B: track(await newTerminal(server, { terminalId: 'terminal-24-2', fetch: cables.B.fetch })),
      };
      const start = opening(IVANOV.account);
      expect(await t.A.shownBalance(IVANOV.card)).toBe(start);
      expect(await t.B.shownBalance(IVANOV.card)).toBe(start);

      cables.A.down = cables.B.down = true;
      let sold = 0;
      sold += (await t.A.sell(IVANOV.card, [PIZZA])).total;
      sold += (await t.B.sell(IVANOV.card, [KASHA, PIZZA])).total;
      sold += (await t.A.sell(IVANOV.card, [KASHA])).total;
      sold += (await t.B.sell(IVANOV.card, [KASHA])).total;
      await expect(t.A.client.syncOnce()).rejects.toThrow(/Нет связи/);
      expect(t.A.client.state()).toMatchObject({ online: false, pending: 2, configured: true });
      // Each terminal sees only its own sales while offline.
      expect(await t.A.shownBalance(IVANOV.card)).toBe(start - 3450 - 830);
      expect(await t.B.shownBalance(IVANOV.card)).toBe(start - 830 - 3450 - 830);

      const [first, second] = order;
      cables[first].down = false;
      await t[first].client.syncOnce();
      cables[second].down = false;
      await t[second].client.syncOnce();
      expect(await serverBalance(server.handle, IVANOV.account)).toBe(start - sold);
      // The first one learns about the other's sales on its next pull.
      await syncUntil([t[first], t[second]], async () => {
        expect(await t.A.shownBalance(IVANOV.card)).toBe(start - sold);
        expect(await t.B.shownBalance(IVANOV.card)).toBe(start - sold);
      });
      expect(t.A.pending()).toBe(0);
      expect(t.B.pending()).toBe(0);
      expect(t.A.client.state()).toMatchObject({ online: true, pending: 0 });
      expect(await reconcileDifferences(server.handle)).toEqual([]);
      // Receipts arrived readable: no sale was flagged for its payload.
      expect((await flagsOf(server.handle)).filter((f) => f.reason === 'badPayload')).toEqual([]);
      // One payload shape on the wire: each sale names its receipt, which is stored once (the entry keeps nothing else).
      const stored = await server.handle.db.select({ uuid: entries.uuid, receiptId: entries.receiptId, payload: entries.payload, linked: receipts.entryUuid })
        .from(entries).leftJoin(receipts, eq(receipts.id, entries.receiptId)).where(eq(entries.kind, 'sale'));
      expect(stored).toHaveLength(4);
      for (const e of stored) expect(e).toEqual({ uuid: e.uuid, receiptId: expect.any(String), payload: {}, linked: e.uuid });
    });
  }
});

describe('push protocol against the real server', () => {
  let server: TestServer;
  let cable: Cable;
  let t: TestTerminal;
  beforeAll(async () => {
    server = await startTestServer();
    await topUpAll(server.handle);
    cable = new Cable();
    t = await newTerminal(server, { fetch: cable.fetch, batchSize: 3 });
  });
  afterAll(async () => { await t?.close(); await server?.close(); });

  it('the same batch pushed three times is stored once', async () => {
    const before = await serverBalance(server.handle, IVANOV.account);
    for (let i = 0; i < 4; i++) await t.sell(IVANOV.card, [PIZZA]);
    const transport = new SyncTransport({ serverUrl: server.url, token: (t.client as unknown as { opts: { token: string } }).opts.token });
    const batch = pendingEntries(t.sqlite, 100);
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await transport.push({ terminalId: t.terminalId, entries: batch }));
    const last = batch[batch.length - 1]!.seq;
    expect(answers).toEqual([{ ackSeq: last }, { ackSeq: last }, { ackSeq: last }]);
    expect(await serverBalance(server.handle, IVANOV.account)).toBe(before - 4 * 3450);
    // The client, not knowing those acks, pushes again: still once.
    await t.client.syncOnce();
    const rows = await serverEntriesOf(server.handle, t.terminalId);
    expect(new Set(rows.map((r) => r.uuid)).size).toBe(rows.length);
    expect(rows.map((r) => r.seq)).toEqual(t.localEntries().map((e) => e.seq));
    expect(await t.shownBalance(IVANOV.card)).toBe(before - 4 * 3450);
    expect(t.pending()).toBe(0);
  });

  it('a push with a gap is answered with resumeFrom and the client fills it', async () => {
    const before = await serverBalance(server.handle, IVANOV.account);
    for (let i = 0; i < 7; i++) await t.sell(IVANOV.card, [KASHA]);
    const local = t.localEntries();
    const firstNew = local[local.length - 7]!.seq;
    // The terminal believes the first three new entries are acknowledged (say its ack record
    // came from a server backup that was later restored to an older state).
    t.sqlite.prepare(`UPDATE ledger_cursors SET outbox_acked_seq = ? WHERE id = 1`).run(firstNew + 2);
    const transport = new SyncTransport({ serverUrl: server.url, token: (t.client as unknown as { opts: { token: string } }).opts.token });
    const gapBatch = pendingEntries(t.sqlite, 100);
    expect(gapBatch[0]!.seq).toBe(firstNew + 3);
    expect(await transport.push({ terminalId: t.terminalId, entries: gapBatch })).toEqual({ ackSeq: firstNew - 1, resumeFrom: firstNew });
    expect(await serverBalance(server.handle, IVANOV.account)).toBe(before); // nothing stored

    const out = await t.client.syncOnce();
    expect(out.ackSeq).toBe(local[local.length - 1]!.seq);
    expect(await serverBalance(server.handle, IVANOV.account)).toBe(before - 7 * 830);
    const rows = await serverEntriesOf(server.handle, t.terminalId);
    expect(rows.map((r) => r.uuid)).toEqual(t.localEntries().map((e) => e.uuid));
    expect(t.pending()).toBe(0);
  });

  it('a top-up recorded on the server reaches the displayed balance on the next pull', async () => {
    await t.client.syncOnce();
    const shown = await t.shownBalance(PETROV.card);
    await recordTopUp(server.handle.db, PETROV.account, 50_000, { source: 'test' });
    expect(await t.shownBalance(PETROV.card)).toBe(shown);
    await syncUntil([t], async () => expect(await t.shownBalance(PETROV.card)).toBe(shown + 50_000));
    expect(await t.shownBalance(PETROV.card)).toBe(await serverBalance(server.handle, PETROV.account));
  });

  it('a card blocked on the server is refused after the next pull; an offline sale before it is applied and flagged', async () => {
    await t.client.syncOnce();
    const before = await serverBalance(server.handle, PETROV.account);
    cable.down = true;
    const sale = await t.sell(PETROV.card, [PIZZA]);   // offline, card still active here
    await server.handle.db.transaction((tx) => setCardState(tx, PETROV.card, 'blocked', 'потеряна'));
    cable.down = false;
    await syncUntil([t], async () => {
      const who = await t.service.identifyCard(PETROV.card);
      expect(who.ok && who.value.cardState).toBe('blocked');
    });

    const refused = await t.service.sell({ saleId: 'after-block', cardId: PETROV.card, lines: [{ itemId: KASHA, quantity: 1 }] });
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.error.code).toBe('CARD_BLOCKED');
    expect(await serverBalance(server.handle, PETROV.account)).toBe(before - sale.total);
    const saleEntry = t.localEntries().find((e) => e.kind === 'sale' && e.account_number === PETROV.account && e.amount === -sale.total)!;
    expect((await flagsOf(server.handle, saleEntry.uuid)).map((f) => f.reason)).toContain('cardBlocked');
    expect(await t.shownBalance(PETROV.card)).toBe(before - sale.total);
    expect(await reconcileDifferences(server.handle)).toEqual([]);
  });
});
