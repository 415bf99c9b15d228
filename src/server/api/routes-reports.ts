import { schoolParamsSchema } from '../../api/admin/common.js';
import {
  districtDayQuerySchema, districtDayReportSchema, monthQuerySchema, reconciliationReportSchema, reconQuerySchema, reimbursementReportSchema,
  schoolDayQuerySchema, schoolDayReportSchema, type ReportFormat,
} from '../../api/admin/reports.js';
import { commerceMl, dayDocuments } from '../reports/commerceml.js';
import { districtDayReport } from '../reports/district-day.js';
import { CONTENT_TYPES, renderFile, type ReportFile } from '../reports/export.js';
import { reconciliationReport } from '../reports/reconciliations.js';
import { reimbursementReport } from '../reports/reimbursement.js';
import { districtDayFile, reconciliationFile, reimbursementFile, schoolDayFile } from '../reports/report-files.js';
import { schoolDayReport } from '../reports/school-day.js';
import { defineRoute, type AnyRoute, type ApiCall } from './route.js';
import { z } from 'zod';
import { isValidDay } from '../../core/period.js';

/**
 * Reports (issue 16, docs/reports.md). Each answers JSON, or with `format=xlsx|csv|pdf` the same
 * report as a file (Content-Disposition: attachment).
 */
const SCHOOL_READERS = ['districtAdmin', 'schoolAdmin', 'manager', 'accountant'] as const;

/** JSON as is, or the report's file sent here (the route returns the sent reply). */
async function answer<T>(c: ApiCall<unknown, unknown, unknown>, format: ReportFormat, report: T, file: (r: T) => ReportFile): Promise<T> {
  if (format === 'json') return report;
  const f = file(report);
  const bytes = await renderFile(f, format);
  const name = `${f.fileName}.${format}`;
  await c.reply.code(200)
    .header('content-type', CONTENT_TYPES[format])
    .header('content-disposition', `attachment; filename="${name.replace(/[^\w.-]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`)
    .send(bytes);
  return c.reply as unknown as T;
}

export const reportRoutes: AnyRoute[] = [
  defineRoute({
    method: 'GET', url: '/schools/:schoolId/reports/day', summary: 'День школы: питание, кассы и кассиры, пополнения, возвраты, отметки, заказано/выдано', tags: ['отчёты'],
    roles: SCHOOL_READERS, scope: 'school', params: schoolParamsSchema, query: schoolDayQuerySchema, response: schoolDayReportSchema,
    async handler(c) {
      return answer(c, c.query.format, await schoolDayReport(c.db, c.school.schoolId, c.query.from, c.query.to ?? c.query.from), schoolDayFile);
    },
  }),
  defineRoute({
    method: 'GET', url: '/reports/district-day', summary: 'Ежедневный контроль района: по школам за день и динамика за 30 дней', tags: ['отчёты'],
    roles: ['districtAdmin'], scope: 'district', query: districtDayQuerySchema, response: districtDayReportSchema,
    async handler(c) {
      return answer(c, c.query.format, await districtDayReport(c.db, c.query.day, c.now, c.query.days), districtDayFile);
    },
  }),
  defineRoute({
    method: 'GET', url: '/reports/reimbursement', summary: 'Возмещение бюджета за месяц по всем школам (или одной: schoolId)', tags: ['отчёты'],
    roles: ['districtAdmin', 'accountant'], scope: 'district', query: monthQuerySchema, response: reimbursementReportSchema,
    async handler(c) {
      return answer(c, c.query.format, await reimbursementReport(c.db, c.query.month, c.query.schoolId, c.now), reimbursementFile);
    },
  }),
  defineRoute({
    method: 'GET', url: '/schools/:schoolId/reports/reimbursement', summary: 'Возмещение бюджета за месяц по школе: источник, категория, ученики и дни', tags: ['отчёты'],
    roles: ['districtAdmin', 'schoolAdmin', 'accountant'], scope: 'school', params: schoolParamsSchema, query: monthQuerySchema.omit({ schoolId: true }),
    response: reimbursementReportSchema,
    async handler(c) {
      return answer(c, c.query.format, await reimbursementReport(c.db, c.query.month, c.school.schoolId, c.now), reimbursementFile);
    },
  }),
  defineRoute({
    method: 'GET', url: '/schools/:schoolId/reports/reconciliation', summary: 'Сверки: касса↔сервер по сменам, остатки↔проводки, сервер↔банк, остаток на конец дня', tags: ['отчёты'],
    roles: SCHOOL_READERS, scope: 'school', params: schoolParamsSchema, query: reconQuerySchema, response: reconciliationReportSchema,
    async handler(c) {
      return answer(c, c.query.format, await reconciliationReport(c.db, c.school.schoolId, c.query.from, c.query.to ?? c.query.from, c.now), reconciliationFile);
    },
  }),
  defineRoute({
    method: 'GET', url: '/schools/:schoolId/exports/commerceml', summary: 'Документы дня школы для 1С (CommerceML 2.10): отпуск семьям и бюджету, возвраты', tags: ['отчёты'],
    roles: SCHOOL_READERS, scope: 'school', params: schoolParamsSchema,
    query: z.object({ day: z.string().refine(isValidDay, 'дата в виде ГГГГ-ММ-ДД (существующий день)') }), response: z.string(),
    async handler(c) {
      const { school, documents } = await dayDocuments(c.db, c.school.schoolId, c.query.day);
      const name = `1c-${school.code}-${c.query.day}.xml`;
      await c.reply.code(200).header('content-type', 'application/xml; charset=utf-8')
        .header('content-disposition', `attachment; filename="${name}"`).send(commerceMl(c.query.day, school, documents, c.now));
      return c.reply as unknown as string;
    },
  }),
];
