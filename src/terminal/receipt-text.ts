import type { ReceiptDoc } from '../core/receipt.js';
import { formatDateTime } from '../core/datetime.js';
import { formatAmount } from '../core/money.js';

/**
 * Plain-text receipt for the console demo and logs, in the seed's layout.
 * The real printer layout (32/48 columns, ESC/POS, CP866) lives in hardware/printer.
 */
export function receiptText(doc: ReceiptDoc, width = 32): string[] {
  const lr = (left: string, right: string): string[] => {
    const room = width - right.length - 1;
    if (left.length <= room) return [left + ' '.repeat(width - left.length - right.length) + right];
    // Wrap long names the way the seed does: the amount goes on the continuation line.
    const cut = left.lastIndexOf(' ', room) > 0 ? left.lastIndexOf(' ', room) : room;
    const rest = '  ' + left.slice(cut).trim();
    return [left.slice(0, cut), ...lr(rest, right)];
  };
  const out: string[] = [];
  out.push(...lr(doc.schoolName, doc.terminalName));
  if (doc.kind !== 'cabinetLogin') {
    const title = `${doc.kind === 'refund' ? 'Возврат' : 'Чек'} №${doc.number}`;
    out.push(...lr(title, formatDateTime(doc.issuedAt, doc.timeZone)));
    if (doc.copy) out.push('КОПИЯ');
    if (doc.refundOf) out.push(`по чеку №${doc.refundOf}`);
    for (const l of doc.lines) {
      const name = l.quantity > 1 ? `${l.name} ×${l.quantity}` : l.name;
      out.push(...lr(name, formatAmount(l.amount)));
      if (l.note) out.push(`  (${l.note})`);
    }
    out.push(...lr('ИТОГО', formatAmount(doc.total)));
    if (doc.subsidy) out.push(...lr('Дотация бюджета', formatAmount(doc.subsidy)));
  }
  if (doc.pupil) out.push(`${doc.pupil.shortName}, ${doc.pupil.className}  Л/С ${doc.pupil.accountNumber}`);
  if (doc.balanceAfter !== undefined) out.push(...lr('Остаток', formatAmount(doc.balanceAfter)));
  if (doc.cabinetLogin) {
    out.push('-- Личный кабинет --', doc.cabinetLogin.url, `Логин: ${doc.cabinetLogin.login}  Пароль: ${doc.cabinetLogin.password}`);
  }
  return out;
}
