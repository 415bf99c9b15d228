import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/server/app.js';
import { openDb, query, type DbHandle } from '../../src/server/db/open.js';
import { seedDemo } from '../../src/server/admin/seed-demo.js';
import { recordTopUp } from '../../src/server/ledger/server-entries.js';
import { freePort, Jar, missing, skipReason } from './harness.js';
import { PG_BIN, scratch, startPrimary, startReplica, type Cluster } from './clusters.js';

// Issue 17: DATABASE_REPLICA_URL sends the cabinet's statements to a streaming replica (a second
// cluster made here with pg_basebackup), and a parent who just wrote something reads the primary
// until the replica has replayed past that write.
const reason = await missing([`${PG_BIN}/initdb`, `${PG_BIN}/pg_basebackup`]);
const skip = skipReason(reason, 'read replica');

const ACCOUNT = '0242013137';

describe.skipIf(skip)('cabinet reads on a streaming replica', () => {
  let root: ReturnType<typeof scratch>;
  let primary: Cluster;
  let replica: Cluster;
  let handle: DbHandle;
  let app: FastifyInstance;
  let url = '';

  beforeAll(async () => {
    root = scratch();
    primary = startPrimary(root.dir, await freePort());
    const seed = await openDb({ url: primary.url(), poolSize: 2 });
    await seedDemo(seed.db);
    await seed.close();
    replica = startReplica(root.dir, primary, await freePort());
    handle = await openDb({ url: primary.url(), replicaUrl: replica.url(), poolSize: 3, migrate: false });
    app = await buildServer(handle, { housekeeping: { intervalMs: 0 }, cabinet: { lowBalanceIntervalMs: 0 } });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const addr = app.server.address();
    url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  }, 180_000);

  afterAll(async () => {
    await app?.close();
    await handle?.close();
    replica?.stop('immediate');
    primary?.stop('immediate');
    root?.cleanup();
  });

  const replayed = async () => (await query<{ ok: boolean }>(handle.replica!, sql`
    SELECT pg_last_wal_replay_lsn() >= ${(await query<{ l: string }>(handle.db, sql`SELECT pg_current_wal_lsn()::text AS l`))[0]!.l}::pg_lsn AS ok`))[0]!.ok;
  const pause = () => handle.replica!.execute(sql`SELECT pg_wal_replay_pause()`);
  const resume = () => handle.replica!.execute(sql`SELECT pg_wal_replay_resume()`);

  it('the statement comes from the replica; after a write the parent reads the primary until the replica has replayed it', async () => {
    const jar = new Jar();
    await jar.page(`${url}/cabinet/login`);
    expect((await jar.postForm(`${url}/cabinet/login`, { account: ACCOUNT, password: `demo-${ACCOUNT}` })).status).toBe(303);
    await vi.waitFor(async () => expect(await replayed()).toBe(true), { timeout: 20_000, interval: 100 });
    expect((await jar.page(`${url}/cabinet/statement`)).status).toBe(200);

    // The replica stops replaying: a top-up on the primary is not in what the replica serves.
    await pause();
    await recordTopUp(handle.db, ACCOUNT, 12_345, { source: 'replica-test' });
    const stale = await jar.page(`${url}/cabinet/statement?range=30d`);
    expect(stale.status).toBe(200);
    expect(stale.html).not.toContain('123,45');

    // The parent writes (a daily limit): from now on the primary answers them, the top-up is there.
    await jar.page(`${url}/cabinet/controls`);
    expect((await jar.postForm(`${url}/cabinet/controls/limit`, { limit: '300' })).status).toBe(303);
    expect(jar.cookies.has('cabinet_lsn')).toBe(true);
    expect((await jar.page(`${url}/cabinet/statement?range=30d`)).html).toContain('123,45');

    // Replayed past the write: back on the replica (paused again, a newer top-up is not shown yet).
    await resume();
    await vi.waitFor(async () => expect(await replayed()).toBe(true), { timeout: 20_000, interval: 100 });
    await pause();
    await recordTopUp(handle.db, ACCOUNT, 67_890, { source: 'replica-test' });
    const again = await jar.page(`${url}/cabinet/statement?range=30d`);
    expect(again.html).toContain('123,45');
    expect(again.html).not.toContain('678,90');
    await resume();
  });
});
