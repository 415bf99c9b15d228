import { z } from 'zod';
import { schoolParamsSchema, STAFF_ROLES } from '../../api/admin/common.js';
import {
  calendarChangeSchema, calendarMarkSchema, calendarMonthSchema, monthQuerySchema, orderSettingsInputSchema, orderSettingsViewSchema,
  quarantineCreatedSchema, quarantineInputSchema, quarantineLiftSchema, sittingDeleteResultSchema, sittingInputSchema, sittingListSchema,
  sittingParamsSchema, sittingUpdateSchema, sittingViewSchema,
} from '../../api/admin/order-setup.js';
import { createSitting, deleteSitting, sittingList, updateSitting } from '../orders/sittings.js';
import { orderSettingsView, putOrderSettings } from '../orders/settings.js';
import { calendarMonth, createQuarantine, liftQuarantine, markDays } from '../orders/calendar.js';
import { defineRoute, type AnyRoute } from './route.js';

/**
 * How a school takes meal orders (docs/orders.md, console page «Питание: режим» and «Календарь»):
 * sittings, order settings, holidays and quarantines. The school's admins and its production
 * manager edit; class teachers and the accountant read; the calendar is read by everyone at the school.
 */
const EDIT = ['districtAdmin', 'schoolAdmin', 'manager'] as const;
const READ = [...EDIT, 'classTeacher', 'accountant'] as const;
const base = '/schools/:schoolId/orders';

export const orderSetupRoutes: AnyRoute[] = [
  defineRoute({
    method: 'GET', url: `${base}/sittings`, summary: 'Приёмы пищи школы (время, классы, категория меню), классы и категории для выбора', tags: ['заявки'],
    roles: READ, scope: 'school', params: schoolParamsSchema, response: sittingListSchema,
    async handler(c) { return sittingList(c.db, c.school.schoolId); },
  }),
  defineRoute({
    method: 'POST', url: `${base}/sittings`, summary: 'Новый приём пищи (завтрак, обед, полдник)', tags: ['заявки'],
    roles: EDIT, scope: 'school', params: schoolParamsSchema, body: sittingInputSchema, response: sittingViewSchema, status: 201,
    async handler(c) { return createSitting(c.db, c.actor, c.school.schoolId, c.body); },
  }),
  defineRoute({
    method: 'PUT', url: `${base}/sittings/:sittingId`, summary: 'Изменить приём пищи (version обязателен); снятый с приёма класс теряет открытые заказы на него', tags: ['заявки'],
    roles: EDIT, scope: 'school', params: sittingParamsSchema, body: sittingUpdateSchema, response: sittingViewSchema,
    async handler(c) { return updateSitting(c.db, c.actor, c.school.schoolId, c.params.sittingId, c.body); },
  }),
  defineRoute({
    method: 'DELETE', url: `${base}/sittings/:sittingId`, summary: 'Удалить приём пищи без зафиксированных заявок (открытые заказы освобождаются)', tags: ['заявки'],
    roles: EDIT, scope: 'school', params: sittingParamsSchema, response: sittingDeleteResultSchema,
    async handler(c) { return { ok: true as const, released: await deleteSitting(c.db, c.actor, c.school.schoolId, c.params.sittingId) }; },
  }),
  defineRoute({
    method: 'GET', url: `${base}/settings`, summary: 'Настройки заказа: срок подачи, «заказано, не съедено», горизонт, питание 1–4 классов', tags: ['заявки'],
    roles: READ, scope: 'school', params: schoolParamsSchema, response: orderSettingsViewSchema,
    async handler(c) { return orderSettingsView(c.db, c.school.schoolId); },
  }),
  defineRoute({
    method: 'PUT', url: `${base}/settings`, summary: 'Сохранить настройки заказа (version: прочитанная, 0 — ещё не сохранялись); зафиксированные дни не меняются', tags: ['заявки'],
    roles: EDIT, scope: 'school', params: schoolParamsSchema, body: orderSettingsInputSchema, response: orderSettingsViewSchema,
    async handler(c) { return putOrderSettings(c.db, c.actor, c.school.schoolId, c.body, c.now); },
  }),
  defineRoute({
    method: 'GET', url: `${base}/calendar`, summary: 'Календарь питания за месяц: учебные дни, каникулы, карантины, зафиксированные дни', tags: ['заявки'],
    roles: STAFF_ROLES, scope: 'school', params: schoolParamsSchema, query: monthQuerySchema, response: calendarMonthSchema,
    async handler(c) { return calendarMonth(c.db, c.school.schoolId, c.query.month); },
  }),
  defineRoute({
    method: 'POST', url: `${base}/calendar/days`, summary: 'Отметить дни всей школы: каникулы, учебный день или как обычно (зафиксированный день не меняется)', tags: ['заявки'],
    roles: EDIT, scope: 'school', params: schoolParamsSchema, body: calendarMarkSchema, response: calendarChangeSchema,
    async handler(c) { return markDays(c.db, c.actor, c.school.schoolId, c.body, c.now); },
  }),
  defineRoute({
    method: 'POST', url: `${base}/quarantines`, summary: 'Карантин классов (или всей школы) на дни: заказы этих дней освобождаются', tags: ['заявки'],
    roles: EDIT, scope: 'school', params: schoolParamsSchema, body: quarantineInputSchema, response: quarantineCreatedSchema, status: 201,
    async handler(c) { return createQuarantine(c.db, c.actor, c.school.schoolId, c.body, c.now); },
  }),
  defineRoute({
    method: 'POST', url: `${base}/quarantines/:quarantineId/lift`, summary: 'Снять карантин с даты (с первого дня — убрать целиком)', tags: ['заявки'],
    roles: EDIT, scope: 'school', params: schoolParamsSchema.extend({ quarantineId: z.string().min(1).max(100) }), body: quarantineLiftSchema, response: calendarChangeSchema,
    async handler(c) { return liftQuarantine(c.db, c.actor, c.school.schoolId, c.params.quarantineId, c.body.fromDay, c.now); },
  }),
];
