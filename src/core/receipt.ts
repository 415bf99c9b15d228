import type { Kopecks } from './money.js';
import type { PricedLine } from './sale.js';

/**
 * What a printed receipt says, independent of the printer: the printer layer
 * (hardware/printer) lays it out for 32 or 48 columns and encodes it per profile.
 * Amounts are kopecks; the time is an ISO instant shown in `timeZone`.
 */
export interface ReceiptDoc {
  kind: 'sale' | 'refund' | 'cabinetLogin';
  schoolName: string;            // "Школа №24"
  terminalName: string;          // "Касса 1"
  number: string;                // "24-015183" (printed as "Чек №24-015183")
  issuedAt: string;              // ISO 8601 instant
  timeZone: string;              // "Europe/Moscow"
  lines: ReceiptLine[];
  total: Kopecks;
  /** Part of the total paid by the budget (subsidised meals); 0 when none. */
  subsidy?: Kopecks;
  pupil?: { shortName: string; className: string; accountNumber: string }; // "Иванов И.И.", "03Б"
  balanceAfter?: Kopecks;
  cashierName?: string;
  /** Printed while the account has no permanent password, or on a manager's request. */
  cabinetLogin?: { url: string; login: string; password: string };
  /** A reprint is marked as a copy ("КОПИЯ"). */
  copy?: boolean;
  /** For a refund: the receipt it reverses. */
  refundOf?: string;
}

export interface ReceiptLine {
  name: string;                  // "Котлета рубленая из филе курицы, 100 г"
  quantity: number;              // integer portions
  unitPrice: Kopecks;
  amount: Kopecks;               // quantity × unitPrice, minus any subsidy shown separately
  note?: string;                 // e.g. "льгота" for a free or subsidised meal set
}

/** A priced line as the receipt prints it (what the account paid; the budget's part is in the totals). */
export function receiptLine(l: PricedLine): ReceiptLine {
  return { name: l.name, quantity: l.quantity, unitPrice: l.unitPrice, amount: l.amount, ...(l.note ? { note: l.note } : {}) };
}

/** "Иванов Иван Иванович" → "Иванов И.И." */
export function shortName(fullName: string): string {
  const [last, ...rest] = fullName.trim().split(/\s+/);
  if (!last) return '';
  const initials = rest.map((p) => `${p[0]?.toUpperCase() ?? ''}.`).join('');
  return initials ? `${last} ${initials}` : last;
}
