import { afterEach, describe, expect, it } from 'vitest';
import { revokeTerminal } from '../../src/server/auth.js';
import { DEMO_SCHOOL } from '../../src/core/demo-school.js';
import { TILL_DISABLED } from '../../src/terminal/sync/client.js';
import { FakeTimers } from './fake-timers.js';
import { IVANOV, KASHA, newTerminal, startTestServer } from './harness.js';

const open: { close(): Promise<void> }[] = [];
const track = <T extends { close(): Promise<void> }>(x: T): T => { open.push(x); return x; };
afterEach(async () => { for (const x of open.splice(0).reverse()) await x.close(); });

describe('the server refuses the till', () => {
  it('a revoked till stops retrying and says so on the cashier screen; nothing is lost', async () => {
    const server = track(await startTestServer());
    const fake = new FakeTimers();
    const t = track(await newTerminal(server, { clock: fake.clock, timers: fake }));
    t.client.start();
    await t.client.idle();
    expect(t.client.pendingTimer).toBe('interval');

    await revokeTerminal(server.handle.db, DEMO_SCHOOL.terminal.id);
    await t.sell(IVANOV.card, [KASHA]);
    t.client.nudge();
    await fake.advance(1_000, () => t.client.idle());
    await t.client.idle();
    const runs = t.client.stats.runs;
    expect(t.client.state()).toMatchObject({ online: false, lastError: TILL_DISABLED, pending: 1 });
    // No timer: no retries, however long it waits or however often the till sells.
    expect(t.client.pendingTimer).toBeUndefined();
    await t.sell(IVANOV.card, [KASHA]);
    t.client.nudge();
    t.client.trigger();
    await fake.advance(24 * 60 * 60_000, () => t.client.idle());
    await t.client.idle();
    expect(t.client.stats.runs).toBe(runs);
    expect(t.client.state().pending).toBe(2);
  });
});
