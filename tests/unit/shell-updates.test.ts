import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readJournal, UpdatePolicy, type TillGate, type UpdaterPort } from '../../src/shell/updates.js';

/**
 * The till's update policy (issue 18) with a fake updater: downloads in the
 * background, installs only with the shift closed and the outbox empty, drops a
 * withdrawn release, confirms or rolls back a new version's start.
 */

class FakeUpdater implements UpdaterPort {
  offered: string | null = null;
  downloads: string[] = [];
  installs: string[] = [];
  async check() { return this.offered; }
  async download(v: string) { this.downloads.push(v); }
  install(v: string) { this.installs.push(v); }
}

class FakeTill implements TillGate {
  open = false;
  outbox = 0;
  /** Whether a push gets through. */
  online = true;
  shiftOpen() { return this.open; }
  pending() { return this.outbox; }
  async syncNow() { if (this.online) this.outbox = 0; }
}

let dir: string;
beforeEach(() => { dir = mkdtempSync(path.join(tmpdir(), 'canteen-upd-')); });
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const reinstalled: string[] = [];
const policy = (currentVersion: string, updater: UpdaterPort, reinstall: (v: string) => Promise<void> = async (v) => { reinstalled.push(v); }) =>
  new UpdatePolicy({ dataDir: dir, currentVersion, updater, reinstaller: { reinstall }, now: () => new Date('2026-12-07T15:00:00Z') });

describe('update policy: when to install', () => {
  it('downloads at once but installs only after the shift closes and the outbox is sent', async () => {
    const up = new FakeUpdater();
    const till = new FakeTill();
    const p = policy('1.0.0', up);
    expect(await p.tick(till)).toBe('none');
    up.offered = '1.1.0';
    till.open = true;
    expect(await p.tick(till)).toBe('waiting');
    expect(up.downloads).toEqual(['1.1.0']);
    expect(up.installs).toEqual([]);
    expect(p.statusWord()).toBe('downloaded 1.1.0 wait shift');

    // Shift closed, but the network is down and three sales are not sent: still no install.
    till.open = false;
    till.outbox = 3;
    till.online = false;
    expect(await p.tick(till)).toBe('waiting');
    expect(p.statusWord()).toBe('downloaded 1.1.0 wait pending');
    expect(up.installs).toEqual([]);
    expect(up.downloads).toEqual(['1.1.0']); // not downloaded twice

    // The network is back: the policy pushes first, then installs.
    till.online = true;
    expect(await p.tick(till)).toBe('installing');
    expect(till.outbox).toBe(0);
    expect(up.installs).toEqual(['1.1.0']);
    expect(readJournal(dir)).toMatchObject({ phase: 'installing', from: '1.0.0', to: '1.1.0' });
  });

  it('takes nothing older or equal; drops a downloaded release the server withdrew', async () => {
    const up = new FakeUpdater();
    const till = new FakeTill();
    const p = policy('1.1.0', up);
    up.offered = '1.1.0';
    expect(await p.tick(till)).toBe('none');
    up.offered = '1.0.9';
    expect(await p.tick(till)).toBe('none');
    expect(up.downloads).toEqual([]);

    till.open = true;
    up.offered = '1.2.0';
    expect(await p.tick(till)).toBe('waiting');
    up.offered = '1.1.0'; // 1.2.0 withdrawn: the stable channel is back at 1.1.0
    till.open = false;
    expect(await p.tick(till)).toBe('dropped');
    expect(up.installs).toEqual([]);
    expect(p.statusWord()).toBeUndefined();
  });

  it('a server that does not answer changes nothing', async () => {
    const up = new FakeUpdater();
    up.check = () => Promise.reject(new Error('ECONNREFUSED'));
    const p = policy('1.0.0', up);
    expect(await p.tick(new FakeTill())).toBe('none');
  });
});

describe('update policy: the start after an install', () => {
  async function installed(from: string, to: string): Promise<FakeUpdater> {
    const up = new FakeUpdater();
    up.offered = to;
    expect(await policy(from, up).tick(new FakeTill())).toBe('installing');
    return up;
  }

  it('a new version that opens its core confirms the update and reports it', async () => {
    await installed('1.0.0', '1.1.0');
    const p = policy('1.1.0', new FakeUpdater());
    expect(p.onStart()).toBe('verify');
    p.confirmStarted();
    expect(readJournal(dir)).toMatchObject({ phase: 'idle', last: { result: 'installed', from: '1.0.0', to: '1.1.0' } });
    expect(p.statusWord()).toBe('installed 1.0.0>1.1.0');
    expect(policy('1.1.0', new FakeUpdater()).onStart()).toBe('normal');
  });

  it('a new version whose core throws goes back to the previous one; the old version reports it and never takes it again', async () => {
    reinstalled.length = 0;
    await installed('1.0.0', '1.1.0');
    const p = policy('1.1.0', new FakeUpdater());
    expect(p.onStart()).toBe('verify');
    await p.failedStart(new Error('no such column: receipts.series'));
    expect(reinstalled).toEqual(['1.0.0']);

    // The previous version starts again.
    const up = new FakeUpdater();
    up.offered = '1.1.0';
    const old = policy('1.0.0', up);
    expect(old.onStart()).toBe('normal');
    expect(readJournal(dir).last).toMatchObject({ result: 'rolledBack', from: '1.1.0', to: '1.0.0', reason: 'no such column: receipts.series' });
    expect(old.statusWord()).toBe('rolledBack 1.1.0>1.0.0');
    expect(await old.tick(new FakeTill())).toBe('none');
    expect(up.downloads).toEqual([]);
    // A fixed, newer release is taken.
    up.offered = '1.1.1';
    expect(await old.tick(new FakeTill())).toBe('installing');
  });

  it('a new version that crashes before confirming is rolled back on the third start', async () => {
    reinstalled.length = 0;
    await installed('1.0.0', '1.1.0');
    expect(policy('1.1.0', new FakeUpdater()).onStart()).toBe('verify');
    expect(policy('1.1.0', new FakeUpdater()).onStart()).toBe('verify');
    const third = policy('1.1.0', new FakeUpdater());
    expect(third.onStart()).toBe('rollback');
    await third.rollBack();
    expect(reinstalled).toEqual(['1.0.0']);
    expect(policy('1.0.0', new FakeUpdater()).onStart()).toBe('normal');
    expect(readJournal(dir).last).toMatchObject({ result: 'rolledBack', reason: 'версия 1.1.0 не запустилась 2 раз(а)' });
  });

  it('no installer to go back to: the till stays, and says so', async () => {
    await installed('1.0.0', '1.1.0');
    const p = policy('1.1.0', new FakeUpdater(), () => Promise.reject(new Error('нет установщика 1.0.0')));
    p.onStart();
    await p.failedStart(new Error('boom'));
    expect(readJournal(dir)).toMatchObject({ phase: 'idle', last: { result: 'rollbackFailed', reason: 'boom нет установщика 1.0.0' } });
    expect(p.statusWord()).toBe('rollbackFailed 1.1.0>1.0.0');
  });

  it('an installer that never ran leaves the old version, reported as not installed', async () => {
    await installed('1.0.0', '1.1.0');
    const p = policy('1.0.0', new FakeUpdater());
    expect(p.onStart()).toBe('normal');
    expect(p.statusWord()).toBe('notInstalled 1.0.0>1.1.0');
  });
});
