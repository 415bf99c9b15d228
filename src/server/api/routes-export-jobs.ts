import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { z } from 'zod';
import { schoolParamsSchema } from '../../api/admin/common.js';
import { districtExportBodySchema, exportJobParamsSchema, exportJobSchema, schoolExportBodySchema } from '../../api/admin/export-jobs.js';
import { HttpError } from '../errors.js';
import { CONTENT_TYPES } from '../reports/export.js';
import { createExportJob, jobView, ownJob, rolesFor, SCHOOL_READERS } from '../reports/export-jobs.js';
import { exportWorkerOf } from '../reports/export-worker.js';
import { defineRoute, type AnyRoute, type ApiCall } from './route.js';

/**
 * Long report exports as jobs (issue 16, point 8; docs/reports.md «Long exports»): POST makes one
 * (the same key again answers the same job), GET shows its progress, GET …/file downloads it.
 */
function started(c: ApiCall<unknown, unknown, unknown>): void {
  // The job is visible to the worker once this route's transaction commits: after the answer is sent
  // ('finish'), or when the connection goes ('close', a client that did not wait; the sweep is the backstop).
  const kick = () => exportWorkerOf(c.handle)?.kick();
  c.reply.raw.once('finish', kick).once('close', kick);
}

export const exportJobRoutes: AnyRoute[] = [
  defineRoute({
    method: 'POST', url: '/schools/:schoolId/report-exports', summary: 'Выгрузка отчёта школы в файл (долгая): день школы, сверки, возмещение за месяц', tags: ['отчёты'],
    roles: SCHOOL_READERS, scope: 'school', params: schoolParamsSchema, body: schoolExportBodySchema, response: exportJobSchema,
    async handler(c) {
      const roles = rolesFor(c.body.kind, false);
      if (![...c.school.roles].some((r) => roles.includes(r))) throw new HttpError(403, 'FORBIDDEN', 'Недостаточно прав для этого отчёта');
      const { job } = await createExportJob(c.db, c.staff.id, c.school.schoolId, c.body, (e) => c.audit(e));
      started(c);
      return job;
    },
  }),
  defineRoute({
    method: 'POST', url: '/reports/exports', summary: 'Выгрузка отчёта района в файл (долгая): контроль дня, возмещение за месяц', tags: ['отчёты'],
    roles: ['districtAdmin', 'accountant'], scope: 'district', body: districtExportBodySchema, response: exportJobSchema,
    async handler(c) {
      if (!c.staff.grants.some((g) => g.schoolId === null && rolesFor(c.body.kind, true).includes(g.role))) {
        throw new HttpError(403, 'FORBIDDEN', 'Недостаточно прав: отчёт доступен администратору района');
      }
      const { job } = await createExportJob(c.db, c.staff.id, null, c.body, (e) => c.audit(e));
      started(c);
      return job;
    },
  }),
  defineRoute({
    method: 'GET', url: '/report-exports/:jobId', summary: 'Ход выгрузки: в очереди, считает, пишет строки, готово или ошибка', tags: ['отчёты'],
    roles: 'any', scope: 'signedIn', params: exportJobParamsSchema, response: exportJobSchema,
    async handler(c) {
      return jobView(await ownJob(c.db, c.staff, c.params.jobId));
    },
  }),
  defineRoute({
    method: 'GET', url: '/report-exports/:jobId/file', summary: 'Файл готовой выгрузки (хранится сутки)', tags: ['отчёты'],
    roles: 'any', scope: 'signedIn', params: exportJobParamsSchema, response: z.string(),
    async handler(c) {
      const job = await ownJob(c.db, c.staff, c.params.jobId);
      if (job.status === 'expired') throw new HttpError(404, 'NOT_FOUND', 'Файл выгрузки уже удалён (хранится сутки): запустите выгрузку заново');
      if (job.status !== 'done') throw new HttpError(409, 'CONFLICT', job.status === 'failed' ? `Выгрузка не удалась: ${job.error ?? ''}` : 'Выгрузка ещё не готова');
      const worker = exportWorkerOf(c.handle);
      const file = worker?.fileOf(job.id, job.format);
      if (!file || !(await access(file).then(() => true, () => false))) {
        throw new HttpError(404, 'NOT_FOUND', 'Файла выгрузки нет на этом сервере: запустите выгрузку заново');
      }
      const name = job.file_name ?? `export.${job.format}`;
      await c.reply.code(200).header('content-type', CONTENT_TYPES[job.format])
        .header('cache-control', 'private, no-store')
        .header('content-disposition', `attachment; filename="${name.replace(/[^\w.-]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`)
        .send(createReadStream(file));
      return c.reply as unknown as string;
    },
  }),
];
