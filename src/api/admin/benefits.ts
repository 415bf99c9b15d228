import { z } from 'zod';
import { isoDate } from './menu.js';

/** The console's benefits API (/api/v1/schools/:schoolId/benefits…, /api/v1/pupils/:id/benefits). */
export const FUNDING_SOURCE_NAMES = {
  federal: 'Федеральный бюджет', regional: 'Бюджет субъекта РФ', municipal: 'Муниципальный бюджет', sponsor: 'Спонсор / внебюджет',
} as const;
const fundingSource = z.enum(['federal', 'regional', 'municipal', 'sponsor'], { error: 'Выберите источник финансирования' });
const id = z.string().trim().min(1).max(100);
const version = z.number().int().positive().optional();

export const benefitCategoryInput = z.object({
  id: id.optional(),
  name: z.string().trim().min(1, 'Введите название категории').max(200),
  fundingSource,
  active: z.boolean().default(true),
  version,
});

/** What a category gets: a meal set, of which the parents pay `parentPays` kopecks and the budget the rest. */
export const benefitRuleInput = z.object({
  id: id.optional(),
  benefitCategoryId: id,
  mealSetId: z.string().trim().min(1, 'Выберите комплекс'),
  parentPays: z.number().int('Сумма — в копейках').min(0, 'Доля родителей не может быть отрицательной'),
  active: z.boolean().default(true),
  version,
});

export const pupilBenefitInput = z.object({
  benefitCategoryId: id,
  document: z.string().trim().min(3, 'Укажите документ-основание (например, «справка УСЗН № 123 от 01.09.2026»)').max(300),
  validFrom: isoDate,
  validUntil: isoDate.nullish(),
  version,
}).refine((b) => !b.validUntil || b.validUntil >= b.validFrom, { message: 'Срок действия кончается раньше, чем начинается', path: ['validUntil'] });
export type PupilBenefitInput = z.infer<typeof pupilBenefitInput>;

export const expiringQuery = z.object({
  schoolId: z.string().max(100).optional(),
  withinDays: z.coerce.number().int().min(0).max(366).default(30),
});
