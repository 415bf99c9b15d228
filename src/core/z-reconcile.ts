import { formatMoney, type Kopecks } from './money.js';

/**
 * A Z report's figures compared with what the server holds for the same shift (pure). The till
 * counts its receipts; the server counts the shift's applied entries (sales, refunds, subsidies)
 * and their receipts' numbers. Any difference means an entry lost, one not applied, or a forged Z.
 */
export interface ZFigures {
  salesCount: number;
  salesTotal: Kopecks;
  /** The sales' subsidy minus the refunds'. */
  subsidyTotal: Kopecks;
  refundsCount: number;
  refundsTotal: Kopecks;
  firstReceipt: string | null;
  lastReceipt: string | null;
}

export interface ZDifference { field: keyof ZFigures; label: string; till: number | string | null; server: number | string | null }

const FIELDS: { field: keyof ZFigures; label: string; money: boolean }[] = [
  { field: 'salesCount', label: 'чеков продажи', money: false },
  { field: 'salesTotal', label: 'сумма продаж', money: true },
  { field: 'subsidyTotal', label: 'дотация бюджета', money: true },
  { field: 'refundsCount', label: 'чеков возврата', money: false },
  { field: 'refundsTotal', label: 'сумма возвратов', money: true },
  { field: 'firstReceipt', label: 'первый чек', money: false },
  { field: 'lastReceipt', label: 'последний чек', money: false },
];

/** Every figure that differs, in the order the Z prints them; empty: the Z and the server agree. */
export function compareZ(till: ZFigures, server: ZFigures): ZDifference[] {
  const out: ZDifference[] = [];
  for (const f of FIELDS) {
    const a = till[f.field] ?? null, b = server[f.field] ?? null;
    if (a !== b) out.push({ field: f.field, label: f.label, till: a, server: b });
  }
  return out;
}

/** «сумма продаж: по Z 150,00 ₽, на сервере 100,00 ₽; …» or «расхождений нет». */
export function describeZDifferences(diffs: readonly ZDifference[]): string {
  if (!diffs.length) return 'расхождений нет';
  const show = (d: ZDifference, v: number | string | null) => {
    if (v === null) return '—';
    return FIELDS.find((f) => f.field === d.field)?.money && typeof v === 'number' ? formatMoney(v) : String(v);
  };
  return diffs.map((d) => `${d.label}: по Z ${show(d, d.till)}, на сервере ${show(d, d.server)}`).join('; ');
}
