import type { ReceiptDoc, ReceiptLine } from './receipt.js';
import { shortName } from './receipt.js';
import type { ShiftReport } from './types.js';
import { formatAmount } from './money.js';
import { DEFAULT_TIME_ZONE, formatDateTime as formatDateTimeUncached } from './datetime.js';

/** formatDateTime builds an Intl.DateTimeFormat per call (~0.1 ms); a receipt is laid out again on every (re)print. */
const dateCache = new Map<string, string>();
function formatDateTime(at: Date | string, tz: string): string {
  const key = `${typeof at === 'string' ? at : at.toISOString()}|${tz}`;
  let v = dateCache.get(key);
  if (v === undefined) {
    v = formatDateTimeUncached(at, tz);
    if (dateCache.size > 256) dateCache.clear();
    dateCache.set(key, v);
  }
  return v;
}

/**
 * Printer-independent layout: a receipt, a shift report or a test page becomes
 * plain text lines of at most `columns` characters (32 on 58 mm paper, 48 on 80 mm,
 * Font A). Every profile prints exactly these lines, so `--text`, the simulated
 * printer's preview and the decoded golden bytes can all be compared with them.
 */
export type PaperWidth = 58 | 80;
export const COLUMNS: Record<PaperWidth, number> = { 58: 32, 80: 48 };

export interface PrintDoc {
  lines: string[];
  /** Open the cash drawer after printing (drawer kick). */
  drawer?: boolean;
}

/** Characters CP866 and our raster font cannot print, mapped to ones they can. */
const SUBSTITUTES: Record<string, string> = {
  '\u00a0': ' ', '\u202f': ' ', '\u2009': ' ', '×': 'x', '—': '-', '–': '-', '«': '"', '»': '"',
  '“': '"', '”': '"', '„': '"', '’': "'", '‘': "'", '…': '...', '₽': 'р.', '\t': ' ',
};

export function printable(text: string): string {
  let out = '';
  for (const ch of text) out += SUBSTITUTES[ch] ?? (ch < ' ' ? ' ' : ch);
  return out;
}

const len = (s: string): number => [...s].length;

/** Left text and right text on one line, the right one flush right; null when they do not fit. */
function spread(left: string, right: string, columns: number, minGap = 1): string | null {
  const gap = columns - len(left) - len(right);
  return gap >= minGap ? left + ' '.repeat(gap) + right : null;
}

/** Left + right on one line if they fit, otherwise left (wrapped) then right flush right. */
function pair(left: string, right: string, columns: number): string[] {
  const one = spread(left, right, columns);
  if (one !== null) return [one];
  return [...wrap(left, columns), right.padStart(columns)];
}

export function center(text: string, columns: number): string {
  return len(text) >= columns ? text : ' '.repeat(Math.floor((columns - len(text)) / 2)) + text;
}

/** Word wrap; continuation lines get `indent` spaces; words longer than a line are cut. */
export function wrap(text: string, columns: number, indent = 0): string[] {
  const words = printable(text).trim().split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let cur = '';
  const pad = ' '.repeat(indent);
  for (let word of words) {
    for (;;) {
      const prefix = cur ? `${cur} ` : lines.length ? pad : '';
      if (len(prefix) + len(word) <= columns) { cur = prefix + word; break; }
      if (cur) { lines.push(cur); cur = ''; continue; }
      // A word longer than the line: cut it.
      const room = columns - len(prefix);
      const chars = [...word];
      lines.push(prefix + chars.slice(0, room).join(''));
      word = chars.slice(room).join('');
      if (!word) break;
    }
  }
  if (cur) lines.push(cur);
  return lines.length ? lines : [''];
}

/** A name wrapped with a hanging indent and an amount flush right on its last line (or below it). */
function item(name: string, amount: string, columns: number): string[] {
  const lines = wrap(name, columns, 2);
  const last = lines[lines.length - 1]!;
  const joined = spread(last, amount, columns, 2);
  if (joined !== null) lines[lines.length - 1] = joined;
  else lines.push(amount.padStart(columns));
  return lines;
}

function receiptLine(line: ReceiptLine, columns: number): string[] {
  if (line.quantity === 1 && !line.note) return item(line.name, formatAmount(line.amount), columns);
  const out = wrap(line.name, columns, 2);
  const detail = `${line.quantity} x ${formatAmount(line.unitPrice)}${line.note ? ` (${line.note})` : ''}`;
  out.push(...item(detail, formatAmount(line.amount), columns - 2).map((l) => `  ${l}`));
  return out;
}

const rule = (columns: number, ch = '-'): string => ch.repeat(columns);

export function layoutReceipt(doc: ReceiptDoc, columns: number): PrintDoc {
  const tz = doc.timeZone || DEFAULT_TIME_ZONE;
  const out: string[] = [];
  if (doc.copy) out.push(center('*** КОПИЯ ***', columns));
  out.push(...pair(doc.schoolName, doc.terminalName, columns));
  const when = formatDateTime(doc.issuedAt, tz);
  if (doc.kind === 'cabinetLogin') {
    out.push(...pair('Доступ в личный кабинет', when, columns));
  } else {
    if (doc.kind === 'refund') out.push(center('ВОЗВРАТ', columns));
    out.push(...pair(`Чек №${doc.number}`, when, columns));
    if (doc.kind === 'refund' && doc.refundOf) out.push(...wrap(`Возврат по чеку №${doc.refundOf}`, columns));
    for (const line of doc.lines) out.push(...receiptLine(line, columns));
    if (doc.subsidy) out.push(...pair('Дотация', formatAmount(doc.subsidy), columns));
    out.push(...pair(doc.kind === 'refund' ? 'ИТОГО ВОЗВРАТ' : 'ИТОГО', formatAmount(doc.total), columns));
  }
  if (doc.pupil) {
    // Initials only, also for a receipt stored before they were (its copy prints "И. И. И." too).
    const who = `${shortName(doc.pupil.shortName)}, ${doc.pupil.className}`;
    const acc = `Л/С ${doc.pupil.accountNumber}`;
    out.push(spread(who, acc, columns, 2) ?? who, ...(spread(who, acc, columns, 2) === null ? [acc] : []));
  }
  if (doc.balanceAfter !== undefined) out.push(...pair('Остаток', formatAmount(doc.balanceAfter), columns));
  if (doc.cashierName) out.push(...wrap(`Кассир: ${doc.cashierName}`, columns));
  if (doc.cabinetLogin) {
    out.push(center('-- Личный кабинет --', columns));
    out.push(...wrap(doc.cabinetLogin.url, columns));
    const login = `Логин: ${doc.cabinetLogin.login}`;
    const password = `Пароль: ${doc.cabinetLogin.password}`;
    const both = spread(login, password, columns, 2);
    if (both !== null) out.push(both); else out.push(login, password);
    out.push(...wrap('Пароль временный: при первом входе задайте постоянный.', columns));
  }
  if (doc.copy) out.push(center('*** КОПИЯ ***', columns));
  return { lines: out.map((l) => printable(l).trimEnd()) };
}

export function layoutShiftReport(report: ShiftReport, columns: number, opts: { schoolName?: string; terminalName?: string; timeZone?: string; copy?: boolean } = {}): PrintDoc {
  const tz = opts.timeZone ?? DEFAULT_TIME_ZONE;
  const out: string[] = [];
  if (opts.copy) out.push(center('*** КОПИЯ ***', columns));
  if (opts.schoolName || opts.terminalName) out.push(...pair(opts.schoolName ?? '', opts.terminalName ?? '', columns));
  out.push(center(report.kind === 'X' ? 'X-ОТЧЁТ' : 'Z-ОТЧЁТ', columns));
  if (report.kind === 'Z') out.push(center('смена закрыта', columns));
  out.push(...pair(`Смена №${report.shift.number}`, report.shift.openedBy, columns));
  out.push(...pair('Открыта', formatDateTime(report.shift.openedAt, tz), columns));
  if (report.shift.closedAt) out.push(...pair('Закрыта', formatDateTime(report.shift.closedAt, tz), columns));
  out.push(...pair('Сформирован', formatDateTime(report.generatedAt, tz), columns));
  out.push(rule(columns));
  out.push(...pair(`Продажи (${report.salesCount})`, formatAmount(report.salesTotal), columns));
  if (report.subsidyTotal) out.push(...pair('Дотация', formatAmount(report.subsidyTotal), columns));
  out.push(...pair(`Возвраты (${report.refundsCount})`, formatAmount(report.refundsTotal), columns));
  out.push(...pair('ИТОГО', formatAmount(report.net), columns));
  if (report.firstReceipt) out.push(...wrap(`Чеки: №${report.firstReceipt} - №${report.lastReceipt ?? report.firstReceipt}`, columns));
  if (report.perItem.length) {
    out.push(rule(columns));
    for (const it of report.perItem) out.push(...item(`${it.name} (${it.quantity} шт.)`, formatAmount(it.amount), columns));
  }
  if (opts.copy) out.push(center('*** КОПИЯ ***', columns));
  return { lines: out.map((l) => printable(l).trimEnd()) };
}

/** Two rulers so an installer sees at once whether the paper holds 32 or 48 columns. */
export function ruler(n: number): string {
  let s = '';
  for (let i = 1; i <= n; i++) s += i % 10 === 0 ? String((i / 10) % 10) : i % 5 === 0 ? '+' : '.';
  return s;
}

export function layoutTestPage(columns: number, info: { profile: string; transport?: string; status?: string; at?: Date | string; timeZone?: string }): PrintDoc {
  const out: string[] = [];
  out.push(center('ПРОВЕРКА ПРИНТЕРА', columns));
  out.push(...wrap(`Профиль: ${info.profile}, ширина ${columns} симв.`, columns));
  if (info.transport) out.push(...wrap(`Подключение: ${info.transport}`, columns));
  if (info.at) out.push(...pair('Время', formatDateTime(info.at, info.timeZone ?? DEFAULT_TIME_ZONE), columns));
  out.push('АБВГДЕЁЖЗИЙКЛМНОП', 'РСТУФХЦЧШЩЪЫЬЭЮЯ', 'абвгдеёжзийклмноп', 'рстуфхцчшщъыьэюя');
  out.push(...wrap('0123456789 №24 "Съешь же ещё этих мягких французских булок, да выпей чаю."', columns));
  out.push('32 колонки (58 мм):');
  out.push(ruler(32));
  out.push('48 колонок (80 мм):');
  // On 58 mm paper the 48-column ruler wraps: that is the visible test.
  for (let i = 0; i < 48; i += columns) out.push(ruler(48).slice(i, i + columns));
  out.push(...pair('ИТОГО', formatAmount(12345), columns));
  if (info.status) out.push(...wrap(`Состояние: ${info.status}`, columns));
  return { lines: out.map((l) => printable(l).trimEnd()) };
}
