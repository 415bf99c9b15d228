import { z } from 'zod';
import { okSchema, schoolParamsSchema } from '../../api/admin/common.js';
import { benefitCategoryInput, benefitRuleInput, expiringQuery, pupilBenefitInput } from '../../api/admin/benefits.js';
import {
  expiringBenefits, listBenefits, listPupilBenefits, removePupilBenefit, saveBenefitCategory, saveBenefitRule, setPupilBenefit,
} from '../admin/benefits.js';
import { getPupil } from '../admin/pupils.js';
import { defineRoute, type AnyRoute } from './route.js';
import { AUDIT } from '../admin/audit-keys.js';

const ADMINS = ['districtAdmin', 'schoolAdmin'] as const;
const READERS = [...ADMINS, 'accountant', 'classTeacher'] as const;
const anyRow = z.record(z.string(), z.unknown());
const pupilParams = schoolParamsSchema.extend({ pupilId: z.string().min(1).max(100) });

/** Today in the school's terms for document expiry (server clock, UTC date: a day's slack either way is harmless here). */
const todayOf = (now: Date) => now.toISOString().slice(0, 10);

/** Benefits (console "Льготы"): categories, what each gets, per-pupil basis documents and their expiry. */
export const benefitRoutes: AnyRoute[] = [
  defineRoute({
    method: 'GET', url: '/schools/:schoolId/benefits', summary: 'Льготные категории: источник финансирования, комплекс, доля родителей и бюджета', tags: ['льготы'],
    roles: READERS, scope: 'school', params: schoolParamsSchema, response: z.array(anyRow),
    async handler(c) { return listBenefits(c.db, c.school.schoolId); },
  }),
  defineRoute({
    method: 'PUT', url: '/schools/:schoolId/benefits/categories', summary: 'Создать или изменить льготную категорию', tags: ['льготы'],
    roles: ADMINS, scope: 'school', params: schoolParamsSchema, body: benefitCategoryInput, response: anyRow,
    async handler(c) {
      const { before, after } = await saveBenefitCategory(c.db, c.school.schoolId, c.body);
      await c.audit({ action: 'benefit.category', entity: AUDIT.benefitCategory, entityId: AUDIT.key(c.school.schoolId, after.id), schoolId: c.school.schoolId, before, after });
      return after;
    },
  }),
  defineRoute({
    method: 'PUT', url: '/schools/:schoolId/benefits/rules', summary: 'Что получает категория: комплекс и доля родителей', tags: ['льготы'],
    roles: ADMINS, scope: 'school', params: schoolParamsSchema, body: benefitRuleInput, response: anyRow,
    async handler(c) {
      const { before, after } = await saveBenefitRule(c.db, c.school.schoolId, c.body);
      await c.audit({ action: 'benefit.rule', entity: AUDIT.benefitRule, entityId: AUDIT.key(c.school.schoolId, after.id), schoolId: c.school.schoolId, before, after });
      return after;
    },
  }),
  defineRoute({
    method: 'GET', url: '/schools/:schoolId/benefits/expiring', summary: 'Документы-основания, срок которых истекает', tags: ['льготы'],
    roles: READERS, scope: 'school', params: schoolParamsSchema, query: expiringQuery.omit({ schoolId: true }), response: z.array(anyRow),
    async handler(c) {
      const rows = await expiringBenefits(c.db, [c.school.schoolId], { today: todayOf(c.now), withinDays: c.query.withinDays });
      return c.school.classNames ? rows.filter((r) => c.school.classNames!.includes(r.className)) : rows;
    },
  }),
  defineRoute({
    method: 'GET', url: '/schools/:schoolId/pupils/:pupilId/benefits', summary: 'Льготы ученика с документами-основаниями', tags: ['льготы'],
    roles: READERS, scope: 'school', params: pupilParams, response: z.array(anyRow),
    async handler(c) {
      c.requireClass((await getPupil(c.db, c.params.pupilId, [c.school.schoolId])).className);
      return listPupilBenefits(c.db, c.params.pupilId);
    },
  }),
  defineRoute({
    method: 'PUT', url: '/schools/:schoolId/pupils/:pupilId/benefits', summary: 'Назначить или изменить льготу ученика (документ, срок)', tags: ['льготы'],
    roles: ADMINS, scope: 'school', params: pupilParams, body: pupilBenefitInput, response: anyRow,
    async handler(c) {
      const { before, after } = await setPupilBenefit(c.db, c.params.pupilId, c.body, [c.school.schoolId], todayOf(c.now));
      await c.audit({ action: 'benefit.pupil', entity: AUDIT.pupilBenefit, entityId: AUDIT.key(c.params.pupilId, c.body.benefitCategoryId), schoolId: c.school.schoolId, before, after });
      return after;
    },
  }),
  defineRoute({
    method: 'DELETE', url: '/schools/:schoolId/pupils/:pupilId/benefits/:categoryId', summary: 'Снять льготу с ученика', tags: ['льготы'],
    roles: ADMINS, scope: 'school', params: pupilParams.extend({ categoryId: z.string().min(1).max(100) }), response: okSchema,
    async handler(c) {
      const before = await removePupilBenefit(c.db, c.params.pupilId, c.params.categoryId, [c.school.schoolId]);
      await c.audit({ action: 'benefit.pupil.remove', entity: AUDIT.pupilBenefit, entityId: AUDIT.key(c.params.pupilId, c.params.categoryId), schoolId: c.school.schoolId, before });
      return { ok: true as const };
    },
  }),
];
