import { z } from 'zod';
import { isoDateSchema, okSchema, schoolParamsSchema, STAFF_ROLES } from '../../api/admin/common.js';
import { calendarDaySchema, calendarPutSchema, calendarQuerySchema, schoolCreateSchema, schoolUpdateSchema, schoolViewSchema } from '../../api/admin/schools.js';
import {
  createSchool, deleteCalendarDay, getSchool, listCalendar, listSchools, putCalendar, schoolView, updateSchool,
} from '../admin/school-settings.js';
import { schoolsWith } from '../staff/staff.js';
import { HttpError } from '../errors.js';
import { defineRoute, type AnyRoute } from './route.js';

const ADMINS = ['districtAdmin', 'schoolAdmin'] as const;

export const schoolRoutes: AnyRoute[] = [
  defineRoute({
    method: 'GET', url: '/schools', summary: 'Школы, где у вас есть роль (администратору района — все)', tags: ['школы'],
    roles: 'any', scope: 'signedIn', response: z.array(schoolViewSchema),
    async handler(c) {
      return (await listSchools(c.db, schoolsWith(c.staff.grants, STAFF_ROLES))).map(schoolView);
    },
  }),
  defineRoute({
    method: 'POST', url: '/schools', summary: 'Новая школа', tags: ['школы'],
    roles: ['districtAdmin'], scope: 'district', body: schoolCreateSchema, response: schoolViewSchema, status: 201,
    async handler(c) {
      return schoolView(await createSchool(c.db, c.actor, c.body));
    },
  }),
  defineRoute({
    method: 'GET', url: '/schools/:schoolId', summary: 'Настройки школы', tags: ['школы'],
    roles: STAFF_ROLES, scope: 'school', params: schoolParamsSchema, response: schoolViewSchema,
    async handler(c) {
      return schoolView(await getSchool(c.db, c.school.schoolId));
    },
  }),
  defineRoute({
    method: 'PATCH', url: '/schools/:schoolId', summary: 'Изменить настройки школы (перерасход, часовой пояс, адрес кабинета, часы без связи, аллергены на кассе); version обязателен', tags: ['школы'],
    roles: ADMINS, scope: 'school', params: schoolParamsSchema, body: schoolUpdateSchema, response: schoolViewSchema,
    async handler(c) {
      return schoolView(await updateSchool(c.db, c.actor, c.school.schoolId, c.body));
    },
  }),
  defineRoute({
    method: 'GET', url: '/schools/:schoolId/calendar', summary: 'Календарь школы: учебные дни и каникулы между датами', tags: ['школы'],
    roles: STAFF_ROLES, scope: 'school', params: schoolParamsSchema, query: calendarQuerySchema, response: z.array(calendarDaySchema),
    async handler(c) {
      if (c.query.from > c.query.to) throw new HttpError(400, 'BAD_INPUT', 'Дата «с» позже даты «по»');
      return listCalendar(c.db, c.school.schoolId, c.query.from, c.query.to);
    },
  }),
  defineRoute({
    method: 'PUT', url: '/schools/:schoolId/calendar', summary: 'Задать дни календаря (каждая дата заменяет прежнюю отметку)', tags: ['школы'],
    roles: ADMINS, scope: 'school', params: schoolParamsSchema, body: calendarPutSchema, response: okSchema,
    async handler(c) {
      await putCalendar(c.db, c.actor, c.school.schoolId, c.body.days, c.now);
      return { ok: true as const };
    },
  }),
  defineRoute({
    method: 'DELETE', url: '/schools/:schoolId/calendar/:date', summary: 'Убрать отметку даты (день снова обычный)', tags: ['школы'],
    roles: ADMINS, scope: 'school', params: schoolParamsSchema.extend({ date: isoDateSchema }), response: okSchema,
    async handler(c) {
      if (!(await deleteCalendarDay(c.db, c.actor, c.school.schoolId, c.params.date, c.now))) throw new HttpError(404, 'NOT_FOUND', 'Такой отметки нет');
      return { ok: true as const };
    },
  }),
];
