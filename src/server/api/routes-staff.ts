import { z } from 'zod';
import { schoolParamsSchema } from '../../api/admin/common.js';
import { staffCreateSchema, staffPasswordSchema, staffPinSchema, staffUpdateSchema, staffViewSchema } from '../../api/admin/staff.js';
import {
  createStaff, deactivateStaff, getStaffAt, listStaff, resetStaffTotp, setStaffPassword, setStaffPin, staffView, updateStaff,
} from '../staff/staff.js';
import { HttpError } from '../errors.js';
import { defineRoute, type AnyRoute } from './route.js';

const ADMINS = ['districtAdmin', 'schoolAdmin'] as const;
const staffParams = schoolParamsSchema.extend({ staffId: z.string().min(1).max(100) });

/** Staff of a school (item 1 and 2 of issue 14): the same service functions as `canteen server staff`. */
export const staffRoutes: AnyRoute[] = [
  defineRoute({
    method: 'GET', url: '/schools/:schoolId/staff', summary: 'Сотрудники школы', tags: ['сотрудники'],
    roles: ADMINS, scope: 'school', params: schoolParamsSchema, response: z.array(staffViewSchema),
    async handler(c) {
      return (await listStaff(c.db, [c.school.schoolId])).map(staffView);
    },
  }),
  defineRoute({
    method: 'POST', url: '/schools/:schoolId/staff', summary: 'Новый сотрудник (роли, логин и пароль или ПИН для кассы)', tags: ['сотрудники'],
    roles: ADMINS, scope: 'school', params: schoolParamsSchema, body: staffCreateSchema, response: staffViewSchema, status: 201,
    async handler(c) {
      if (!c.body.grants.some((g) => g.schoolId === c.school.schoolId)) {
        throw new HttpError(400, 'BAD_INPUT', 'Хотя бы одна роль должна быть в этой школе');
      }
      return staffView(await createStaff(c.db, c.actor, c.body));
    },
  }),
  defineRoute({
    method: 'GET', url: '/schools/:schoolId/staff/:staffId', summary: 'Сотрудник', tags: ['сотрудники'],
    roles: ADMINS, scope: 'school', params: staffParams, response: staffViewSchema,
    async handler(c) {
      return staffView(await getStaffAt(c.db, c.params.staffId, c.school.schoolId));
    },
  }),
  defineRoute({
    method: 'PATCH', url: '/schools/:schoolId/staff/:staffId', summary: 'Изменить сотрудника (ФИО, логин, роли, активность); version обязателен', tags: ['сотрудники'],
    roles: ADMINS, scope: 'school', params: staffParams, body: staffUpdateSchema, response: staffViewSchema,
    async handler(c) {
      await getStaffAt(c.db, c.params.staffId, c.school.schoolId);
      return staffView(await updateStaff(c.db, c.actor, c.params.staffId, c.body));
    },
  }),
  defineRoute({
    method: 'PUT', url: '/schools/:schoolId/staff/:staffId/pin', summary: 'Задать или сбросить ПИН кассы (кассы школы получат его при следующей синхронизации)', tags: ['сотрудники'],
    roles: ADMINS, scope: 'school', params: staffParams, body: staffPinSchema, response: staffViewSchema,
    async handler(c) {
      await getStaffAt(c.db, c.params.staffId, c.school.schoolId);
      return staffView(await setStaffPin(c.db, c.actor, c.params.staffId, c.body.pin));
    },
  }),
  defineRoute({
    method: 'PUT', url: '/schools/:schoolId/staff/:staffId/password', summary: 'Задать пароль сотрудника (его сеансы завершаются)', tags: ['сотрудники'],
    roles: ADMINS, scope: 'school', params: staffParams, body: staffPasswordSchema, response: staffViewSchema,
    async handler(c) {
      await getStaffAt(c.db, c.params.staffId, c.school.schoolId);
      return staffView(await setStaffPassword(c.db, c.actor, c.params.staffId, c.body.password));
    },
  }),
  defineRoute({
    method: 'POST', url: '/schools/:schoolId/staff/:staffId/totp-reset', summary: 'Сбросить аутентификатор (новый — при следующем входе)', tags: ['сотрудники'],
    roles: ADMINS, scope: 'school', params: staffParams, response: staffViewSchema,
    async handler(c) {
      await getStaffAt(c.db, c.params.staffId, c.school.schoolId);
      return staffView(await resetStaffTotp(c.db, c.actor, c.params.staffId));
    },
  }),
  defineRoute({
    method: 'POST', url: '/schools/:schoolId/staff/:staffId/deactivate', summary: 'Отключить сотрудника: доступ закрыт сразу, кассы — при следующей синхронизации', tags: ['сотрудники'],
    roles: ADMINS, scope: 'school', params: staffParams, response: staffViewSchema,
    async handler(c) {
      await getStaffAt(c.db, c.params.staffId, c.school.schoolId);
      return staffView(await deactivateStaff(c.db, c.actor, c.params.staffId));
    },
  }),
];
