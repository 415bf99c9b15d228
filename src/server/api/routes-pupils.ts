import { z } from 'zod';
import { okSchema, schoolParamsSchema } from '../../api/admin/common.js';
import {
  importAnswer, newSchoolYear as newSchoolYearSchema, newSchoolYearAnswer, pupilImport, pupilListQuery, pupilMove, pupilPage, pupilPatch, pupilRow,
} from '../../api/admin/pupils.js';
import { closeReturnTask, getPupil, listReturnTasks, movePupils, newSchoolYear, searchPupils, updatePupil } from '../admin/pupils.js';
import { importStudents } from '../admin/import-students.js';
import { defineRoute, type AnyRoute } from './route.js';
import { AUDIT } from '../admin/audit-keys.js';

const ADMINS = ['districtAdmin', 'schoolAdmin'] as const;
const READERS = [...ADMINS, 'classTeacher', 'accountant'] as const;
const pupilParams = schoolParamsSchema.extend({ pupilId: z.string().min(1).max(100) });
const taskRow = z.object({
  id: z.number().int(), schoolId: z.string(), accountNumber: z.string(), studentId: z.string().nullable(), amount: z.number().int(),
  reason: z.string(), createdAt: z.string(), doneAt: z.string().nullable(), doneBy: z.string().nullable(), note: z.string().nullable(),
});

/** Pupils of a school (issue 14, console "Ученики"): search, edit, move, import with a preview, the new school year. */
export const pupilRoutes: AnyRoute[] = [
  defineRoute({
    method: 'GET', url: '/schools/:schoolId/pupils', summary: 'Ученики школы: поиск по ФИО, классу, лицевому счёту, карте; страницы и сортировка', tags: ['ученики'],
    roles: READERS, scope: 'school', params: schoolParamsSchema, query: pupilListQuery, response: pupilPage,
    async handler(c) {
      return searchPupils(c.db, c.query, [c.school.schoolId], c.school.classNames);
    },
  }),
  defineRoute({
    method: 'GET', url: '/schools/:schoolId/pupils/:pupilId', summary: 'Ученик', tags: ['ученики'],
    roles: READERS, scope: 'school', params: pupilParams, response: pupilRow,
    async handler(c) {
      const p = await getPupil(c.db, c.params.pupilId, [c.school.schoolId]);
      c.requireClass(p.className);
      return p;
    },
  }),
  defineRoute({
    method: 'PATCH', url: '/schools/:schoolId/pupils/:pupilId', summary: 'Изменить ученика (ФИО, класс); version обязателен', tags: ['ученики'],
    roles: ADMINS, scope: 'school', params: pupilParams, body: pupilPatch, response: pupilRow,
    async handler(c) {
      const { before, after } = await updatePupil(c.db, c.params.pupilId, c.body, [c.school.schoolId]);
      await c.audit({ action: 'pupil.update', entity: AUDIT.pupil, entityId: after.id, schoolId: after.schoolId, before, after });
      return after;
    },
  }),
  defineRoute({
    method: 'POST', url: '/schools/:schoolId/pupils/move', summary: 'Перевести учеников в другой класс', tags: ['ученики'],
    roles: ADMINS, scope: 'school', params: schoolParamsSchema, body: pupilMove, response: z.object({ moved: z.number().int() }),
    async handler(c) {
      const r = await movePupils(c.db, c.body.ids, c.body.className, [c.school.schoolId]);
      await c.audit({ action: 'pupil.move', entity: AUDIT.pupil, schoolId: c.school.schoolId, after: { ids: c.body.ids, className: c.body.className } });
      return r;
    },
  }),
  defineRoute({
    method: 'POST', url: '/schools/:schoolId/pupils/import', summary: 'Импорт учеников из CSV или XLSX: confirm=false — проверка без записи, confirm=true — запись верных строк', tags: ['ученики'],
    roles: ADMINS, scope: 'school', params: schoolParamsSchema, body: pupilImport, response: importAnswer,
    async handler(c) {
      const bytes = Buffer.from(c.body.contentBase64, 'base64');
      const r = await importStudents(c.db, bytes, { dryRun: !c.body.confirm, schoolIds: [c.school.schoolId] });
      if (c.body.confirm && !r.refused) {
        await c.audit({
          action: 'pupil.import', entity: AUDIT.pupil, schoolId: c.school.schoolId,
          after: { fileName: c.body.fileName, created: r.created, updated: r.updated, badRows: r.errors.length, lines: r.rows.map((x) => x.line) },
        });
      }
      return { dryRun: r.dryRun, refused: r.refused, created: r.created, updated: r.updated, errors: r.errors, rows: r.rows };
    },
  }),
  defineRoute({
    method: 'POST', url: '/schools/:schoolId/pupils/new-year', summary: 'Новый учебный год: перевод классов, выпуск 11-х, задачи на возврат остатков (confirm=false — только проверка)', tags: ['ученики'],
    roles: ADMINS, scope: 'school', params: schoolParamsSchema, body: newSchoolYearSchema, response: newSchoolYearAnswer,
    async handler(c) {
      const r = await newSchoolYear(c.db, { schoolId: c.school.schoolId, year: c.body.year, by: c.actor.name, dryRun: !c.body.confirm });
      if (c.body.confirm) await c.audit({ action: 'school.newYear', entity: 'school', entityId: c.school.schoolId, schoolId: c.school.schoolId, after: { year: c.body.year, promoted: r.promoted, graduated: r.graduated } });
      return r;
    },
  }),
  defineRoute({
    method: 'GET', url: '/schools/:schoolId/balance-returns', summary: 'Остатки выбывших учеников к возврату', tags: ['ученики'],
    roles: [...ADMINS, 'accountant'], scope: 'school', params: schoolParamsSchema, query: z.object({ state: z.enum(['open', 'done']).default('open') }), response: z.array(taskRow),
    async handler(c) {
      return listReturnTasks(c.db, [c.school.schoolId], c.query.state);
    },
  }),
  defineRoute({
    method: 'POST', url: '/schools/:schoolId/balance-returns/:taskId/close', summary: 'Отметить остаток возвращённым (с примечанием)', tags: ['ученики'],
    roles: [...ADMINS, 'accountant'], scope: 'school',
    params: schoolParamsSchema.extend({ taskId: z.coerce.number().int().positive() }),
    body: z.object({ note: z.string().trim().min(3, 'Укажите, как возвращены деньги (документ)').max(300) }), response: okSchema,
    async handler(c) {
      const row = await closeReturnTask(c.db, c.params.taskId, c.actor.name, c.body.note, [c.school.schoolId]);
      await c.audit({ action: 'balanceReturn.close', entity: 'balanceReturn', entityId: String(row.id), schoolId: row.schoolId, after: row });
      return { ok: true as const };
    },
  }),
];
