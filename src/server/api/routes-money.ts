import { z } from 'zod';
import { schoolParamsSchema } from '../../api/admin/common.js';
import {
  accountViewSchema, entriesQuerySchema, entryViewSchema, moneyDecisionSchema, moneyRequestInputSchema, moneyRequestViewSchema, receiptViewSchema,
} from '../../api/admin/money.js';
import { auditQuerySchema, auditRowSchema } from '../../api/admin/audit.js';
import { accountAt, accountEntries, accountReceipt } from '../admin/account-view.js';
import { approveMoney, listMoneyRequests, rejectMoney, requestMoney, type MoneyRequestRow } from '../admin/money-by-hand.js';
import { searchAudit } from '../audit.js';
import { defineRoute, type AnyRoute, type ApiCall } from './route.js';

const ADMINS = ['districtAdmin', 'schoolAdmin'] as const;
/** Who may read a pupil's money: admins, the accountant, the canteen manager, and a class teacher for their classes. */
const READERS = [...ADMINS, 'accountant', 'manager', 'classTeacher'] as const;
const accountParams = schoolParamsSchema.extend({ accountNumber: z.string().regex(/^\d{10}$/, 'лицевой счёт — 10 цифр') });

/** The account, after checking a class teacher may see its pupil. */
async function readableAccount(c: ApiCall<{ accountNumber: string }, unknown, unknown>) {
  const acc = await accountAt(c.db, c.school.schoolId, c.params.accountNumber);
  if (c.school.classNames) c.requireClass(acc.student?.className ?? '');
  return acc;
}

function requestView(r: MoneyRequestRow) {
  return {
    id: r.id, accountNumber: r.accountNumber, kind: r.kind, amount: r.amount, reason: r.reason, documentNumber: r.documentNumber, state: r.state,
    requestedByName: r.requestedByName, requestedAt: r.requestedAt, decidedByName: r.decidedByName, decidedAt: r.decidedAt,
    decisionNote: r.decisionNote, entryUuid: r.entryUuid,
  };
}

export const accountRoutes: AnyRoute[] = [
  defineRoute({
    method: 'GET', url: '/schools/:schoolId/accounts/:accountNumber', summary: 'Лицевой счёт: остаток, учащийся, карты (только чтение)', tags: ['счета'],
    roles: READERS, scope: 'school', params: accountParams, response: accountViewSchema,
    handler: readableAccount,
  }),
  defineRoute({
    method: 'GET', url: '/schools/:schoolId/accounts/:accountNumber/entries', summary: 'Проводки счёта, новые первыми', tags: ['счета'],
    roles: READERS, scope: 'school', params: accountParams, query: entriesQuerySchema, response: z.array(entryViewSchema),
    async handler(c) {
      await readableAccount(c);
      return accountEntries(c.db, c.school.schoolId, c.params.accountNumber, c.query);
    },
  }),
  defineRoute({
    method: 'GET', url: '/schools/:schoolId/accounts/:accountNumber/receipts/:receiptId', summary: 'Чек счёта со строками', tags: ['счета'],
    roles: READERS, scope: 'school', params: accountParams.extend({ receiptId: z.string().min(1).max(100) }), response: receiptViewSchema,
    async handler(c) {
      await readableAccount(c);
      return accountReceipt(c.db, c.school.schoolId, c.params.accountNumber, c.params.receiptId);
    },
  }),
];

export const moneyRoutes: AnyRoute[] = [
  defineRoute({
    method: 'POST', url: '/schools/:schoolId/accounts/:accountNumber/topups', summary: 'Пополнение вручную (причина и номер документа обязательны)', tags: ['деньги'],
    roles: ADMINS, scope: 'school', params: accountParams, body: moneyRequestInputSchema, response: moneyRequestViewSchema, status: 201,
    async handler(c) {
      return requestView(await requestMoney(c.db, c.actor, c.school.schoolId, c.params.accountNumber, 'topUp', c.body));
    },
  }),
  defineRoute({
    method: 'POST', url: '/schools/:schoolId/accounts/:accountNumber/corrections', summary: 'Исправление вручную; выше порога школы ждёт подтверждения второго сотрудника', tags: ['деньги'],
    roles: ADMINS, scope: 'school', params: accountParams, body: moneyRequestInputSchema, response: moneyRequestViewSchema, status: 201,
    async handler(c) {
      return requestView(await requestMoney(c.db, c.actor, c.school.schoolId, c.params.accountNumber, 'correction', c.body));
    },
  }),
  defineRoute({
    method: 'GET', url: '/schools/:schoolId/money-requests', summary: 'Операции вручную: ждущие подтверждения и проведённые', tags: ['деньги'],
    roles: [...ADMINS, 'accountant'], scope: 'school', params: schoolParamsSchema,
    query: z.object({ state: z.enum(['pending', 'applied', 'rejected']).optional() }), response: z.array(moneyRequestViewSchema),
    async handler(c) {
      return (await listMoneyRequests(c.db, c.school.schoolId, c.query.state)).map(requestView);
    },
  }),
  defineRoute({
    method: 'POST', url: '/schools/:schoolId/money-requests/:requestId/approve', summary: 'Подтвердить исправление (второй сотрудник): проводка создаётся сейчас', tags: ['деньги'],
    roles: ADMINS, scope: 'school', params: schoolParamsSchema.extend({ requestId: z.string().min(1).max(100) }), body: moneyDecisionSchema, response: moneyRequestViewSchema,
    async handler(c) {
      return requestView(await approveMoney(c.db, c.actor, c.school.schoolId, c.params.requestId, c.body.note));
    },
  }),
  defineRoute({
    method: 'POST', url: '/schools/:schoolId/money-requests/:requestId/reject', summary: 'Отклонить исправление', tags: ['деньги'],
    roles: ADMINS, scope: 'school', params: schoolParamsSchema.extend({ requestId: z.string().min(1).max(100) }), body: moneyDecisionSchema, response: moneyRequestViewSchema,
    async handler(c) {
      return requestView(await rejectMoney(c.db, c.actor, c.school.schoolId, c.params.requestId, c.body.note));
    },
  }),
];

export const auditRoutes: AnyRoute[] = [
  defineRoute({
    method: 'GET', url: '/schools/:schoolId/audit', summary: 'Журнал действий сотрудников школы (только чтение)', tags: ['журнал'],
    roles: [...ADMINS, 'accountant'], scope: 'school', params: schoolParamsSchema, query: auditQuerySchema, response: z.array(auditRowSchema),
    async handler(c) {
      return searchAudit(c.db, { ...c.query, schoolIds: [c.school.schoolId] });
    },
  }),
  defineRoute({
    method: 'GET', url: '/audit', summary: 'Журнал действий по всем школам и району', tags: ['журнал'],
    roles: ['districtAdmin'], scope: 'district', query: auditQuerySchema, response: z.array(auditRowSchema),
    async handler(c) {
      return searchAudit(c.db, { ...c.query, schoolIds: null });
    },
  }),
];
