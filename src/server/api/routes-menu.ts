import { z } from 'zod';
import { okSchema, schoolParamsSchema } from '../../api/admin/common.js';
import { categoryInput, cycleInput, dishInput, isoDate, mealSetInput, menuOfDate, overrideInput } from '../../api/admin/menu.js';
import { deleteOverride, getCatalogue, getCycle, menuOfDates, saveCategory, saveCycle, saveDish, saveMealSet, saveOverride } from '../admin/menu-plan.js';
import { HttpError } from '../errors.js';
import { defineRoute, type AnyRoute } from './route.js';
import { AUDIT } from '../admin/audit-keys.js';

const EDITORS = ['districtAdmin', 'schoolAdmin', 'manager'] as const;
const READERS = [...EDITORS, 'nurse', 'accountant'] as const;
const itemParams = schoolParamsSchema.extend({ itemId: z.string().min(1).max(100) });
// Rows as stored; the catalogue's shape is the tables' (checked loosely: the tills' pull is the contract).
const anyRow = z.record(z.string(), z.unknown());
const catalogue = z.object({ categories: z.array(anyRow), dishes: z.array(anyRow), mealSets: z.array(anyRow) });

/** The school's menu (console "Меню"): catalogue, cycle menu of 10 or 14 days, per-date overrides. */
export const menuRoutes: AnyRoute[] = [
  defineRoute({
    method: 'GET', url: '/schools/:schoolId/menu', summary: 'Меню школы: категории, блюда, комплексы', tags: ['меню'],
    roles: READERS, scope: 'school', params: schoolParamsSchema, response: catalogue,
    async handler(c) { return getCatalogue(c.db, c.school.schoolId); },
  }),
  defineRoute({
    method: 'PUT', url: '/schools/:schoolId/menu/categories', summary: 'Создать или изменить категорию меню', tags: ['меню'],
    roles: EDITORS, scope: 'school', params: schoolParamsSchema, body: categoryInput, response: anyRow,
    async handler(c) {
      const row = await saveCategory(c.db, c.school.schoolId, c.body);
      await c.audit({ action: 'menu.category', entity: AUDIT.menuCategory, entityId: AUDIT.key(c.school.schoolId, row.id), schoolId: c.school.schoolId, after: row });
      return row;
    },
  }),
  ...(['dishes', 'mealSets'] as const).flatMap((kind) => [false, true].map((withId) => defineRoute({
    method: 'PUT', url: `/schools/:schoolId/menu/${kind}${withId ? '/:itemId' : ''}`,
    summary: kind === 'dishes' ? (withId ? 'Изменить блюдо (version обязателен)' : 'Новое блюдо') : (withId ? 'Изменить комплекс (version обязателен)' : 'Новый комплекс'),
    tags: ['меню'], roles: EDITORS, scope: 'school', params: withId ? itemParams : schoolParamsSchema,
    body: kind === 'dishes' ? dishInput : mealSetInput, response: anyRow,
    async handler(c) {
      const id = (c.params as { itemId?: string }).itemId;
      if (id && c.body.version === undefined) throw new HttpError(400, 'BAD_INPUT', 'Нужна версия записи (version), которую вы открывали');
      const input = { ...c.body, ...(id ? { id } : {}) };
      const { before, after } = kind === 'dishes'
        ? await saveDish(c.db, c.school.schoolId, input as z.infer<typeof dishInput>)
        : await saveMealSet(c.db, c.school.schoolId, input as z.infer<typeof mealSetInput>);
      await c.audit({ action: `menu.${kind === 'dishes' ? 'dish' : 'mealSet'}`, entity: kind === 'dishes' ? AUDIT.dish : AUDIT.mealSet, entityId: AUDIT.key(c.school.schoolId, after.id), schoolId: c.school.schoolId, before, after });
      return after;
    },
  }))),
  defineRoute({
    method: 'GET', url: '/schools/:schoolId/menu/cycle', summary: 'Цикличное меню школы (10 или 14 дней)', tags: ['меню'],
    roles: READERS, scope: 'school', params: schoolParamsSchema, response: anyRow.nullable(),
    async handler(c) { return getCycle(c.db, c.school.schoolId); },
  }),
  defineRoute({
    method: 'PUT', url: '/schools/:schoolId/menu/cycle', summary: 'Задать цикличное меню (длина, первый день, блюда и комплексы каждого дня)', tags: ['меню'],
    roles: EDITORS, scope: 'school', params: schoolParamsSchema, body: cycleInput, response: anyRow,
    async handler(c) {
      const { before, after } = await saveCycle(c.db, c.school.schoolId, c.body);
      await c.audit({ action: 'menu.cycle', entity: AUDIT.menuCycle, entityId: c.school.schoolId, schoolId: c.school.schoolId, before, after });
      return after!;
    },
  }),
  defineRoute({
    method: 'GET', url: '/schools/:schoolId/menu/dates', summary: 'Меню по датам (до 62 дней): особое меню даты или день цикла', tags: ['меню'],
    roles: READERS, scope: 'school', params: schoolParamsSchema, query: z.object({ from: isoDate, to: isoDate }), response: z.array(menuOfDate),
    async handler(c) {
      if (c.query.to < c.query.from) throw new HttpError(400, 'BAD_INPUT', 'Конец периода раньше начала');
      return menuOfDates(c.db, c.school.schoolId, c.query.from, c.query.to);
    },
  }),
  defineRoute({
    method: 'PUT', url: '/schools/:schoolId/menu/dates/:day', summary: 'Особое меню на дату (вместо дня цикла)', tags: ['меню'],
    roles: EDITORS, scope: 'school', params: schoolParamsSchema.extend({ day: isoDate }), body: overrideInput.omit({ day: true }), response: anyRow,
    async handler(c) {
      const { before, after } = await saveOverride(c.db, c.school.schoolId, { ...c.body, day: c.params.day });
      await c.audit({ action: 'menu.override', entity: AUDIT.menuOverride, entityId: AUDIT.key(c.school.schoolId, c.params.day), schoolId: c.school.schoolId, before, after });
      return after;
    },
  }),
  defineRoute({
    method: 'DELETE', url: '/schools/:schoolId/menu/dates/:day', summary: 'Убрать особое меню даты (вернуть день цикла)', tags: ['меню'],
    roles: EDITORS, scope: 'school', params: schoolParamsSchema.extend({ day: isoDate }), response: okSchema,
    async handler(c) {
      const before = await deleteOverride(c.db, c.school.schoolId, c.params.day);
      await c.audit({ action: 'menu.override.delete', entity: AUDIT.menuOverride, entityId: AUDIT.key(c.school.schoolId, c.params.day), schoolId: c.school.schoolId, before });
      return { ok: true as const };
    },
  }),
];
