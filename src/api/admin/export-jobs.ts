import { z } from 'zod';
import { isValidDay } from '../../core/period.js';

/**
 * Long report exports (issue 16, point 8): a POST makes a job (one per person and idempotency key,
 * so a double click makes one), the server's worker computes the report and writes its file, the
 * console polls the job's progress and downloads the file when it is ready (kept for a day).
 */
const day = z.string().refine(isValidDay, 'дата в виде ГГГГ-ММ-ДД (существующий день)');
const month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'месяц в виде ГГГГ-ММ');
/** Made by the console once per set of parameters: the same key again answers the same job. */
const key = z.string().regex(/^[\w-]{8,100}$/, 'ключ выгрузки: 8–100 латинских букв, цифр, «-» или «_»');
export const exportFormatSchema = z.enum(['xlsx', 'csv', 'pdf']);
export type ExportFormat = z.infer<typeof exportFormatSchema>;

export const EXPORT_KINDS = ['schoolDay', 'reimbursement', 'reconciliation', 'districtDay'] as const;
export type ExportKind = typeof EXPORT_KINDS[number];

/** A school's report as a job (POST /schools/:schoolId/report-exports). */
export const schoolExportBodySchema = z.discriminatedUnion('kind', [
  z.object({ key, format: exportFormatSchema, kind: z.literal('schoolDay'), from: day, to: day.optional() }),
  z.object({ key, format: exportFormatSchema, kind: z.literal('reconciliation'), from: day, to: day.optional() }),
  z.object({ key, format: exportFormatSchema, kind: z.literal('reimbursement'), month }),
]);
export type SchoolExportBody = z.infer<typeof schoolExportBodySchema>;

/** A district-wide report as a job (POST /reports/exports). */
export const districtExportBodySchema = z.discriminatedUnion('kind', [
  z.object({ key, format: exportFormatSchema, kind: z.literal('districtDay'), day, days: z.number().int().min(1).max(62).default(30) }),
  z.object({ key, format: exportFormatSchema, kind: z.literal('reimbursement'), month, schoolId: z.string().min(1).max(100).optional() }),
]);
export type DistrictExportBody = z.infer<typeof districtExportBodySchema>;

export const exportJobParamsSchema = z.object({ jobId: z.string().regex(/^[0-9a-f-]{36}$/, 'неверный номер выгрузки') });

export const exportJobSchema = z.object({
  id: z.string(),
  kind: z.enum(EXPORT_KINDS),
  format: exportFormatSchema,
  schoolId: z.string().nullable(),
  /** queued → running → done | failed; expired once the file is removed. */
  status: z.enum(['queued', 'running', 'done', 'failed', 'expired']),
  /** 'query': the database computes the report; 'write': its rows go to the file. */
  phase: z.enum(['query', 'write']).nullable(),
  rowsDone: z.number().int(),
  rowsTotal: z.number().int().nullable(),
  error: z.string().nullable(),
  fileName: z.string().nullable(),
  size: z.number().int().nullable(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  expiresAt: z.string().nullable(),
  /** Where to download the file (below /api/v1) once done. */
  fileUrl: z.string().nullable(),
});
export type ExportJob = z.infer<typeof exportJobSchema>;
