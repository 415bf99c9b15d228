import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { parseMultiHostUrl } from '../../src/server/db/multi-host.js';
import { accepts } from '../../src/server/db/primary-finder.js';
import { isDbUnavailable } from '../../src/server/db/failover-errors.js';

/** What node-postgres makes of one of our single-host URLs (the connection it would open). */
function pgSees(url: string) {
  const c = new pg.Client({ connectionString: url });
  const { host, port, user, password, database } = c as unknown as { host: string; port: number; user: string; password: string; database: string };
  return { host, port, user, password, database };
}

describe('multi-host DATABASE_URL (libpq syntax)', () => {
  it('hosts with and without ports, in order; target_session_attrs read; each host becomes a URL node-postgres reads', () => {
    const u = parseMultiHostUrl('postgres://canteen:s3cret@db1:5433,db2,10.0.0.7:6432/canteen?target_session_attrs=read-write&application_name=srv');
    expect(u.hosts).toEqual([{ host: 'db1', port: 5433 }, { host: 'db2', port: 5432 }, { host: '10.0.0.7', port: 6432 }]);
    expect(u.targetSessionAttrs).toBe('read-write');
    expect(u.targetGiven).toBe(true);
    expect(u.urlFor(1)).toBe('postgres://canteen:s3cret@db2:5432/canteen?application_name=srv');
    expect(pgSees(u.urlFor(2))).toEqual({ host: '10.0.0.7', port: 6432, user: 'canteen', password: 's3cret', database: 'canteen' });
    expect(() => u.urlFor(3)).toThrow(RangeError);
  });

  it('IPv6 in brackets, with and without a port', () => {
    const u = parseMultiHostUrl('postgresql://u@[::1]:5433,[fe80::1%25eth0],[2001:db8::2]/db');
    expect(u.hosts).toEqual([{ host: '::1', port: 5433 }, { host: 'fe80::1%eth0', port: 5432 }, { host: '2001:db8::2', port: 5432 }]);
    expect(u.urlFor(0)).toBe('postgresql://u@[::1]:5433/db');
    expect(pgSees(u.urlFor(2))).toMatchObject({ host: '2001:db8::2', port: 5432, database: 'db' });
  });

  it('percent-encoding: a password with @ , / : and a socket folder as a host survive; the default target is any', () => {
    const u = parseMultiHostUrl('postgres://us%40er:p%40ss%2C%2F%3Aw@%2Fvar%2Frun%2Fpostgresql:5433,db2:5434/my%20db');
    expect(u.hosts).toEqual([{ host: '/var/run/postgresql', port: 5433 }, { host: 'db2', port: 5434 }]);
    expect(u.targetSessionAttrs).toBe('any');
    expect(u.targetGiven).toBe(false);
    expect(pgSees(u.urlFor(1))).toEqual({ host: 'db2', port: 5434, user: 'us@er', password: 'p@ss,/:w', database: 'my db' });
    expect(pgSees(u.urlFor(0))).toMatchObject({ host: '/var/run/postgresql', port: 5433 });
  });

  it('every target_session_attrs libpq knows; ?port= for all hosts or one per host; no path, no query', () => {
    for (const t of ['any', 'read-write', 'read-only', 'primary', 'standby', 'prefer-standby'] as const) {
      expect(parseMultiHostUrl(`postgres://a,b/db?target_session_attrs=${t}`).targetSessionAttrs).toBe(t);
    }
    expect(parseMultiHostUrl('postgres://a,b/db?port=6000').hosts).toEqual([{ host: 'a', port: 6000 }, { host: 'b', port: 6000 }]);
    expect(parseMultiHostUrl('postgres://a,b/db?port=6000,6001').hosts).toEqual([{ host: 'a', port: 6000 }, { host: 'b', port: 6001 }]);
    const bare = parseMultiHostUrl('postgres://a:1,b:2');
    expect(bare.urlFor(1)).toBe('postgres://b:2');
  });

  it('refuses what libpq refuses, in Russian', () => {
    expect(() => parseMultiHostUrl('postgres://a,b/db?target_session_attrs=primary-ish')).toThrow(/target_session_attrs=primary-ish: допустимо any, read-write/);
    expect(() => parseMultiHostUrl('postgres://a:54x,b/db')).toThrow(/неверный порт «54x»/);
    expect(() => parseMultiHostUrl('postgres://a:70000,b/db')).toThrow(/неверный порт/);
    expect(() => parseMultiHostUrl('postgres://[::1,b/db')).toThrow(/не закрыта скобка IPv6/);
    expect(() => parseMultiHostUrl('mysql://a,b/db')).toThrow(/ожидается postgres/);
    expect(() => parseMultiHostUrl('postgres://a,b,c/db?port=1,2')).toThrow(/2 портов на 3 хостов/);
  });
});

describe('which host is kept', () => {
  const primary = { inRecovery: false, readOnly: false };
  const standby = { inRecovery: true, readOnly: true };
  const readOnlyPrimary = { inRecovery: false, readOnly: true };
  it('follows libpq: read-write excludes standbys and read-only primaries, primary only standbys', () => {
    expect([primary, standby, readOnlyPrimary].map((s) => accepts('read-write', s))).toEqual([true, false, false]);
    expect([primary, standby, readOnlyPrimary].map((s) => accepts('primary', s))).toEqual([true, false, true]);
    expect([primary, standby, readOnlyPrimary].map((s) => accepts('standby', s))).toEqual([false, true, false]);
    expect([primary, standby, readOnlyPrimary].map((s) => accepts('read-only', s))).toEqual([false, true, true]);
    expect([primary, standby].map((s) => accepts('any', s))).toEqual([true, true]);
  });
});

describe('errors that mean "the primary is gone"', () => {
  it('socket codes, shutdown and read-only SQLSTATEs, node-postgres messages, also wrapped by drizzle; not data errors', () => {
    const wrapped = (cause: unknown) => Object.assign(new Error('Failed query: insert …'), { cause });
    for (const e of [
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5433'), { code: 'ECONNREFUSED' }),
      Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
      Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
      Object.assign(new Error('the database system is shutting down'), { code: '57P03' }),
      Object.assign(new Error('cannot execute INSERT in a read-only transaction'), { code: '25006' }),
      new Error('Connection terminated unexpectedly'),
      wrapped(Object.assign(new Error('x'), { code: '08006' })),
      wrapped(new Error('cannot execute UPDATE in a read-only transaction')),
    ]) expect(isDbUnavailable(e), String(e)).toBe(true);
    for (const e of [
      Object.assign(new Error('duplicate key'), { code: '23505' }),
      Object.assign(new Error('deadlock'), { code: '40P01' }),
      wrapped(Object.assign(new Error('bad'), { code: '22P02' })),
      new Error('Касса устарела'), undefined, 'ECONNREFUSED',
    ]) expect(isDbUnavailable(e), String(e)).toBe(false);
  });
});
