import { parse } from 'csv-parse/sync';
import { parseMoney, MoneyFormatError } from '../../core/money.js';
import { startOfDay } from '../../core/period.js';
import { decodeTextDetected, type TextEncodingName } from '../admin/text.js';
import { detectCsvDelimiter } from '../csv.js';
import { isAccountNumber } from '../account-number.js';

/**
 * Bank payment registries: CSV lines "payment id; date; account number;
 * amount; payer". Windows-1251 or UTF-8 (with or without BOM), detected:
 * bytes that are not valid UTF-8 are read as Windows-1251. Delimiter ';'
 * (Russian banks), tab or ',' (then amounts with a comma must be quoted).
 * An optional header line is skipped. Parsing never stops at a bad line:
 * each one becomes a rejection with its line number and a Russian reason.
 */
export type RegistryEncoding = TextEncodingName;

export interface RegistryLine {
  line: number;
  paymentId: string;
  accountNumber: string;
  amount: number;
  paidAt: string;           // ISO instant (start of the day in the school's zone when the file has no time)
  paidLabel: string;        // "14.03.2018"
  payer: string;
}

export type RejectReason = 'badLine' | 'badPaymentId' | 'badDate' | 'badAccount' | 'badAmount' | 'duplicate' | 'unknownAccount' | 'acquiring';

export interface Rejection { line: number; paymentId: string | null; reason: RejectReason; message: string }

export interface ParsedRegistry { encoding: RegistryEncoding; lines: RegistryLine[]; rejected: Rejection[] }

export const MAX_REGISTRY_AMOUNT = 10_000_000; // 100 000,00 ₽ per payment: anything larger is a typo

export function decodeRegistry(bytes: Uint8Array): { text: string; encoding: RegistryEncoding } {
  const { text, encoding } = decodeTextDetected(bytes);
  return { text: text.replace(/^\uFEFF/, ''), encoding };
}

const DATE_RU = /^(\d{2})\.(\d{2})\.(\d{4})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/;
const DATE_ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/;

/** Bank dates are the school's local time; returns the instant and "DD.MM.YYYY", or null. */
export function parseBankDate(text: string, timeZone: string): { iso: string; label: string } | null {
  const ru = DATE_RU.exec(text);
  const iso = DATE_ISO.exec(text);
  let y: string, mo: string, d: string, h = '00', mi = '00', s = '00';
  if (ru) { [, d, mo, y] = ru as unknown as [string, string, string, string]; h = ru[4] ?? h; mi = ru[5] ?? mi; s = ru[6] ?? s; }
  else if (iso) { [, y, mo, d] = iso as unknown as [string, string, string, string]; h = iso[4] ?? h; mi = iso[5] ?? mi; s = iso[6] ?? s; }
  else return null;
  const day = `${y}-${mo}-${d}`;
  const check = new Date(`${day}T00:00:00Z`);
  if (Number.isNaN(check.getTime()) || check.toISOString().slice(0, 10) !== day || Number(y) < 2000) return null;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return null;
  const start = startOfDay(day, timeZone).getTime();
  const at = new Date(start + ((Number(h) * 60 + Number(mi)) * 60 + Number(s)) * 1000);
  return { iso: at.toISOString(), label: `${d}.${mo}.${y}` };
}

export function parseRegistry(bytes: Uint8Array, timeZone: string): ParsedRegistry {
  const { text, encoding } = decodeRegistry(bytes);
  const rejected: Rejection[] = [];
  const lines: RegistryLine[] = [];
  const records = parse(text, {
    delimiter: detectCsvDelimiter(text),
    relax_column_count: true,
    skip_empty_lines: true,
    trim: true,
    info: true,
    skip_records_with_error: true,
    on_skip: (err) => {
      rejected.push({ line: Number((err as { lines?: unknown } | undefined)?.lines ?? 0), paymentId: null, reason: 'badLine', message: `строка не читается как CSV: ${err?.message ?? ''}`.trim() });
      return undefined;
    },
  }) as unknown as { record: string[]; info: { lines: number } }[];

  const seen = new Set<string>();
  records.forEach(({ record, info }, index) => {
    const line = info.lines;
    const cells = record.map((c) => c.trim());
    if (cells.every((c) => c === '')) return;
    if (index === 0 && looksLikeHeader(cells)) return;
    const reject = (reason: RejectReason, message: string, paymentId: string | null = cells[0] || null) =>
      rejected.push({ line, paymentId, reason, message });
    if (cells.length < 4) return reject('badLine', `ожидается 5 полей (номер платежа; дата; лицевой счёт; сумма; плательщик), найдено ${cells.length}`);
    const [paymentId = '', dateText = '', account = '', amountText = '', ...payerParts] = cells;
    if (!/^[\p{L}\p{N}_\-/.:]{1,64}$/u.test(paymentId)) return reject('badPaymentId', 'неверный номер платежа', null);
    const date = parseBankDate(dateText, timeZone);
    if (!date) return reject('badDate', `неверная дата «${dateText}»`);
    const number = account.replace(/\s/g, '');
    if (!isAccountNumber(number)) return reject('badAccount', `неверный номер лицевого счёта «${account}»: нужно 10 цифр`);
    let amount: number;
    try {
      amount = parseMoney(amountText);
    } catch (err) {
      if (err instanceof MoneyFormatError) return reject('badAmount', `неверная сумма «${amountText}»`);
      throw err;
    }
    if (amount <= 0) return reject('badAmount', `сумма должна быть больше нуля: «${amountText}»`);
    if (amount > MAX_REGISTRY_AMOUNT) return reject('badAmount', `слишком большая сумма «${amountText}»`);
    if (seen.has(paymentId)) return reject('duplicate', `платёж ${paymentId} повторяется в файле`);
    seen.add(paymentId);
    lines.push({ line, paymentId, accountNumber: number, amount, paidAt: date.iso, paidLabel: date.label, payer: payerParts.join(', ').slice(0, 300) });
  });
  rejected.sort((a, b) => a.line - b.line);
  return { encoding, lines, rejected };
}

function looksLikeHeader(cells: string[]): boolean {
  const amount = cells[3] ?? '';
  const account = (cells[2] ?? '').replace(/\s/g, '');
  return !isAccountNumber(account) && !/^[\d\s.,+-]+$/.test(amount);
}
