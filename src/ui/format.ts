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

export { plural } from '../core/plural.js';
import { plural } from '../core/plural.js';

/** "1 продажа", "2 продажи", "5 продаж" */
export function salesWord(n: number): string {
  return plural(n, 'продажа', 'продажи', 'продаж');
}
