import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { compareVersions } from '../core/version.js';

/**
 * When a till updates itself (issue 18). Plain Node: Electron main gives it
 * electron-updater (electron/updates.ts) and the installers it keeps; tests give
 * fakes. The rules:
 *
 * - download in the background whatever newer version the server offers this till;
 * - install only when no shift is open and nothing is waiting to be sent (it
 *   pushes first), and only if the server still offers that version (a withdrawn
 *   release that was already downloaded is dropped);
 * - the update journal (<data>/update-state.json) knows an install is under way;
 *   the new version confirms its start once its core is open; a start that throws,
 *   or `maxStarts` starts without a confirmation (a crash), reinstalls the previous
 *   version and reports it; a version that was rolled back is not taken again
 *   (a newer one is).
 *
 * What happened is reported to the server with every pull (`statusWord()`, the
 * till status's `update` field) and shown in the console's till table.
 */

/** The part of electron-updater the policy uses (autoDownload off, autoInstallOnAppQuit off). */
export interface UpdaterPort {
  /** The version the server offers now (null: none, or the server does not answer). */
  check(): Promise<string | null>;
  /** Downloads the offered version (sha512 checked by the updater); resolves when it is on disk. */
  download(version: string): Promise<void>;
  /** Quits the app and runs the installer of the downloaded version. */
  install(version: string): void;
}

/** Puts the previous version back (its kept installer, or AppImage). Throws when it cannot. */
export interface Reinstaller {
  reinstall(version: string): Promise<void>;
}

/** What the till is doing: an update never interrupts a lunch. */
export interface TillGate {
  shiftOpen(): boolean;
  /** Entries not yet acknowledged by the server. */
  pending(): number;
  /** Push now (best effort; pending() tells whether it worked). */
  syncNow?(): Promise<void>;
}

export interface UpdateJournal {
  phase: 'idle' | 'installing' | 'starting' | 'rollingBack';
  from?: string;
  to?: string;
  starts?: number;
  reason?: string;
  /** What the last update did, for the server: installed / rolledBack / notInstalled / rollbackFailed. */
  last?: { result: 'installed' | 'rolledBack' | 'notInstalled' | 'rollbackFailed'; from: string; to: string; at: string; reason?: string };
  /** Versions that failed to start here: never offered to install again. */
  bad?: string[];
}

export type StartVerdict = 'normal' | 'verify' | 'rollback';

const FILE = 'update-state.json';

export function readJournal(dataDir: string): UpdateJournal {
  try {
    return JSON.parse(readFileSync(path.join(dataDir, FILE), 'utf8')) as UpdateJournal;
  } catch {
    return { phase: 'idle' };
  }
}

/** Written whole to a temporary file, then renamed: a power cut leaves the old journal or the new one. */
export function writeJournal(dataDir: string, j: UpdateJournal): void {
  const file = path.join(dataDir, FILE);
  writeFileSync(`${file}.tmp`, JSON.stringify(j, null, 2), { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

export interface UpdatePolicyOptions {
  dataDir: string;
  currentVersion: string;
  updater: UpdaterPort;
  reinstaller: Reinstaller;
  /** Starts of a new version without a confirmation before it is taken as failed (default 2). */
  maxStarts?: number;
  log?: (line: string) => void;
  now?: () => Date;
}

export class UpdatePolicy {
  private downloaded: string | undefined;
  private waiting: 'shift' | 'pending' | undefined;
  private busy = false;
  private readonly maxStarts: number;

  constructor(private readonly o: UpdatePolicyOptions) {
    this.maxStarts = o.maxStarts ?? 2;
  }

  private get journal(): UpdateJournal { return readJournal(this.o.dataDir); }
  private save(j: UpdateJournal): void { writeJournal(this.o.dataDir, j); }
  private at(): string { return (this.o.now?.() ?? new Date()).toISOString(); }

  /**
   * First thing at start, before the core opens. `rollback`: the caller calls
   * `rollBack()` (this version failed to start too often); `verify`: it calls
   * `confirmStarted()` once the core is open, or `failedStart(err)`.
   */
  onStart(): StartVerdict {
    const j = this.journal;
    const v = this.o.currentVersion;
    if (j.phase === 'installing' && j.to === v) {
      this.save({ ...j, phase: 'starting', starts: 1 });
      return 'verify';
    }
    if (j.phase === 'starting' && j.to === v) {
      const starts = (j.starts ?? 0) + 1;
      if (starts > this.maxStarts) {
        this.save({ ...j, phase: 'starting', starts, reason: j.reason ?? `версия ${v} не запустилась ${starts - 1} раз(а)` });
        return 'rollback';
      }
      this.save({ ...j, starts });
      return 'verify';
    }
    if (j.phase === 'installing' && j.from === v) {
      // The installer did not run or did not finish: still the old version.
      this.save({ ...j, phase: 'idle', last: { result: 'notInstalled', from: v, to: j.to ?? '?', at: this.at() } });
      return 'normal';
    }
    if (j.phase === 'rollingBack') {
      const ok = j.from === v;
      this.save({
        phase: 'idle', bad: j.bad, reason: undefined,
        last: { result: ok ? 'rolledBack' : 'rollbackFailed', from: j.to ?? '?', to: j.from ?? '?', at: this.at(), ...(j.reason ? { reason: j.reason } : {}) },
      });
      return 'normal';
    }
    if (j.phase === 'starting' && j.to !== v) this.save({ ...j, phase: 'idle' });
    return 'normal';
  }

  /** The new version's core opened: the update is done. */
  confirmStarted(): void {
    const j = this.journal;
    if (j.phase !== 'starting' || j.to !== this.o.currentVersion) return;
    this.save({ phase: 'idle', bad: j.bad, last: { result: 'installed', from: j.from ?? '?', to: j.to, at: this.at() } });
    this.o.log?.(`Обновление до ${j.to} установлено`);
  }

  /** The new version could not start (its core threw): back to the previous one now. */
  async failedStart(err: unknown): Promise<void> {
    const j = this.journal;
    if (j.phase !== 'starting' || j.to !== this.o.currentVersion) return;
    this.save({ ...j, reason: String((err as Error)?.message ?? err).slice(0, 200) });
    await this.rollBack();
  }

  /** Reinstalls the version this one replaced; the next start (the old version) reports it. */
  async rollBack(): Promise<void> {
    const j = this.journal;
    if (!j.from || !j.to) return;
    const bad = [...new Set([...(j.bad ?? []), j.to])];
    this.save({ ...j, phase: 'rollingBack', bad });
    this.o.log?.(`Версия ${j.to} не запускается: возврат к ${j.from}`);
    try {
      await this.o.reinstaller.reinstall(j.from);
    } catch (err) {
      // Nothing to go back to: the till stays on the new version, and the server is told.
      this.save({ phase: 'idle', bad, last: { result: 'rollbackFailed', from: j.to, to: j.from, at: this.at(), reason: `${j.reason ?? ''} ${String((err as Error)?.message ?? err)}`.trim().slice(0, 300) } });
      this.o.log?.(`Возврат к ${j.from} невозможен: ${(err as Error).message}`);
    }
  }

  /**
   * One round: look for an offer and download it; install when the till is idle.
   * Called on a timer and after a shift closes. Returns what it did.
   */
  async tick(gate: TillGate): Promise<'none' | 'downloaded' | 'waiting' | 'installing' | 'dropped'> {
    if (this.busy) return 'none';
    this.busy = true;
    try {
      const offered = await this.o.updater.check().catch(() => null);
      const wanted = offered && compareVersions(offered, this.o.currentVersion) > 0 && !(this.journal.bad ?? []).includes(offered) ? offered : null;
      if (this.downloaded && this.downloaded !== wanted) {
        // Withdrawn (or replaced by a newer one) after we downloaded it.
        this.o.log?.(`Обновление ${this.downloaded} больше не предлагается сервером`);
        this.downloaded = undefined;
        this.waiting = undefined;
        if (!wanted) return 'dropped';
      }
      if (!wanted) return 'none';
      if (!this.downloaded) {
        await this.o.updater.download(wanted);
        this.downloaded = wanted;
        this.o.log?.(`Обновление ${wanted} скачано; установится после закрытия смены`);
      }
      if (gate.shiftOpen()) { this.waiting = 'shift'; return 'waiting'; }
      if (gate.pending() > 0) await gate.syncNow?.().catch(() => undefined);
      if (gate.pending() > 0 || gate.shiftOpen()) { this.waiting = gate.shiftOpen() ? 'shift' : 'pending'; return 'waiting'; }
      this.save({ ...this.journal, phase: 'installing', from: this.o.currentVersion, to: wanted, starts: 0 });
      this.o.log?.(`Установка обновления ${wanted}`);
      this.o.updater.install(wanted);
      return 'installing';
    } catch (err) {
      this.o.log?.(`Обновление не скачано: ${(err as Error).message}`);
      return 'none';
    } finally {
      this.busy = false;
    }
  }

  /** For the till status (printable ASCII, ≤ 60): "downloaded 1.2.0 wait shift", "rolledBack 1.2.0>1.1.0" … */
  statusWord(): string | undefined {
    if (this.downloaded) return `downloaded ${this.downloaded}${this.waiting ? ` wait ${this.waiting}` : ''}`.slice(0, 60);
    const last = this.journal.last;
    if (!last) return undefined;
    return `${last.result} ${last.from}>${last.to}`.replace(/[^\x20-\x7e]/g, '?').slice(0, 60);
  }
}

/** True when the data folder has an update journal (tests, diagnostics). */
export function hasJournal(dataDir: string): boolean {
  return existsSync(path.join(dataDir, FILE));
}
