import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { reviewFlags } from '../db/schema.js';
import type { Tx } from '../db/open.js';
import { okSchema, schoolParamsSchema } from '../../api/admin/common.js';
import { diagnosticsRequestedSchema, diagnosticsViewSchema, enrollCodeRequestSchema, enrollCodeSchema, tillViewSchema } from '../../api/admin/tills.js';
import { latestDiagnostics, requestDiagnostics } from '../releases/diagnostics.js';
import { flagListQuerySchema, flagResolveSchema, flagViewSchema } from '../../api/admin/flags.js';
import { listTills, newEnrollmentCode, revokeTill } from '../admin/tills.js';
import { listFlags, resolveFlag } from '../admin/flags.js';
import { HttpError } from '../errors.js';
import { defineRoute, type AnyRoute } from './route.js';

const ADMINS = ['districtAdmin', 'schoolAdmin'] as const;
const tillParams = schoolParamsSchema.extend({ terminalId: z.string().min(1).max(100) });

export const tillRoutes: AnyRoute[] = [
  defineRoute({
    method: 'GET', url: '/schools/:schoolId/tills', summary: 'Кассы школы и их состояние (связь, версия, очередь, Z-отчёт, устройства, часы)', tags: ['кассы'],
    roles: [...ADMINS, 'manager'], scope: 'school', params: schoolParamsSchema, response: z.array(tillViewSchema),
    async handler(c) {
      return listTills(c.db, c.school.schoolId, c.now);
    },
  }),
  defineRoute({
    method: 'POST', url: '/schools/:schoolId/tills/enrollment-codes', summary: 'Одноразовый код регистрации кассы (новой или повторно — с terminalId)', tags: ['кассы'],
    roles: ADMINS, scope: 'school', params: schoolParamsSchema, body: enrollCodeRequestSchema, response: enrollCodeSchema, status: 201,
    async handler(c) {
      return newEnrollmentCode(c.db, c.actor, c.school.schoolId, c.body);
    },
  }),
  defineRoute({
    method: 'POST', url: '/schools/:schoolId/tills/:terminalId/revoke', summary: 'Отозвать токен кассы (сразу)', tags: ['кассы'],
    roles: ADMINS, scope: 'school', params: tillParams, response: okSchema,
    async handler(c) {
      await revokeTill(c.db, c.actor, c.school.schoolId, c.params.terminalId);
      return { ok: true as const };
    },
  }),
  defineRoute({
    method: 'POST', url: '/schools/:schoolId/tills/:terminalId/diagnostics', summary: 'Запросить у кассы диагностику (версии, синхронизация, устройства, журнал без персональных данных); касса пришлёт её при следующей синхронизации', tags: ['кассы'],
    roles: ADMINS, scope: 'school', params: tillParams, response: diagnosticsRequestedSchema, status: 201,
    async handler(c) {
      const r = await requestDiagnostics(c.db, c.school.schoolId, c.params.terminalId, c.staff.fullName);
      await c.audit({ action: 'till.diagnostics', entity: 'till', entityId: c.params.terminalId, schoolId: c.school.schoolId, after: { requestId: r.id } });
      return r;
    },
  }),
  defineRoute({
    method: 'GET', url: '/schools/:schoolId/tills/:terminalId/diagnostics', summary: 'Последняя диагностика кассы (или ожидание её)', tags: ['кассы'],
    roles: ADMINS, scope: 'school', params: tillParams, response: diagnosticsViewSchema,
    async handler(c) {
      return latestDiagnostics(c.db, c.school.schoolId, c.params.terminalId);
    },
  }),
];

export const flagRoutes: AnyRoute[] = [
  defineRoute({
    method: 'GET', url: '/schools/:schoolId/flags', summary: 'Отметки на проверку (продажи с заблокированной картой, перерасход …)', tags: ['отметки'],
    roles: [...ADMINS, 'manager', 'accountant'], scope: 'school', params: schoolParamsSchema, query: flagListQuerySchema, response: z.array(flagViewSchema),
    async handler(c) {
      const rows = await listFlags(c.db, { state: c.query.state, schoolId: c.school.schoolId, limit: c.query.limit });
      return rows.filter((f) => (!c.query.reason || f.reason === c.query.reason) && (!c.query.accountNumber || f.accountNumber === c.query.accountNumber));
    },
  }),
  defineRoute({
    method: 'POST', url: '/schools/:schoolId/flags/:flagId/resolve', summary: 'Закрыть отметку с примечанием (кто, когда, что сделано; один раз)', tags: ['отметки'],
    roles: [...ADMINS, 'manager'], scope: 'school', params: schoolParamsSchema.extend({ flagId: z.coerce.number().int().min(1) }), body: flagResolveSchema, response: flagViewSchema,
    async handler(c) {
      const [own] = await flagAt(c.db, c.school.schoolId, c.params.flagId);
      if (!own) throw new HttpError(404, 'NOT_FOUND', 'Отметка не найдена в этой школе');
      const r = await resolveFlag(c.db, c.params.flagId, c.staff.fullName, c.body.note);
      if (r.status === 'notFound') throw new HttpError(404, 'NOT_FOUND', 'Отметка не найдена в этой школе');
      if (r.status === 'already') throw new HttpError(409, 'CONFLICT', `Отметка уже закрыта: ${r.flag.resolvedBy ?? ''}, ${r.flag.resolvedAt ?? ''}`, { resolvedBy: r.flag.resolvedBy, resolutionNote: r.flag.resolutionNote });
      await c.audit({ action: 'flag.resolve', entity: 'flag', entityId: String(r.flag.id), schoolId: c.school.schoolId, before: own, after: r.flag });
      return r.flag;
    },
  }),
];

function flagAt(db: Tx, schoolId: string, id: number) {
  return db.select().from(reviewFlags).where(and(eq(reviewFlags.id, id), eq(reviewFlags.schoolId, schoolId)));
}
