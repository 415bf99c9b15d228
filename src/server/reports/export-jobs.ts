import { sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import type { StaffRole } from '../../api/admin/common.js';
import type { Grant } from '../../api/admin/staff.js';
import type { DistrictExportBody, ExportJob, ExportKind, SchoolExportBody } from '../../api/admin/export-jobs.js';
import { query, type Tx } from '../db/open.js';
import { HttpError } from '../errors.js';
import { accessAt, requireDistrict } from '../api/route.js';
import { dayRange } from './range.js';

/**
 * Export jobs (issue 16, point 8): what a POST makes and a GET shows. The worker that computes them
 * is export-worker.ts. A job is one person's: another person (even of the same school) is told it
 * does not exist, and the person's access to the report is checked again on every read, so a grant
 * taken away also takes away the file.
 */
export const SCHOOL_READERS: StaffRole[] = ['districtAdmin', 'schoolAdmin', 'manager', 'accountant'];

/** Who may have a report of a kind, as the report's own route says (routes-reports.ts). */
export function rolesFor(kind: ExportKind, district: boolean): StaffRole[] {
  if (kind === 'districtDay') return ['districtAdmin'];
  if (kind === 'reimbursement') return district ? ['districtAdmin', 'accountant'] : ['districtAdmin', 'schoolAdmin', 'accountant'];
  return SCHOOL_READERS;
}

export interface JobRow {
  id: string; staff_id: string; idempotency_key: string; kind: ExportKind; school_id: string | null; params: Record<string, unknown>;
  format: 'xlsx' | 'csv' | 'pdf'; status: ExportJob['status']; phase: 'query' | 'write' | null; rows_done: number; rows_total: number | null;
  error: string | null; file_name: string | null; size: unknown; created_at: unknown; finished_at: unknown; expires_at: unknown;
}

const iso = (v: unknown) => (v == null ? null : new Date(v as string).toISOString());

export function jobView(r: JobRow): ExportJob {
  return {
    id: r.id, kind: r.kind, format: r.format, schoolId: r.school_id, status: r.status, phase: r.phase,
    rowsDone: Number(r.rows_done), rowsTotal: r.rows_total == null ? null : Number(r.rows_total), error: r.error,
    fileName: r.file_name, size: r.size == null ? null : Number(r.size),
    createdAt: iso(r.created_at)!, finishedAt: iso(r.finished_at), expiresAt: iso(r.expires_at),
    fileUrl: r.status === 'done' ? `/report-exports/${r.id}/file` : null,
  };
}

/**
 * Makes the job, or answers the one this person already made with this key (a double click, a
 * retried request). The same key for other parameters is a 409: the console makes a key per set.
 * `schoolId` is the school of a school's report, null for a district-wide one.
 */
export async function createExportJob(db: Tx, staffId: string, schoolId: string | null, body: SchoolExportBody | DistrictExportBody,
  audit: (e: { action: string; entity: string; entityId: string; schoolId: string | null; after: unknown }) => Promise<void>): Promise<{ job: ExportJob; created: boolean }> {
  const { key, format, kind, ...params } = body;
  if ('from' in params) dayRange(params.from, params.to ?? params.from, 'UTC');   // 400 before a job is made: to < from, too long
  const school = schoolId ?? ('schoolId' in params ? params.schoolId ?? null : null);
  if (school) {
    const [found] = await query<{ id: string }>(db, sql`SELECT id FROM schools WHERE id = ${school}`);
    if (!found) throw new HttpError(404, 'NOT_FOUND', 'Школа не найдена');
  }
  const id = uuidv7();
  const inserted = await query<JobRow>(db, sql`
    INSERT INTO export_jobs (id, staff_id, idempotency_key, kind, school_id, params, format)
    VALUES (${id}, ${staffId}, ${key}, ${kind}, ${schoolId}, ${JSON.stringify(params)}::jsonb, ${format})
    ON CONFLICT (staff_id, idempotency_key) DO NOTHING RETURNING *`);
  if (inserted[0]) {
    await audit({ action: 'reportExport', entity: 'export_job', entityId: id, schoolId: school, after: { kind, format, ...params } });
    return { job: jobView(inserted[0]), created: true };
  }
  const [same] = await query<JobRow>(db, sql`SELECT * FROM export_jobs WHERE staff_id = ${staffId} AND idempotency_key = ${key}`);
  if (!same || same.kind !== kind || same.format !== format || same.school_id !== schoolId || JSON.stringify(sorted(same.params)) !== JSON.stringify(sorted(params))) {
    throw new HttpError(409, 'CONFLICT', 'Этот ключ выгрузки уже использован для другой выгрузки: обновите страницу');
  }
  return { job: jobView(same), created: false };
}

const sorted = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined).sort(([a], [b]) => a.localeCompare(b)));

/** A running job whose heartbeat is older than this belongs to a process that is gone. */
export const STALE_MS = 60_000;
export const INTERRUPTED = 'прервано перезапуском сервера, запустите заново';

/**
 * The caller's own job, with the caller's access to its report checked again; 404 for anyone else's.
 * A running job whose worker stopped beating is marked failed here and now (not only at the next sweep).
 */
export async function ownJob(db: Tx, staff: { id: string; grants: Grant[] }, jobId: string): Promise<JobRow> {
  const [found] = await query<JobRow & { stale: boolean }>(db, sql`
    SELECT *, (status = 'running' AND heartbeat_at < now() - make_interval(secs => ${STALE_MS / 1000})) AS stale FROM export_jobs WHERE id = ${jobId}`);
  if (!found || found.staff_id !== staff.id) throw new HttpError(404, 'NOT_FOUND', 'Выгрузка не найдена');
  const roles = rolesFor(found.kind, found.school_id === null);
  if (found.school_id) accessAt(staff.grants, roles, found.school_id);
  else requireDistrict(staff.grants, roles);
  if (!found.stale) return found;
  const [failed] = await query<JobRow>(db, sql`UPDATE export_jobs SET status = 'failed', error = ${INTERRUPTED}, finished_at = now()
    WHERE id = ${jobId} AND status = 'running' RETURNING *`);
  return failed ?? found;
}
