import type { PrinterState } from '../../src/core/types.js';

/**
 * Printer status from the printer's own answers: ESC/POS `DLE EOT n` bytes and
 * Star's Automatic Status Back (ASB). The cashier gets one state and one Russian
 * sentence saying what to do.
 */
export type PrinterCondition = PrinterState['state'];

export interface PrinterStatus {
  state: PrinterCondition;
  paperOut: boolean;
  paperNearEnd: boolean;
  coverOpen: boolean;
  offline: boolean;
  /** Cutter jam, head overheat, unrecoverable error. */
  error: boolean;
}

export const MESSAGES: Record<PrinterCondition, string> = {
  ready: 'Принтер готов',
  paperNearEnd: 'Бумага заканчивается: приготовьте новый рулон',
  paperOut: 'В принтере кончилась бумага: вставьте новый рулон. Чеки в очереди напечатаются сами',
  coverOpen: 'Крышка принтера открыта: закройте её',
  offline: 'Принтер не отвечает: проверьте питание и кабель. Продажи продолжаются, чеки ждут в очереди',
  unknown: 'Состояние принтера неизвестно',
};

export function summarize(s: Omit<PrinterStatus, 'state'>): PrinterStatus {
  // Most urgent first: what stops printing beats what only warns.
  const state: PrinterCondition = s.coverOpen ? 'coverOpen' : s.paperOut ? 'paperOut' : s.offline || s.error ? 'offline' : s.paperNearEnd ? 'paperNearEnd' : 'ready';
  return { ...s, state };
}

/** `DLE EOT 1`, `DLE EOT 2`, `DLE EOT 4`: the three queries we send, in this order. */
export const ESCPOS_STATUS_QUERIES = [Uint8Array.of(0x10, 0x04, 0x01), Uint8Array.of(0x10, 0x04, 0x02), Uint8Array.of(0x10, 0x04, 0x04)];

/** A DLE EOT answer byte always has bit 1 and bit 4 set and bits 0 and 7 clear. */
const validDleEot = (b: number | undefined): b is number => b !== undefined && (b & 0x93) === 0x12;

/** Parses the three DLE EOT answers (printer, offline cause, paper sensor). */
export function parseEscposStatus(printer: number | undefined, offlineCause: number | undefined, paper: number | undefined): PrinterStatus {
  if (!validDleEot(printer)) return { ...summarize({ paperOut: false, paperNearEnd: false, coverOpen: false, offline: true, error: false }) };
  const offline = (printer & 0x08) !== 0;
  const cause = validDleEot(offlineCause) ? offlineCause : 0;
  const roll = validDleEot(paper) ? paper : 0;
  return summarize({
    offline,
    coverOpen: (cause & 0x04) !== 0,
    paperOut: (cause & 0x20) !== 0 || (roll & 0x60) !== 0,
    paperNearEnd: (roll & 0x0c) !== 0,
    error: (cause & 0x40) !== 0,
  });
}

/** Star real-time status request: the printer answers with its ASB. */
export const STAR_STATUS_QUERY = Uint8Array.of(0x1b, 0x06, 0x01);

/** ASB length from its first byte (bits 1-3 and 5-6). */
export function asbLength(header1: number): number {
  return ((header1 & 0x0e) >> 1) | ((header1 & 0x60) >> 2);
}

/** Parses a Star ASB (at least 6 bytes for the paper sensor). */
export function parseStarAsb(asb: Uint8Array): PrinterStatus {
  if (asb.length < 3 || (asb[0]! & 0x91) !== 0x01) {
    return summarize({ paperOut: false, paperNearEnd: false, coverOpen: false, offline: true, error: false });
  }
  const b3 = asb[2]!, b4 = asb[3] ?? 0, b6 = asb[5] ?? 0;
  return summarize({
    coverOpen: (b3 & 0x20) !== 0,
    offline: (b3 & 0x08) !== 0,
    error: (b4 & 0x6c) !== 0, // head overheat, unrecoverable, cutter, mechanical
    paperOut: (b6 & 0x08) !== 0,
    paperNearEnd: (b6 & 0x06) !== 0,
  });
}

/** Builds an ASB for simulators and tests: 9 bytes, the usual length. */
export function buildStarAsb(s: Partial<Omit<PrinterStatus, 'state'>>): Uint8Array {
  const len = 9;
  const header1 = 0x01 | ((len & 0x07) << 1) | ((len & 0x18) << 2);
  const asb = new Uint8Array(len);
  asb[0] = header1;
  asb[1] = 0x02;
  asb[2] = (s.coverOpen ? 0x20 : 0) | (s.offline ? 0x08 : 0);
  asb[3] = s.error ? 0x08 : 0;
  asb[5] = (s.paperOut ? 0x08 : 0) | (s.paperNearEnd ? 0x04 : 0);
  return asb;
}

/** Builds the three DLE EOT answers for simulators and tests. */
export function buildEscposStatus(s: Partial<Omit<PrinterStatus, 'state'>>): [number, number, number] {
  const offline = s.offline || s.coverOpen || s.paperOut;
  return [
    0x12 | (offline ? 0x08 : 0),
    0x12 | (s.coverOpen ? 0x04 : 0) | (s.paperOut ? 0x20 : 0) | (s.error ? 0x40 : 0),
    0x12 | (s.paperNearEnd ? 0x0c : 0) | (s.paperOut ? 0x60 : 0),
  ];
}

export const statusMessage = (s: PrinterStatus): string => MESSAGES[s.state];
