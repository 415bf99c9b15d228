import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sql } from 'drizzle-orm';
import { openDb, query, type DbHandle } from '../../src/server/db/open.js';
import { isDbUnavailable } from '../../src/server/db/failover-errors.js';
import { freePort, missing, skipReason } from './harness.js';
import { PG_BIN, scratch, startPrimary, type Cluster } from './clusters.js';

// A multi-host DATABASE_URL whose first host stops taking writes while it still answers (a primary
// demoted behind the server's back, here made read-only by default): the write fails with 25006,
// the pool looks again, keeps the host that takes writes, and the LISTEN connection follows it.
// Two independent clusters stand for the old and the new primary (what moved, not replication).
const reason = await missing([`${PG_BIN}/initdb`, `${PG_BIN}/pg_ctl`]);
const skip = skipReason(reason, 'demoted primary');

describe.skipIf(skip)('a multi-host URL whose first host becomes read-only', () => {
  const roots: ReturnType<typeof scratch>[] = [];
  const clusters: Cluster[] = [];
  let handle: DbHandle;
  const logged: string[] = [];

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      roots.push(scratch());
      clusters.push(startPrimary(roots[i]!.dir, await freePort()));
    }
    // Both clusters get the schema (the second is where the server must end up writing).
    for (const c of clusters) await (await openDb({ url: c.url(), poolSize: 2 })).close();
    const [a, b] = clusters as [Cluster, Cluster];
    handle = await openDb({
      url: `postgres://postgres@127.0.0.1:${a.port},127.0.0.1:${b.port}/postgres?target_session_attrs=read-write`,
      poolSize: 2, migrate: false, log: (line) => logged.push(line),
    });
  }, 180_000);

  afterAll(async () => {
    await handle?.close();
    for (const c of clusters) c.stop('immediate');
    for (const r of roots) r.cleanup();
  });

  const port = async () => (await query<{ p: number }>(handle.db, sql`SELECT current_setting('port')::int AS p`))[0]!.p;
  const write = () => handle.db.execute(sql`INSERT INTO server_settings (key, value) VALUES ('demoted-test', '1')
    ON CONFLICT (key) DO UPDATE SET value = (server_settings.value::int + 1)::text`);

  it('the write meets 25006, the pool moves to the host that takes writes, LISTEN follows', async () => {
    const [a, b] = clusters as [Cluster, Cluster];
    expect(await port()).toBe(a.port);
    const heard: string[] = [];
    const unlisten = await handle.listen('demoted_test', (p) => heard.push(p));
    await write();

    const { default: pg } = await import('pg');
    const admin = new pg.Client({ connectionString: a.url() });
    await admin.connect();
    try {
      await admin.query('ALTER SYSTEM SET default_transaction_read_only = on');
      await admin.query('SELECT pg_reload_conf()');
    } finally { await admin.end(); }

    // New sessions on A are read-only; the pool's sessions pick it up on reload too.
    let refused: unknown;
    await vi.waitFor(async () => {
      try { await write(); } catch (err) { refused = err; }
      expect(refused).toBeDefined();
    }, { timeout: 10_000, interval: 100 });
    expect(isDbUnavailable(refused)).toBe(true);

    await vi.waitFor(async () => expect(await port()).toBe(b.port), { timeout: 10_000, interval: 100 });
    await write();
    expect(logged.join('\n')).toContain(`database: moved from 127.0.0.1:${a.port} to 127.0.0.1:${b.port}`);

    // A NOTIFY on B reaches the listener, which was on A.
    await vi.waitFor(async () => {
      await handle.db.execute(sql`SELECT pg_notify('demoted_test', 'on b')`);
      await new Promise((r) => setTimeout(r, 100));
      expect(heard).toContain('on b');
    }, { timeout: 10_000, interval: 200 });
    await unlisten();
  });
});
