import { chmod, mkdir, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import type { Db, DbHandle } from '../db/open.js';
import { query } from '../db/open.js';
import { HttpError } from '../errors.js';
import type { ReportFile } from './export.js';
import { FILE_WRITERS } from './export-stream.js';
import { INTERRUPTED, STALE_MS, type JobRow } from './export-jobs.js';
import { districtDayReport } from './district-day.js';
import { reconciliationReport } from './reconciliations.js';
import { reimbursementReport } from './reimbursement.js';
import { districtDayFile, reconciliationFile, reimbursementFile, schoolDayFile } from './report-files.js';
import { schoolDayReport } from './school-day.js';

/**
 * The export jobs' worker, one per server process: takes queued jobs one at a time (FOR UPDATE SKIP
 * LOCKED, so several processes on one database never take the same job), computes the report with
 * the same SQL as its route, writes the file row by row (export-stream.ts) into the exports
 * directory (0700, files 0600), and records the phase and the rows written.
 *
 * A job is not resumed after a restart: its report is one set of queries and a half-written file is
 * worth nothing, so starting again is as cheap as resuming and simpler to trust. A running job whose
 * heartbeat stops (the process died or was stopped) is marked failed «прервано перезапуском сервера,
 * запустите заново»: at once by a process that stops cleanly; otherwise once its heartbeat is `staleMs`
 * old, by the next read of the job (export-jobs.ts ownJob), a process starting, or the sweep. Done files
 * are removed `keepMs` after they were made (24 h), the job then says «expired».
 */
export { INTERRUPTED };
/** Finished jobs' rows are kept this long (their files only `keepMs`). */
export const ROW_KEEP_MS = 90 * 24 * 3600_000;

export interface ExportWorkerOptions {
  now?: () => Date;
  keepMs?: number;
  staleMs?: number;
  heartbeatMs?: number;
  /** How often to look for stale jobs, expired files and queued jobs nobody kicked (default 10 min). */
  sweepMs?: number;
  onError?: (err: unknown) => void;
  /** Awaited once a job is taken, before its queries (tests hold a job there to see it running). */
  gate?: (jobId: string) => Promise<void>;
}

const WORKERS = new WeakMap<DbHandle, ExportWorker>();
/** The worker serving this database handle's jobs (set by buildServer). */
export const exportWorkerOf = (handle: DbHandle): ExportWorker | undefined => WORKERS.get(handle);

export class ExportWorker {
  private poll: NodeJS.Timeout | undefined;
  private busy = false;
  private again = false;
  private stopped = false;
  private current: string | null = null;
  private lastSweep = 0;
  private readonly o: Required<ExportWorkerOptions>;

  constructor(private readonly handle: DbHandle, readonly dir: string, opts: ExportWorkerOptions = {}) {
    this.o = {
      now: () => new Date(), keepMs: 24 * 3600_000, staleMs: STALE_MS, heartbeatMs: 5_000, sweepMs: 10 * 60_000,
      onError: () => {}, gate: () => Promise.resolve(), ...opts,
    };
  }

  private get db(): Db { return this.handle.db; }

  async start(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await chmod(this.dir, 0o700);
    if (!WORKERS.has(this.handle)) WORKERS.set(this.handle, this);
    // No polling of the queue (a query every few seconds on every server, for jobs that are rare): a
    // new job kicks the worker; the sweep's timer also takes any job left queued (made by a process that stopped).
    this.poll = setInterval(() => { this.lastSweep = 0; this.kick(); }, this.o.sweepMs);
    this.poll.unref();
    // The first sweep and take before the server answers anything.
    await this.drain().catch((err: unknown) => this.o.onError(err));
  }

  /** Look for work now (after a job was made). */
  kick(): void {
    if (this.stopped) return;
    if (this.busy) { this.again = true; return; }
    this.busy = true;
    void this.drain().catch((err: unknown) => { if (!this.stopped) this.o.onError(err); }).finally(() => {
      this.busy = false;
      if (this.again) { this.again = false; this.kick(); }
    });
  }

  /** Stops taking jobs; the one running is marked interrupted (its queries are left to fail). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.poll);
    if (WORKERS.get(this.handle) === this) WORKERS.delete(this.handle);
    const id = this.current;
    if (id) {
      await this.db.execute(sql`UPDATE export_jobs SET status = 'failed', error = ${INTERRUPTED}, finished_at = now()
        WHERE id = ${id} AND status = 'running'`).catch(() => {});
      await unlink(this.partOf(id)).catch(() => {});
    }
  }

  /** Where a done job's file is (the job id is ours, a UUID: no path from outside). */
  fileOf(id: string, format: string): string { return path.join(this.dir, `${id}.${format}`); }
  private partOf(id: string): string { return path.join(this.dir, `${id}.part`); }

  private async drain(): Promise<void> {
    if (Date.now() - this.lastSweep >= this.o.sweepMs) await this.sweep();
    while (!this.stopped) {
      const [job] = await query<JobRow>(this.db, sql`
        UPDATE export_jobs SET status = 'running', phase = 'query', started_at = now(), heartbeat_at = now()
        WHERE id = (SELECT id FROM export_jobs WHERE status = 'queued' ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
        RETURNING *`);
      if (!job) return;
      await this.run(job);
    }
  }

  /** Running jobs nobody is heartbeating → failed; done files past their time → removed. */
  async sweep(): Promise<void> {
    this.lastSweep = Date.now();
    const stale = await query<{ id: string }>(this.db, sql`
      UPDATE export_jobs SET status = 'failed', error = ${INTERRUPTED}, finished_at = now()
      WHERE status = 'running' AND heartbeat_at < now() - make_interval(secs => ${this.o.staleMs / 1000}) RETURNING id`);
    for (const j of stale) await unlink(this.partOf(j.id)).catch(() => {});
    const old = await query<{ id: string; format: string }>(this.db, sql`
      SELECT id, format FROM export_jobs WHERE status = 'done' AND expires_at < ${this.o.now().toISOString()}::timestamptz`);
    for (const j of old) {
      await unlink(this.fileOf(j.id, j.format)).catch((err: NodeJS.ErrnoException) => { if (err.code !== 'ENOENT') throw err; });
      await this.db.execute(sql`UPDATE export_jobs SET status = 'expired' WHERE id = ${j.id} AND status = 'done'`);
    }
    // The rows of jobs long over go too (who exported what stays in the audit log).
    await this.db.execute(sql`DELETE FROM export_jobs WHERE status IN ('expired', 'failed')
      AND created_at < ${new Date(this.o.now().getTime() - ROW_KEEP_MS).toISOString()}::timestamptz`);
  }

  private async run(job: JobRow): Promise<void> {
    this.current = job.id;
    const beat = setInterval(() => {
      void this.db.execute(sql`UPDATE export_jobs SET heartbeat_at = now() WHERE id = ${job.id} AND status = 'running'`).catch(() => {});
    }, this.o.heartbeatMs);
    beat.unref();
    const part = this.partOf(job.id);
    try {
      await this.o.gate(job.id);
      const file = await this.compute(job);
      const total = file.sheets.reduce((a, s) => a + s.rows.length, 0);
      await this.db.execute(sql`UPDATE export_jobs SET phase = 'write', rows_total = ${total}, heartbeat_at = now() WHERE id = ${job.id}`);
      await FILE_WRITERS[job.format](file, part, async (done) => {
        if (this.stopped) throw new Error(INTERRUPTED);
        await this.db.execute(sql`UPDATE export_jobs SET rows_done = ${done}, heartbeat_at = now() WHERE id = ${job.id}`);
      });
      const final = this.fileOf(job.id, job.format);
      await rename(part, final);
      const { size } = await stat(final);
      const expires = new Date(this.o.now().getTime() + this.o.keepMs).toISOString();
      await this.db.execute(sql`UPDATE export_jobs SET status = 'done', phase = NULL, rows_done = ${total}, size = ${size},
        file_name = ${`${file.fileName}.${job.format}`}, finished_at = now(), expires_at = ${expires}::timestamptz
        WHERE id = ${job.id} AND status = 'running'`);
    } catch (err) {
      await unlink(part).catch(() => {});
      if (this.stopped) return;
      // The person sees a Russian reason; an unexpected error's own text (SQL, file system) goes to the server's log only.
      const message = err instanceof HttpError ? err.message : 'не удалось сформировать файл (подробности в журнале сервера), запустите заново';
      if (!(err instanceof HttpError)) this.o.onError(err);
      await this.db.execute(sql`UPDATE export_jobs SET status = 'failed', error = ${message}, finished_at = now() WHERE id = ${job.id} AND status = 'running'`);
    } finally {
      clearInterval(beat);
      this.current = null;
    }
  }

  /** The report of the job, by the same functions as its route (routes-reports.ts). */
  private async compute(job: JobRow): Promise<ReportFile> {
    const p = job.params as { from?: string; to?: string; month?: string; day?: string; days?: number; schoolId?: string };
    const now = this.o.now();
    switch (job.kind) {
      case 'schoolDay': return schoolDayFile(await schoolDayReport(this.db, job.school_id!, p.from!, p.to ?? p.from!));
      case 'reconciliation': return reconciliationFile(await reconciliationReport(this.db, job.school_id!, p.from!, p.to ?? p.from!, now));
      case 'reimbursement': return reimbursementFile(await reimbursementReport(this.db, p.month!, job.school_id ?? p.schoolId));
      case 'districtDay': return districtDayFile(await districtDayReport(this.db, p.day!, now, p.days ?? 30));
    }
  }
}
