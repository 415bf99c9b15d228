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
  /** `shortName` is initials only ("И. И. И.", 152-ФЗ): a receipt lies on a tray or in a bin. */
  pupil?: { shortName: string; className: string; accountNumber: string }; // "И. И. И.", "03Б"
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

/**
 * A pupil's name as a receipt prints it: initials only (152-ФЗ: the child's data on paper is
 * the minimum), given name and patronymic first and the surname's initial last, as Russian
 * initials are read ("А. С. Петрова" → "А. С. П."):
 * "Петрова Анна Сергеевна" → "А. С. П.", "Иванов И.И." (a receipt stored before) → "И. И. И.".
 * A name that is initials already is returned as it is, so applying it twice changes nothing.
 */
export function shortName(fullName: string): string {
  const parts = fullName.split(/[\s.]+/).filter(Boolean);
  const initial = (p: string): string => `${[...p][0]!.toUpperCase()}.`;
  if (parts.length === 0) return '';
  if (parts.every((p) => [...p].length === 1)) return parts.map(initial).join(' ');
  const [last, ...rest] = parts;
  return [...rest, last!].map(initial).join(' ');
}
