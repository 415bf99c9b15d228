import os from 'node:os';
import type { FastifyInstance } from 'fastify';
import { DEMO_SCHOOL } from '../core/demo-school.js';
import type { DbHandle } from '../server/db/open.js';
import type { ServerLink } from './runtime.js';

/**
 * The demo's central server inside this process: PGlite (a folder, or memory),
 * the demo school seeded, listening on 127.0.0.1. `stop()` / `start()` take it
 * off and back on the network on the same port with the same data, which is
 * how the end-to-end test plays "the server is down".
 */
export interface EmbeddedServer {
  url: string;
  port: number;
  handle: DbHandle;
  running(): boolean;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Enrols a terminal the way an admin and a cashier would: a one-time code, redeemed over HTTP. */
  enrollDemoTerminal(): Promise<ServerLink & { schoolId: string; schoolCode: string; schoolName: string }>;
  close(): Promise<void>;
}

export async function startEmbeddedServer(opts: { dataDir?: string; port?: number } = {}): Promise<EmbeddedServer> {
  const [{ openDb }, { seedDemo }, { buildServer }, { TestGateway }, { newToken }] = await Promise.all([
    import('../server/db/open.js'),
    import('../server/admin/seed-demo.js'),
    import('../server/app.js'),
    import('../server/cabinet/test-gateway.js'),
    import('../server/tokens.js'),
  ]);
  const handle = await openDb(opts.dataDir ? { dataDir: opts.dataDir } : {});
  try {
    await seedDemo(handle.db);
  } catch (err) {
    await handle.close();
    throw err;
  }
  let app: FastifyInstance | undefined;
  let port = opts.port ?? 0;

  const start = async () => {
    if (app) return;
    // The demo's card payments go through the built-in test bank, turned on here by name: a real server never has it.
    const a = await buildServer(handle, { cabinet: { gateway: new TestGateway(newToken()) } });
    await a.listen({ host: '127.0.0.1', port });
    const addr = a.server.address();
    if (addr && typeof addr === 'object') port = addr.port;
    app = a;
  };
  const stop = async () => {
    const a = app;
    app = undefined;
    await a?.close();
  };
  await start().catch(async (err) => { await handle.close(); throw err; });
  // Receipts' login block must point at this very server's cabinet, not the demo data's placeholder.
  await pointCabinetHere(handle, `http://127.0.0.1:${port}/cabinet/`);

  return {
    get url() { return `http://127.0.0.1:${port}`; },
    get port() { return port; },
    handle,
    running: () => app !== undefined,
    stop,
    start,
    async enrollDemoTerminal() {
      const [{ createEnrollmentCode }, { enrollTerminal }] = await Promise.all([
        import('../server/auth.js'),
        import('../terminal/sync/enroll.js'),
      ]);
      const { code } = await createEnrollmentCode(handle.db, { schoolId: DEMO_SCHOOL.school.id, terminalId: DEMO_SCHOOL.terminal.id });
      const url = `http://127.0.0.1:${port}`;
      const res = await enrollTerminal(url, code, { hostName: os.hostname() });
      return {
        serverUrl: url, token: res.token, terminalId: res.terminalId, terminalName: res.terminalName,
        schoolId: res.schoolId, schoolCode: res.schoolCode, schoolName: res.schoolName, pinPepper: res.pinPepper,
      };
    },
    async close() { await stop(); await handle.close(); },
  };
}

async function pointCabinetHere(handle: DbHandle, cabinetUrl: string): Promise<void> {
  const [{ eq }, { schools }] = await Promise.all([import('drizzle-orm'), import('../server/db/schema.js')]);
  await handle.db.update(schools).set({ cabinetUrl }).where(eq(schools.id, DEMO_SCHOOL.school.id));
}
