import {
  FUNDING_SOURCE_NAMES, reconColumn, type DistrictDayReport, type ReconciliationReport, type ReimbursementReport, type SchoolDayReport,
} from '../../api/admin/reports.js';
import { ruDay } from '../../core/period.js';
import type { ReportFile } from './export.js';

const PAY: Record<string, string> = { paid: 'платно', free: 'бесплатно', subsidised: 'с дотацией' };
const period = (from: string, to: string) => (from === to ? ruDay(from) : `${ruDay(from)} — ${ruDay(to)}`);

export function schoolDayFile(r: SchoolDayReport): ReportFile {
  const t = r.totals;
  return {
    fileName: `school-day-${r.schoolId}-${r.from}${r.to !== r.from ? `-${r.to}` : ''}`,
    title: `${r.schoolName}: день школы, ${period(r.from, r.to)}`,
    sheets: [
      {
        name: 'Питание', title: 'Питание по категориям, блюдам и комплексам (продажи за вычетом возвратов)',
        columns: [{ key: 'category', header: 'Категория', width: 16 }, { key: 'name', header: 'Блюдо / комплекс', width: 40 }, { key: 'payText', header: 'Оплата', width: 12 },
          { key: 'sitting', header: 'Перемена', width: 14 }, { key: 'quantity', header: 'Порций' }, { key: 'amount', header: 'Оплачено семьями, ₽', money: true, width: 14 },
          { key: 'subsidy', header: 'Дотация, ₽', money: true, width: 12 }],
        rows: r.meals.map((m) => ({ ...m, payText: PAY[m.pay] })),
        footer: [`Комплексов выдано: ${t.mealsServed}`],
      },
      {
        name: 'Кассы', title: 'Продажи по кассам и кассирам',
        columns: [{ key: 'terminalName', header: 'Касса', width: 16 }, { key: 'cashierName', header: 'Кассир', width: 24 }, { key: 'salesCount', header: 'Чеков' },
          { key: 'salesTotal', header: 'Продажи, ₽', money: true }, { key: 'refundsCount', header: 'Возвратов' }, { key: 'refundsTotal', header: 'Возвраты, ₽', money: true },
          { key: 'subsidyTotal', header: 'Дотация, ₽', money: true }],
        rows: r.tills,
      },
      {
        name: 'Пополнения', title: 'Пополнения по источникам',
        columns: [{ key: 'source', header: 'Источник', width: 24 }, { key: 'count', header: 'Платежей' }, { key: 'total', header: 'Сумма, ₽', money: true }],
        rows: r.topUps,
      },
      {
        name: 'Возвраты и исправления', title: 'Возвраты и исправления',
        columns: [{ key: 'at', header: 'Когда', width: 20 }, { key: 'kindText', header: 'Вид' }, { key: 'accountNumber', header: 'Л/С', width: 12 },
          { key: 'pupil', header: 'Ученик', width: 24 }, { key: 'amount', header: 'Сумма, ₽', money: true }, { key: 'receiptNumber', header: 'Чек', width: 12 },
          { key: 'refundOfNumber', header: 'Возврат чека', width: 12 }, { key: 'reason', header: 'Причина', width: 30 }],
        rows: r.movements.map((m) => ({ ...m, kindText: m.kind === 'refund' ? 'возврат' : 'исправление' })),
      },
      {
        name: 'Отметки', title: 'Отметки на проверку',
        columns: [{ key: 'reason', header: 'Причина', width: 20 }, { key: 'open', header: 'Открыто' }, { key: 'raisedInPeriod', header: 'Появилось за период' }],
        rows: r.flags,
      },
      {
        name: 'Заказано и выдано', title: 'Заказано и выдано (по классам)',
        columns: [{ key: 'day', header: 'День' }, { key: 'className', header: 'Класс' }, { key: 'ordered', header: 'Заказано' }, { key: 'served', header: 'Выдано на кассе' }],
        rows: r.orderedServed,
      },
    ],
  };
}

export function districtDayFile(r: DistrictDayReport): ReportFile {
  return {
    fileName: `district-day-${r.day}`,
    title: `Ежедневный контроль питания, ${ruDay(r.day)}`,
    sheets: [
      {
        name: 'Школы', title: `Школы района за ${ruDay(r.day)}`,
        columns: [{ key: 'schoolCode', header: '№' }, { key: 'schoolName', header: 'Школа', width: 24 }, { key: 'pupilsFed', header: 'Питалось' },
          { key: 'beneficiariesFed', header: 'Льготников питалось' }, { key: 'beneficiariesEntitled', header: 'Льготников всего' },
          { key: 'present', header: 'Льготников присутствовало', width: 16 },
          { key: 'grade14Fed', header: '1–4 кл. питалось' }, { key: 'grade14Pupils', header: '1–4 кл. всего' },
          { key: 'tillsSilent', header: 'Касс без связи' }, { key: 'tillsUnsent', header: 'Касс с неотправленным' },
          { key: 'zMissing', header: 'Нет Z-отчёта' }, { key: 'zMismatch', header: 'Z не сходится' }, { key: 'openFlags', header: 'Открытых отметок' },
          { key: 'salesTotal', header: 'Продажи, ₽', money: true }, { key: 'subsidyTotal', header: 'Дотация, ₽', money: true }],
        // Present = entitled and not marked absent; a school that marked no attendance has no figure, and says so.
        rows: [...r.schools, { schoolCode: '', schoolName: 'Итого', ...r.totals }]
          .map((x) => ({ ...x, present: x.beneficiariesPresent ?? 'нет данных о посещаемости' })),
      },
      {
        name: '30 дней', title: 'Динамика по дням',
        columns: [{ key: 'day', header: 'День' }, { key: 'pupilsFed', header: 'Питалось' }, { key: 'beneficiariesFed', header: 'Льготников' },
          { key: 'grade14Fed', header: '1–4 кл.' }, { key: 'salesTotal', header: 'Продажи, ₽', money: true }, { key: 'subsidyTotal', header: 'Дотация, ₽', money: true }],
        rows: r.trend,
      },
    ],
  };
}

export function reimbursementFile(r: ReimbursementReport): ReportFile {
  return {
    fileName: `reimbursement-${r.month}${r.schoolId ? `-${r.schoolId}` : ''}`,
    title: `Возмещение расходов бюджета на льготное питание за ${r.month.slice(5)}.${r.month.slice(0, 4)}`,
    sheets: [
      {
        name: 'Возмещение', title: 'По школам, источникам финансирования и категориям льгот',
        columns: [{ key: 'schoolName', header: 'Школа', width: 22 }, { key: 'funding', header: 'Источник', width: 20 }, { key: 'categoryName', header: 'Категория', width: 18 },
          { key: 'meals', header: 'Питаний' }, { key: 'pupils', header: 'Учеников' }, { key: 'days', header: 'Дней' },
          { key: 'budgetShare', header: 'Доля бюджета за питание, ₽', money: true, width: 14 }, { key: 'sum', header: 'К возмещению, ₽', money: true, width: 14 }],
        rows: r.rows.map((x) => ({ ...x, funding: FUNDING_SOURCE_NAMES[x.fundingSource] ?? x.fundingSource })),
        footer: [`Итого к возмещению: ${(r.total / 100).toFixed(2).replace('.', ',')} ₽`, r.statement],
      },
      {
        name: 'Основание', title: 'Ученики и дни (документ-основание)',
        columns: [{ key: 'schoolId', header: 'Школа', width: 12 }, { key: 'day', header: 'День' }, { key: 'pupil', header: 'Ученик', width: 28 },
          { key: 'className', header: 'Класс' }, { key: 'accountNumber', header: 'Л/С', width: 12 }, { key: 'categoryName', header: 'Категория', width: 18 },
          { key: 'funding', header: 'Источник', width: 18 }, { key: 'item', header: 'Комплекс', width: 36 }, { key: 'meals', header: 'Питаний' },
          { key: 'sum', header: 'Сумма, ₽', money: true }],
        rows: r.details.map((x) => ({ ...x, funding: FUNDING_SOURCE_NAMES[x.fundingSource] ?? x.fundingSource })),
      },
    ],
  };
}

export function reconciliationFile(r: ReconciliationReport): ReportFile {
  return {
    fileName: `reconciliation-${r.schoolId}-${r.from}-${r.to}`,
    title: `Сверки, ${period(r.from, r.to)}`,
    sheets: r.sections.map((s) => {
      const keys = [...new Set(s.rows.flatMap((x) => Object.keys(x)))];
      return {
        name: s.title.slice(0, 31).replace(/[\\/?*[\]:]/g, ' '), title: `${s.title}: ${s.summary}`,
        columns: keys.map((k) => ({ key: k, header: reconColumn(k).header, money: reconColumn(k).money === true })),
        rows: s.rows,
      };
    }),
  };
}
