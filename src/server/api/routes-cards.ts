import { z } from 'zod';
import { schoolParamsSchema } from '../../api/admin/common.js';
import { cardIssue, cardListQuery, cardPage, cardReissue, cardStateChange } from '../../api/admin/cards.js';
import { issueCard, listCards, reissueCard, schoolOfAccount, schoolOfCard, setCardState } from '../admin/cards.js';
import { HttpError } from '../errors.js';
import { defineRoute, type AnyRoute } from './route.js';
import { AUDIT } from '../admin/audit-keys.js';

const EDITORS = ['districtAdmin', 'schoolAdmin', 'manager'] as const;
const cardParams = schoolParamsSchema.extend({ cardId: z.string().min(1).max(40) });
const cardAnswer = z.object({ cardId: z.string(), accountNumber: z.string(), state: z.enum(['active', 'blocked', 'lost']) });

/** Cards of a school (console "Карты"): the tills refuse a blocked or lost card after their next pull. */
export const cardRoutes: AnyRoute[] = [
  defineRoute({
    method: 'GET', url: '/schools/:schoolId/cards', summary: 'Карты школы: поиск по номеру, лицевому счёту, ФИО', tags: ['карты'],
    roles: [...EDITORS, 'accountant'], scope: 'school', params: schoolParamsSchema, query: cardListQuery, response: cardPage,
    async handler(c) {
      return listCards(c.db, { ...c.query, schoolIds: [c.school.schoolId] });
    },
  }),
  defineRoute({
    method: 'POST', url: '/schools/:schoolId/cards', summary: 'Выдать карту на лицевой счёт', tags: ['карты'],
    roles: EDITORS, scope: 'school', params: schoolParamsSchema, body: cardIssue, response: cardAnswer, status: 201,
    async handler(c) {
      if ((await schoolOfAccount(c.db, c.body.accountNumber)) !== c.school.schoolId) throw new HttpError(404, 'NOT_FOUND', `Лицевой счёт ${c.body.accountNumber} не найден в этой школе`);
      const cardId = await issueCard(c.db, c.body.accountNumber, c.body.cardId);
      const after = { cardId, accountNumber: c.body.accountNumber, state: 'active' as const };
      await c.audit({ action: 'card.issue', entity: AUDIT.card, entityId: cardId, schoolId: c.school.schoolId, after });
      return after;
    },
  }),
  defineRoute({
    method: 'POST', url: '/schools/:schoolId/cards/:cardId/state', summary: 'Заблокировать, отметить утерянной или разблокировать карту', tags: ['карты'],
    roles: EDITORS, scope: 'school', params: cardParams, body: cardStateChange, response: cardAnswer,
    async handler(c) {
      if ((await schoolOfCard(c.db, c.params.cardId)) !== c.school.schoolId) throw new HttpError(404, 'NOT_FOUND', 'Карта не найдена в этой школе');
      const { accountNumber } = await setCardState(c.db, c.params.cardId, c.body.state, c.body.reason);
      const after = { cardId: c.params.cardId.toUpperCase(), accountNumber, state: c.body.state };
      await c.audit({ action: `card.${c.body.state}`, entity: AUDIT.card, entityId: after.cardId, schoolId: c.school.schoolId, after });
      return after;
    },
  }),
  defineRoute({
    method: 'POST', url: '/schools/:schoolId/cards/:cardId/reissue', summary: 'Перевыпуск: старая карта утеряна, новая на тот же счёт (баланс не меняется)', tags: ['карты'],
    roles: EDITORS, scope: 'school', params: cardParams, body: cardReissue, response: cardAnswer,
    async handler(c) {
      if ((await schoolOfCard(c.db, c.params.cardId)) !== c.school.schoolId) throw new HttpError(404, 'NOT_FOUND', 'Карта не найдена в этой школе');
      const r = await reissueCard(c.db, c.params.cardId, c.body.newCardId);
      const after = { cardId: r.cardId, accountNumber: r.accountNumber, state: 'active' as const };
      await c.audit({ action: 'card.reissue', entity: AUDIT.card, entityId: r.cardId, schoolId: c.school.schoolId, before: { cardId: c.params.cardId }, after });
      return after;
    },
  }),
];
