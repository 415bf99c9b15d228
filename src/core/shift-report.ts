import { receiptsCount } from './plural.js';
import type { ShiftInfo, ShiftReport } from './types.js';
import { formatDateTime } from './datetime.js';
import type { Kopecks } from './money.js';
import { formatAmount } from './money.js';

/** A receipt of the shift as the report needs it. */
export interface ReportReceipt {
  seq: number;
  number: string;
  kind: 'sale' | 'refund';
  total: Kopecks;       // positive: charged (sale) or returned (refund)
  subsidy: Kopecks;
  lines: { itemId: string; name: string; quantity: number; amount: Kopecks; subsidy: Kopecks }[];
}

/** X and Z reports: totals, counts, first/last receipt, per-dish totals (sales, gross of refunds). */
export function buildShiftReport(args: {
  kind: 'X' | 'Z';
  shift: ShiftInfo;
  receipts: readonly ReportReceipt[];
  generatedAt: string;
  schoolName: string;
  terminalName: string;
  timeZone: string;
}): ShiftReport {
  const { kind, shift, generatedAt, timeZone } = args;
  const receipts = [...args.receipts].sort((a, b) => a.seq - b.seq);
  let salesCount = 0, salesTotal = 0, subsidyTotal = 0, refundsCount = 0, refundsTotal = 0;
  const perItem = new Map<string, { itemId: string; name: string; quantity: number; amount: Kopecks }>();
  for (const r of receipts) {
    if (r.kind === 'sale') {
      salesCount++; salesTotal += r.total; subsidyTotal += r.subsidy;
      for (const l of r.lines) {
        const cur = perItem.get(l.itemId) ?? { itemId: l.itemId, name: l.name, quantity: 0, amount: 0 };
        cur.quantity += l.quantity;
        cur.amount += l.amount + l.subsidy;
        perItem.set(l.itemId, cur);
      }
    } else {
      refundsCount++; refundsTotal += r.total; subsidyTotal -= r.subsidy;
    }
  }
  const items = [...perItem.values()].sort((a, b) => a.name.localeCompare(b.name, 'ru'));
  const first = receipts[0]?.number;
  const last = receipts[receipts.length - 1]?.number;
  const money = (k: Kopecks) => formatAmount(k);
  const text = [
    args.schoolName + '  ' + args.terminalName,
    `${kind === 'X' ? 'X-отчёт' : 'Z-отчёт'} по смене №${shift.number}`,
    `Открыта: ${formatDateTime(shift.openedAt, timeZone)} (${shift.openedBy})`,
    kind === 'Z' ? `Закрыта: ${formatDateTime(generatedAt, timeZone)}` : `Сформирован: ${formatDateTime(generatedAt, timeZone)}`,
    `Продажи: ${receiptsCount(salesCount)} на ${money(salesTotal)}`,
    `Дотация бюджета: ${money(subsidyTotal)}`,
    `Возвраты: ${receiptsCount(refundsCount)} на ${money(refundsTotal)}`,
    `Итого по счетам: ${money(salesTotal - refundsTotal)}`,
    first ? `Чеки: №${first} … №${last}` : 'Чеков нет',
    ...(items.length ? ['По блюдам (продажи):'] : []),
    ...items.map((i) => `  ${i.name} × ${i.quantity} = ${money(i.amount)}`),
  ];
  return {
    kind, shift, generatedAt, salesCount, salesTotal, subsidyTotal, refundsCount, refundsTotal,
    net: salesTotal - refundsTotal, firstReceipt: first, lastReceipt: last, perItem: items, text,
  };
}
