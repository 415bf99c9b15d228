import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';

/** Debian's PostgreSQL 15 server programs (initdb, pg_ctl, pg_basebackup). */
export const PG_BIN = '/usr/lib/postgresql/15/bin';

/** Runs a PostgreSQL program as the postgres user (the server refuses to run as root). */
function asPostgres(program: string, args: string[]): string {
  const bin = path.join(PG_BIN, program);
  const cmd = userInfo().uid === 0 ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] as const : [bin, args] as const;
  return execFileSync(cmd[0], [...cmd[1]], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export interface Cluster {
  dir: string; port: number; url(db?: string): string; stop(mode?: 'fast' | 'immediate'): void;
  /** A standby becomes a primary (pg_ctl promote, waits until it accepts writes). */
  promote(): void;
}

function cluster(dir: string, port: number): Cluster {
  return {
    dir, port,
    url: (db = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${db}`,
    stop(mode = 'fast') { try { asPostgres('pg_ctl', ['-D', dir, '-m', mode, '-w', 'stop']); } catch { /* not running */ } },
    promote() { asPostgres('pg_ctl', ['-D', dir, '-w', 'promote']); },
  };
}

/** A temporary folder the postgres user owns, removed by `cleanup`. */
export function scratch(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'canteen-pg-'));
  if (userInfo().uid === 0) execFileSync('chown', ['postgres:postgres', dir]);
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A throw-away primary: trust auth (replication too), WAL for a streaming replica, no fsync (a test). */
export function startPrimary(root: string, port: number): Cluster {
  const dir = path.join(root, 'primary');
  asPostgres('initdb', ['-D', dir, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale', 'C.UTF-8']);
  appendFileSync(dir + '/postgresql.conf', [
    `port = ${port}`, "listen_addresses = '127.0.0.1'", `unix_socket_directories = '${root}'`,
    'wal_level = replica', 'max_wal_senders = 4', 'fsync = off', 'synchronous_commit = on', 'shared_buffers = 32MB', '',
  ].join('\n'));
  asPostgres('pg_ctl', ['-D', dir, '-l', path.join(root, 'primary.log'), '-w', 'start']);
  return cluster(dir, port);
}

/** A streaming replica of `primary` made with pg_basebackup -R, started as a hot standby on `port`. */
export function startReplica(root: string, primary: Cluster, port: number): Cluster {
  const dir = path.join(root, 'replica');
  asPostgres('pg_basebackup', ['-h', '127.0.0.1', '-p', String(primary.port), '-U', 'postgres', '-D', dir, '-R', '-X', 'stream', '--no-sync']);
  // A primary made synchronous later (ALTER SYSTEM) may have it in its copied config: a promoted standby with no standby of its own must not wait for one.
  appendFileSync(dir + '/postgresql.auto.conf', `port = ${port}\nhot_standby = on\nsynchronous_standby_names = ''\n`);
  asPostgres('pg_ctl', ['-D', dir, '-l', path.join(root, 'replica.log'), '-w', 'start']);
  return cluster(dir, port);
}
