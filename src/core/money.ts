/**
 * Money is an integer number of kopecks everywhere inside the system.
 * Parsing and formatting happen only at the edges (UI, receipts, CSV files).
 */
export type Kopecks = number;

export class MoneyFormatError extends Error {
  constructor(readonly input: string) {
    super(`Неверная сумма: «${input}»`);
    this.name = 'MoneyFormatError';
  }
}

export function assertKopecks(value: number): Kopecks {
  if (!Number.isSafeInteger(value)) throw new RangeError(`not an integer amount of kopecks: ${value}`);
  return value;
}

const MONEY_RE = /^([+-])?(\d{1,13})(?:[.,](\d{1,2}))?$/;

/** Parses "49,61", "49.61", "49", "-5,4", "1 234,50" (spaces as thousands separators) into kopecks. */
export function parseMoney(input: string): Kopecks {
  const text = input.trim().replace(/[\s\u00a0\u202f]/g, '').replace(/₽|руб\.?|р\.?$/giu, '');
  const m = MONEY_RE.exec(text);
  if (!m) throw new MoneyFormatError(input);
  const sign = m[1] === '-' ? -1 : 1;
  const rubles = Number(m[2]);
  const frac = m[3] === undefined ? 0 : Number(m[3].padEnd(2, '0'));
  return sign * (rubles * 100 + frac);
}

/** 4961 → "49,61"; -4961 → "-49,61"; 123456 → "1 234,56" when grouped. */
export function formatAmount(kopecks: Kopecks, opts: { group?: boolean } = {}): string {
  assertKopecks(kopecks);
  const sign = kopecks < 0 ? '-' : '';
  const abs = Math.abs(kopecks);
  let rubles = String(Math.trunc(abs / 100));
  if (opts.group) rubles = rubles.replace(/\B(?=(\d{3})+(?!\d))/g, '\u00a0');
  const frac = String(abs % 100).padStart(2, '0');
  return `${sign}${rubles},${frac}`;
}

/** 4961 → "49,61 ₽" (non-breaking space before the sign). */
export function formatMoney(kopecks: Kopecks): string {
  return `${formatAmount(kopecks, { group: true })}\u00a0₽`;
}

export function sumKopecks(values: Iterable<Kopecks>): Kopecks {
  let total = 0;
  for (const v of values) total += v;
  return assertKopecks(total);
}
