import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const CANTEEN = fileURLToPath(new URL('../../bin/canteen.mjs', import.meta.url));

/** A free TCP port on 127.0.0.1. */
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

export interface ServerProcess {
  url: string;
  pid: number;
  /** CPU seconds (user + system) the process has used so far. */
  cpuSeconds(): number;
  /** Resident memory now, MiB. */
  rssMb(): number;
  stop(): Promise<void>;
}

/**
 * `canteen server` as operators run it, in a child process (unmodified: its own Node, its request
 * log to `logFile`), behind an imagined proxy at 127.0.0.1 (`--trust-proxy`), housekeeping off.
 */
export async function startServerProcess(opts: { databaseUrl: string; logFile: string; env?: Record<string, string> }): Promise<ServerProcess> {
  const port = await freePort();
  const fd = openSync(opts.logFile, 'a');
  // REGION_CPU_PROF=DIR: a V8 CPU profile of the server (written when it stops), for `node --cpu-prof` reading.
  const prof = process.env.REGION_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.REGION_CPU_PROF] : [];
  const child: ChildProcess = spawn(process.execPath, [...prof, CANTEEN, 'server', '--port', String(port), '--trust-proxy', '127.0.0.1', '--housekeeping-minutes', '0'], {
    env: { ...process.env, DATABASE_URL: opts.databaseUrl, NODE_ENV: 'development', ...opts.env },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}; see ${opts.logFile}`);
    try {
      const res = await fetch(`${url}/api/v1/health`);
      if (res.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) { child.kill('SIGKILL'); throw new Error(`server did not start; see ${opts.logFile}`); }
    await new Promise((r) => setTimeout(r, 200));
  }
  const pid = child.pid!;
  const tick = 100; // USER_HZ on Linux
  return {
    url, pid,
    cpuSeconds() {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return (Number(fields[11]) + Number(fields[12])) / tick;
    },
    rssMb() {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      return m ? Number(m[1]) / 1024 : NaN;
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** CPU seconds of a set of processes (PostgreSQL backends), 0 for those that are gone. */
export function cpuOfPids(pids: number[]): number {
  let total = 0;
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      total += (Number(fields[11]) + Number(fields[12])) / 100;
    } catch { /* exited */ }
  }
  return total;
}
