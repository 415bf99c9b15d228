import { z } from 'zod';
import { sql } from 'drizzle-orm';
import { query } from '../db/open.js';
import { HttpError } from '../errors.js';
import { schoolParamsSchema } from '../../api/admin/common.js';
import {
  attendanceInputSchema, classDayParamsSchema, classDayViewSchema, dayParamsSchema, fixResultSchema, journalImportSchema, productionSheetSchema,
  reversalInputSchema, reversalViewSchema, tabelQuerySchema, tabelSchema,
} from '../../api/admin/orders.js';
import { classDay, confirmClassDay, importJournal, markAttendance } from '../orders/class-day.js';
import { fixDayTx } from '../orders/fix.js';
import { reverseLine } from '../orders/reversal.js';
import { productionFile, productionSheet } from '../orders/production.js';
import { tabel, tabelFile } from '../orders/tabel.js';
import { CONTENT_TYPES, renderFile, type ReportFile } from '../reports/export.js';
import { getSchool } from '../admin/school-settings.js';
import { defineRoute, type AnyRoute, type ApiCall } from './route.js';

/** Meals by order (docs/orders.md): the class teacher's day, the manager's fix and reversals, the kitchen's sheet, the табель. */
const ADMINS = ['districtAdmin', 'schoolAdmin'] as const;
const TEACHERS = [...ADMINS, 'manager', 'classTeacher'] as const;
const KITCHEN = [...ADMINS, 'manager', 'accountant'] as const;

async function sendFile<T>(c: ApiCall<unknown, unknown, unknown>, f: ReportFile, format: 'xlsx' | 'csv' | 'pdf'): Promise<T> {
  const bytes = await renderFile(f, format);
  const name = `${f.fileName}.${format}`;
  await c.reply.code(200).header('content-type', CONTENT_TYPES[format])
    .header('content-disposition', `attachment; filename="${name.replace(/[^\w.-]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`)
    .send(bytes);
  return c.reply as unknown as T;
}

/** 404 for a class the school does not have (whoever asks), then 403 for a class teacher's other classes. */
async function requireClassOf(c: ApiCall<unknown, unknown, unknown>, className: string): Promise<void> {
  const [row] = await query<{ n: number }>(c.db, sql`SELECT 1 AS n FROM students WHERE school_id = ${c.school.schoolId} AND class_name = ${className} LIMIT 1`);
  if (!row) throw new HttpError(404, 'NOT_FOUND', `В школе нет класса ${className}`);
  c.requireClass(className);
}

export const orderRoutes: AnyRoute[] = [
  defineRoute({
    method: 'GET', url: '/schools/:schoolId/orders/classes/:className/days/:day', summary: 'Заявка класса на день: ученики, посещаемость, питание, льготы, остаток', tags: ['заявки'],
    roles: TEACHERS, scope: 'school', params: classDayParamsSchema, response: classDayViewSchema,
    async handler(c) {
      await requireClassOf(c, c.params.className);
      return classDay(c.db, c.school.schoolId, c.params.className, c.params.day, c.now);
    },
  }),
  defineRoute({
    method: 'PUT', url: '/schools/:schoolId/orders/classes/:className/days/:day/attendance', summary: 'Отметить присутствие вручную (до времени подачи заявки)', tags: ['заявки'],
    roles: TEACHERS, scope: 'school', params: classDayParamsSchema, body: attendanceInputSchema, response: z.object({ marked: z.number().int() }),
    async handler(c) {
      await requireClassOf(c, c.params.className);
      return { marked: await markAttendance(c.db, c.actor, c.school.schoolId, c.params.className, c.params.day, c.body.marks, 'manual', c.now) };
    },
  }),
  defineRoute({
    method: 'POST', url: '/schools/:schoolId/orders/classes/:className/days/:day/journal', summary: 'Загрузить отметки первого урока из электронного журнала (CSV)', tags: ['заявки'],
    roles: TEACHERS, scope: 'school', params: classDayParamsSchema, body: journalImportSchema, response: z.object({ marked: z.number().int(), absent: z.number().int() }),
    async handler(c) {
      await requireClassOf(c, c.params.className);
      const text = Buffer.from(c.body.contentBase64, 'base64').toString('utf8');
      return importJournal(c.db, c.actor, c.school.schoolId, c.params.className, c.params.day, text, c.now);
    },
  }),
  defineRoute({
    method: 'POST', url: '/schools/:schoolId/orders/classes/:className/days/:day/confirm', summary: 'Подтвердить заявку класса', tags: ['заявки'],
    roles: TEACHERS, scope: 'school', params: classDayParamsSchema, response: classDayViewSchema,
    async handler(c) {
      await requireClassOf(c, c.params.className);
      await confirmClassDay(c.db, c.actor, c.school.schoolId, c.params.className, c.params.day, c.now);
      return classDay(c.db, c.school.schoolId, c.params.className, c.params.day, c.now);
    },
  }),
  defineRoute({
    method: 'POST', url: '/schools/:schoolId/orders/days/:day/fix', summary: 'Зафиксировать заявки школы на день сейчас (иначе — сами по себе в срок)', tags: ['заявки'],
    roles: [...ADMINS, 'manager'], scope: 'school', params: dayParamsSchema, response: fixResultSchema,
    async handler(c) {
      const r = await fixDayTx(c.db, c.school.schoolId, c.params.day, { now: c.now, by: c.staff.id });
      await c.audit({ action: 'orders.fix', entity: 'orderDay', entityId: `${c.school.schoolId}:${c.params.day}`, schoolId: c.school.schoolId, after: r });
      return r;
    },
  }),
  defineRoute({
    method: 'POST', url: '/schools/:schoolId/orders/lines/:lineId/reversal', summary: 'Вернуть питание по заявке после фиксации (решение заведующего): новые проводки, не правка', tags: ['заявки'],
    roles: [...ADMINS, 'manager'], scope: 'school', params: schoolParamsSchema.extend({ lineId: z.string().min(1).max(100) }),
    body: reversalInputSchema, response: reversalViewSchema, status: 201,
    async handler(c) {
      return reverseLine(c.db, c.actor, c.school.schoolId, c.params.lineId, c.body.reason, c.now);
    },
  }),
  defineRoute({
    method: 'GET', url: '/schools/:schoolId/orders/days/:day/production', summary: 'Заявка на производство: порции по комплексам, классам и приёмам пищи', tags: ['заявки'],
    roles: KITCHEN, scope: 'school', params: dayParamsSchema, query: z.object({ format: z.enum(['json', 'xlsx', 'csv', 'pdf']).default('json') }), response: productionSheetSchema,
    async handler(c) {
      const sheet = await productionSheet(c.db, c.school.schoolId, c.params.day);
      return c.query.format === 'json' ? sheet : sendFile(c, productionFile(sheet), c.query.format);
    },
  }),
  defineRoute({
    method: 'GET', url: '/schools/:schoolId/orders/tabel', summary: 'Табель учёта питания класса за месяц (JSON, XLSX, PDF, CSV)', tags: ['заявки'],
    roles: [...KITCHEN, 'classTeacher'], scope: 'school', params: schoolParamsSchema, query: tabelQuerySchema, response: tabelSchema,
    async handler(c) {
      await requireClassOf(c, c.query.className);
      const t = await tabel(c.db, c.school.schoolId, c.query.className, c.query.month);
      if (c.query.format === 'json') return t;
      const school = await getSchool(c.db, c.school.schoolId);
      return sendFile(c, tabelFile(t, school.name), c.query.format);
    },
  }),
];
