import { formatDateTime } from '../core/datetime.js';
import { formatMoney } from '../core/money.js';
import type { PrinterState } from '../api/pos-api.js';

export const money = formatMoney;

export function time(iso: string | undefined, timeZone?: string): string {
  return iso ? formatDateTime(iso, timeZone) : '—';
}

const PRINTER_TEXT: Record<PrinterState['state'], { label: string; todo?: string }> = {
  ready: { label: 'готов' },
  paperNearEnd: { label: 'бумага заканчивается', todo: 'Приготовьте новый рулон' },
  paperOut: { label: 'нет бумаги', todo: 'Вставьте новый рулон и закройте крышку' },
  coverOpen: { label: 'открыта крышка', todo: 'Закройте крышку принтера' },
  offline: { label: 'не на связи', todo: 'Проверьте питание и кабель принтера' },
  unknown: { label: 'состояние неизвестно', todo: 'Проверьте принтер' },
};

export function printerText(p: PrinterState): { label: string; todo?: string } {
  const base = PRINTER_TEXT[p.state];
  // A ready printer needs nothing from the cashier, whatever the driver says.
  return p.state === 'ready' ? { label: base.label } : { label: base.label, todo: p.message ?? base.todo };
}

/** Russian agreement with a number: `one` for 1, 21, 101; `few` for 2–4, 22–24; `many` for 0, 5–20, 25 … */
export function plural(n: number, one: string, few: string, many: string): string {
  const m10 = n % 10, m100 = n % 100;
  if (m10 === 1 && m100 !== 11) return one;
  if (m10 >= 2 && m10 <= 4 && (m100 < 12 || m100 > 14)) return few;
  return many;
}

/** "1 продажа", "2 продажи", "5 продаж" */
export function salesWord(n: number): string {
  return plural(n, 'продажа', 'продажи', 'продаж');
}
