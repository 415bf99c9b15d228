import { z } from 'zod';
import { isValidDay } from '../../core/period.js';

/**
 * Reports (issue 16): the school's day, the district's daily control, the budget's reimbursement,
 * the reconciliations. Money in integer kopecks; every report is computed in the database
 * (src/server/reports/). A report a person signs or files also comes as XLSX, CSV or PDF (`format`).
 */
const day = z.string().refine(isValidDay, 'дата в виде ГГГГ-ММ-ДД (существующий день)');
export const reportFormatSchema = z.enum(['json', 'xlsx', 'csv', 'pdf']).default('json');
export type ReportFormat = z.infer<typeof reportFormatSchema>;

export const schoolDayQuerySchema = z.object({ from: day, to: day.optional(), format: reportFormatSchema })
  .refine((q) => !q.to || q.to >= q.from, { message: 'конец периода раньше начала', path: ['to'] });
export const districtDayQuerySchema = z.object({ day, format: reportFormatSchema, days: z.coerce.number().int().min(1).max(62).default(30) });
export const monthQuerySchema = z.object({
  month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'месяц в виде ГГГГ-ММ'),
  schoolId: z.string().min(1).max(100).optional(),
  format: reportFormatSchema,
});
export const reconQuerySchema = z.object({ from: day, to: day.optional(), format: reportFormatSchema });

const kop = z.number().int();

export const mealRowSchema = z.object({
  category: z.string(), itemKind: z.enum(['dish', 'mealSet']), itemId: z.string(), name: z.string(),
  /** paid: the family paid all; free: the budget paid all; subsidised: both. */
  pay: z.enum(['paid', 'free', 'subsidised']),
  sitting: z.string(),
  quantity: z.number().int(), amount: kop, subsidy: kop,
});
export const tillRowSchema = z.object({
  terminalId: z.string(), terminalName: z.string(), cashierId: z.string().nullable(), cashierName: z.string(),
  salesCount: z.number().int(), salesTotal: kop, refundsCount: z.number().int(), refundsTotal: kop, subsidyTotal: kop,
});
export const topUpRowSchema = z.object({ source: z.string(), count: z.number().int(), total: kop });
export const movementRowSchema = z.object({
  at: z.string(), kind: z.enum(['refund', 'correction']), accountNumber: z.string().nullable(), pupil: z.string(),
  amount: kop, receiptNumber: z.string().nullable(), refundOfNumber: z.string().nullable(), reason: z.string(),
});
export const flagCountSchema = z.object({ reason: z.string(), open: z.number().int(), raisedInPeriod: z.number().int() });
export const orderedServedRowSchema = z.object({ day: z.string(), className: z.string(), ordered: z.number().int(), served: z.number().int() });

export const schoolDayReportSchema = z.object({
  schoolId: z.string(), schoolName: z.string(), from: z.string(), to: z.string(),
  meals: z.array(mealRowSchema),
  tills: z.array(tillRowSchema),
  topUps: z.array(topUpRowSchema),
  movements: z.array(movementRowSchema),
  flags: z.array(flagCountSchema),
  orderedServed: z.array(orderedServedRowSchema),
  totals: z.object({ salesTotal: kop, refundsTotal: kop, subsidyTotal: kop, topUpsTotal: kop, correctionsTotal: kop, mealsServed: z.number().int() }),
});
export type SchoolDayReport = z.infer<typeof schoolDayReportSchema>;

export const districtSchoolRowSchema = z.object({
  schoolId: z.string(), schoolCode: z.string(), schoolName: z.string(),
  pupilsFed: z.number().int(),
  beneficiariesFed: z.number().int(), beneficiariesEntitled: z.number().int(),
  /** Entitled pupils not marked absent that day; null when the school kept no attendance that day («нет данных о посещаемости»). */
  beneficiariesPresent: z.number().int().nullable(),
  grade14Fed: z.number().int(), grade14Pupils: z.number().int(),
  tills: z.number().int(), tillsSilent: z.number().int(), tillsUnsent: z.number().int(),
  zMissing: z.number().int(), zMismatch: z.number().int(),
  openFlags: z.number().int(),
  salesTotal: kop, subsidyTotal: kop,
});
export const districtTrendPointSchema = z.object({
  day: z.string(), pupilsFed: z.number().int(), beneficiariesFed: z.number().int(), grade14Fed: z.number().int(), salesTotal: kop, subsidyTotal: kop,
});
export const districtDayReportSchema = z.object({
  day: z.string(),
  schools: z.array(districtSchoolRowSchema),
  totals: districtSchoolRowSchema.omit({ schoolId: true, schoolCode: true, schoolName: true }),
  trend: z.array(districtTrendPointSchema),
});
export type DistrictDayReport = z.infer<typeof districtDayReportSchema>;

export const FUNDING_SOURCE_NAMES: Record<string, string> = {
  federal: 'федеральный бюджет', regional: 'региональный бюджет', municipal: 'муниципальный бюджет', sponsor: 'спонсор', unknown: 'не определён',
};
export const reimbursementRowSchema = z.object({
  schoolId: z.string(), schoolName: z.string(), fundingSource: z.string(), categoryId: z.string(), categoryName: z.string(),
  meals: z.number().int(), pupils: z.number().int(), days: z.number().int(),
  /** Budget's share of one meal; null when the meals of the row differ in it. */
  budgetShare: kop.nullable(),
  sum: kop,
});
export const reimbursementDetailSchema = z.object({
  schoolId: z.string(), day: z.string(), accountNumber: z.string().nullable(), pupil: z.string(), className: z.string(),
  categoryName: z.string(), fundingSource: z.string(), item: z.string(), meals: z.number().int(), sum: kop,
});
export const reimbursementReportSchema = z.object({
  month: z.string(), schoolId: z.string().nullable(),
  rows: z.array(reimbursementRowSchema),
  details: z.array(reimbursementDetailSchema),
  total: kop,
  /** −Σ the month's applied subsidy entries, counted separately. */
  subsidyEntriesTotal: kop,
  matches: z.boolean(),
  statement: z.string(),
});
export type ReimbursementReport = z.infer<typeof reimbursementReportSchema>;

export const reconSectionSchema = z.object({
  id: z.enum(['tillServer', 'balances', 'bank', 'registry', 'closing']),
  title: z.string(),
  ok: z.boolean(),
  /** «расхождений нет», or what differs. */
  summary: z.string(),
  rows: z.array(z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]))),
});
export const reconciliationReportSchema = z.object({ schoolId: z.string(), from: z.string(), to: z.string(), sections: z.array(reconSectionSchema) });
export type ReconciliationReport = z.infer<typeof reconciliationReportSchema>;

/**
 * The reconciliation rows' columns: a Russian header, and whether the value is kopecks. One list for the
 * console's tables and the XLSX/PDF/CSV files; a row key missing here is a bug (tests/reports check).
 */
export const RECON_COLUMNS: Readonly<Record<string, { header: string; money?: true }>> = {
  till: { header: 'Касса' }, shift: { header: 'Смена' }, closedAt: { header: 'Закрыта' }, sales: { header: 'Чеков продажи' },
  salesTotal: { header: 'Продажи, ₽', money: true }, result: { header: 'Результат сверки' },
  accountNumber: { header: 'Л/С' }, balance: { header: 'Остаток счёта, ₽', money: true },
  entries: { header: 'Сумма проводок, ₽', money: true }, difference: { header: 'Разница, ₽', money: true },
  paymentId: { header: 'Платёж' }, paid: { header: 'Оплачено в банке, ₽', money: true }, credited: { header: 'Зачислено, ₽', money: true },
  problem: { header: 'Расхождение' }, registry: { header: 'Реестр' }, line: { header: 'Строка реестра' },
  inRegistry: { header: 'По реестру, ₽', money: true },
  day: { header: 'День' }, opening: { header: 'Остаток на начало, ₽', money: true }, movement: { header: 'Движение за день, ₽', money: true },
  closing: { header: 'Остаток на конец, ₽', money: true },
};
export const reconColumn = (key: string): { header: string; money?: true } => RECON_COLUMNS[key] ?? { header: key };
