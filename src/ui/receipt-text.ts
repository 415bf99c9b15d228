import { formatDateTime } from '../core/datetime.js';
import { formatAmount } from '../core/money.js';
import type { ReceiptDoc } from '../core/receipt.js';

/** "left ......... right" in `width` columns; a long left part wraps onto its own lines. */
function row(left: string, right: string, width: number): string[] {
  const out: string[] = [];
  let rest = left;
  while (rest.length + right.length + 1 > width) {
    let cut = rest.lastIndexOf(' ', width);
    if (cut <= 0) cut = width;
    out.push(rest.slice(0, cut).trimEnd());
    rest = `  ${rest.slice(cut).trimStart()}`;
  }
  out.push(rest + ' '.repeat(Math.max(1, width - rest.length - right.length)) + right);
  return out;
}

/**
 * The receipt as the cashier sees it on screen, laid out like the 58 mm
 * paper (32 columns, see DESIGN.md "Receipt"). The bytes the printer gets are
 * made by hardware/printer; this is only the on-screen preview.
 */
export function receiptText(doc: ReceiptDoc, width = 32): string[] {
  const lines: string[] = [];
  if (doc.copy) lines.push('КОПИЯ'.padStart((width + 5) / 2));
  lines.push(...row(doc.schoolName, doc.terminalName, width));
  if (doc.kind === 'cabinetLogin') {
    lines.push(formatDateTime(doc.issuedAt, doc.timeZone));
  } else {
    lines.push(...row(`${doc.kind === 'refund' ? 'Возврат' : 'Чек'} №${doc.number}`, formatDateTime(doc.issuedAt, doc.timeZone), width));
    if (doc.refundOf) lines.push(`по чеку №${doc.refundOf}`);
    for (const l of doc.lines) {
      const name = l.quantity > 1 ? `${l.name} ×${l.quantity}` : l.name;
      lines.push(...row(l.note ? `${name} (${l.note})` : name, formatAmount(l.amount), width));
    }
    lines.push(...row('ИТОГО', formatAmount(doc.total), width));
    if (doc.subsidy) lines.push(...row('Дотация бюджета', formatAmount(doc.subsidy), width));
  }
  if (doc.pupil) lines.push(`${doc.pupil.shortName}, ${doc.pupil.className}  Л/С ${doc.pupil.accountNumber}`);
  if (doc.balanceAfter !== undefined) lines.push(...row('Остаток', formatAmount(doc.balanceAfter), width));
  if (doc.cabinetLogin) {
    lines.push('-- Личный кабинет --', doc.cabinetLogin.url, `Логин: ${doc.cabinetLogin.login}  Пароль: ${doc.cabinetLogin.password}`);
  }
  if (doc.cashierName) lines.push(`Кассир: ${doc.cashierName}`);
  return lines;
}
