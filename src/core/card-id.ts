/**
 * Canonical card ids and the one line parser every reader feeds.
 *
 * Pure and DOM/Node-free: the keyboard-wedge detector in the renderer uses it
 * too. The format is written down (with the reasons) in docs/hardware-reader.md;
 * it is what the server stores, so changing it is a data migration. The server
 * (admin/cards.ts), the till (PosService) and the readers all check ids with
 * parseCardId below; tests/integration/card-id-agreement.test.ts holds the table.
 *
 *   EM:55007EE424   Em-Marine / EM4100, the 40-bit id as 10 uppercase hex digits
 *   MF:BCD14264     Mifare, the UID (4, 7 or 10 bytes: ISO 14443) in uppercase hex as the Z-2 prints it
 *   DEC:0008316964  a plain decimal number (wedge/HID readers), exactly as typed
 *   HEX:00A1B2C3    a plain hex number (wedge/HID readers), as typed, uppercased
 *   W26:7EE424      a "series,number" pair (Wiegand-26: 8-bit series, 16-bit number)
 */

export type CardKind = 'EM' | 'MF' | 'DEC' | 'HEX' | 'W26';

/** What one reader line means. */
export type ReaderLine =
  | { kind: 'card'; cardId: string; raw: string }
  | { kind: 'noCard'; raw: string }
  | { kind: 'empty' }
  | { kind: 'garbled'; message: string; raw: string };

const CANONICAL = /^(?:EM:[0-9A-F]{10}|MF:(?:[0-9A-F]{8}|[0-9A-F]{14}|[0-9A-F]{20})|DEC:[0-9]{1,20}|HEX:[0-9A-F]{1,20}|W26:[0-9A-F]{6})$/;
/** Mifare UIDs come in 4, 7 and 10 bytes (ISO/IEC 14443-3, single/double/triple size). */
const MIFARE_UID_HEX = new Set([8, 14, 20]);

/** Kinds a card is stored (issued) under; DEC/HEX/W26 are what other readers make of them, resolved through aliases. */
export const STORED_CARD_KINDS: readonly CardKind[] = ['EM', 'MF'];

export type ParsedCardId =
  | { ok: true; cardId: string; kind: CardKind; stored: boolean }
  | { ok: false; message: string };

/**
 * The one card id grammar: `raw` (surrounding blanks and letter case forgiven) as a
 * canonical id, with its kind and whether cards are stored under it (EM/MF), or a
 * Russian reason. Never throws; anything that is not a string is refused.
 */
export function parseCardId(raw: unknown): ParsedCardId {
  if (typeof raw !== 'string') return { ok: false, message: 'Неверный номер карты' };
  const id = raw.trim().toUpperCase();
  if (!CANONICAL.test(id)) return { ok: false, message: `Неверный номер карты: «${printable(raw).slice(0, 40)}»` };
  const kind = id.slice(0, id.indexOf(':')) as CardKind;
  return { ok: true, cardId: id, kind, stored: STORED_CARD_KINDS.includes(kind) };
}

/** True when `id` is a well-formed canonical card id, exactly (no blanks, upper case). */
export function isCanonicalCardId(id: string): boolean {
  return CANONICAL.test(id);
}

// `Em-Marine[5500] 126,58404` with an optional trailing comma (some firmware).
const EM_LINE = /^Em-?Marine\s*\[([0-9A-Fa-f]{1,4})\]\s*(\d{1,3})\s*,\s*(\d{1,5})\s*,?$/i;
// `Mifare[BCD14264] 1K (0004,08) 066,53692`; subtype, parentheses and the series,number tail may be missing.
const MF_LINE = /^Mifare\s*\[([0-9A-Fa-f]{8,20})\]\s*(?:[A-Za-z0-9+]{1,8}\s*)?(?:\(\s*[0-9A-Fa-f]{1,4}\s*,\s*[0-9A-Fa-f]{1,2}\s*\)\s*)?(?:(\d{1,3})\s*,\s*(\d{1,5})\s*)?,?$/i;
const NO_CARD = /^No\s+card$/i;
const SERIES_NUMBER = /^(\d{1,3})\s*,\s*(\d{1,5})$/;
const DECIMAL = /^\d{1,20}$/;
const HEXADECIMAL = /^(?:0[xX])?([0-9A-Fa-f]{1,20})$/;

const hex = (n: number, digits: number): string => n.toString(16).toUpperCase().padStart(digits, '0');

/** Shows control bytes in error messages without breaking the terminal or JSON consumers. */
function printable(raw: string): string {
  // eslint-disable-next-line no-control-regex
  return raw.replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function garbled(raw: string, why: string): ReaderLine {
  const shown = printable(raw).slice(0, 60);
  return { kind: 'garbled', message: `Не удалось прочитать карту (${why}): «${shown}»`, raw };
}

function seriesNumber(series: string, number: string): { s: number; n: number } | null {
  const s = Number(series);
  const n = Number(number);
  return s <= 0xff && n <= 0xffff ? { s, n } : null;
}

/**
 * A plain number typed by a keyboard-wedge reader or sent by a HID reader.
 * Digits only → DEC as typed (leading zeros kept: "0008316964" is not "8316964");
 * hex letters or a 0x prefix → HEX as typed, uppercased; `NNN,NNNNN` → W26 the way
 * the Z-2 reads the same pair. Returns null when the text is none of these.
 */
export function canonicalFromNumber(text: string): string | null {
  const t = text.trim();
  const sn = SERIES_NUMBER.exec(t);
  if (sn) {
    const v = seriesNumber(sn[1]!, sn[2]!);
    return v ? `W26:${hex(v.s, 2)}${hex(v.n, 4)}` : null;
  }
  if (DECIMAL.test(t)) return `DEC:${t}`;
  const h = HEXADECIMAL.exec(t);
  if (h) return `HEX:${h[1]!.toUpperCase()}`;
  return null;
}

/** Parses one reader line (without its line ending). Never throws. */
export function parseReaderLine(rawLine: string): ReaderLine {
  const line = rawLine.trim();
  if (line === '') return { kind: 'empty' };
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\uffff]/.test(line)) return garbled(rawLine, 'помехи в строке');
  if (NO_CARD.test(line)) return { kind: 'noCard', raw: rawLine };

  if (/^Em-?Marine/i.test(line)) {
    const m = EM_LINE.exec(line);
    if (!m) return garbled(rawLine, 'неверный формат Em-Marine');
    const v = seriesNumber(m[2]!, m[3]!);
    if (!v) return garbled(rawLine, 'серия или номер вне диапазона');
    // Keep all three parts: the bracket is the top 16 bits; without it two cards collide.
    return { kind: 'card', cardId: `EM:${m[1]!.toUpperCase().padStart(4, '0')}${hex(v.s, 2)}${hex(v.n, 4)}`, raw: rawLine };
  }
  if (/^Mifare/i.test(line)) {
    const m = MF_LINE.exec(line);
    if (!m || !MIFARE_UID_HEX.has(m[1]!.length)) return garbled(rawLine, 'неверный формат Mifare');
    if (m[2] !== undefined && !seriesNumber(m[2], m[3]!)) return garbled(rawLine, 'серия или номер вне диапазона');
    return { kind: 'card', cardId: `MF:${m[1]!.toUpperCase()}`, raw: rawLine };
  }
  const plain = canonicalFromNumber(line);
  if (plain) return { kind: 'card', cardId: plain, raw: rawLine };
  return garbled(rawLine, 'неизвестный формат');
}

/** Low 24 bits of a Mifare UID as the Z-2 prints them (UID bytes read little-endian). */
function mifareLow24(uidHex: string): { s: number; n: number } {
  const bytes = uidHex.match(/../g)!.map((b) => parseInt(b, 16));
  // UID BC D1 42 64 → the Z-2 prints 066,53692 = 0x42, 0xD1BC: the first three bytes, reversed.
  return { s: bytes[2]!, n: (bytes[1]! << 8) | bytes[0]! };
}

/**
 * The line a reader would send for this canonical id: a Z-2 line for EM/MF,
 * the typed form for the rest. `parseReaderLine(formatReaderLine(id))` gives `id` back.
 * Used by the simulator and the tests. Returns null for a malformed id.
 */
export function formatReaderLine(cardId: string): string | null {
  if (!isCanonicalCardId(cardId)) return null;
  const [kind, body] = cardId.split(':') as [CardKind, string];
  switch (kind) {
    case 'EM': {
      const series = parseInt(body.slice(4, 6), 16);
      const number = parseInt(body.slice(6), 16);
      return `Em-Marine[${body.slice(0, 4)}] ${String(series).padStart(3, '0')},${String(number).padStart(5, '0')}`;
    }
    case 'MF': {
      const { s, n } = mifareLow24(body);
      return `Mifare[${body}] ${String(s).padStart(3, '0')},${String(n).padStart(5, '0')}`;
    }
    case 'W26':
      return `${String(parseInt(body.slice(0, 2), 16)).padStart(3, '0')},${String(parseInt(body.slice(2), 16)).padStart(5, '0')}`;
    case 'DEC':
    case 'HEX':
      // A HEX id of digits only would read back as DEC; the 0x prefix keeps it hex.
      return kind === 'HEX' && /^\d+$/.test(body) ? `0x${body}` : body;
  }
}

/** Alias of formatReaderLine for EM/MF ids only (what a real Z-2 would send). */
export function formatZ2Line(cardId: string): string | null {
  return /^(EM|MF):/.test(cardId) ? formatReaderLine(cardId) : null;
}

/**
 * The ids other kinds of reader produce for the card stored as `cardId`
 * (the id itself first). The terminal indexes a card under all of them so a
 * school that swaps a Z-2 for a wedge reader keeps its cards:
 * EM:55007EE424 → HEX:55007EE424 (wedge printing the 10 hex digits),
 * DEC:0008315940 (wedge printing the low 32 bits in 10 decimal digits),
 * W26:7EE424 (wedge printing "126,58404").
 */
export function cardIdAliases(cardId: string): string[] {
  if (!isCanonicalCardId(cardId)) return [];
  const [kind, body] = cardId.split(':') as [CardKind, string];
  const out = [cardId];
  if (kind === 'EM') {
    out.push(`HEX:${body}`, `DEC:${String(parseInt(body.slice(2), 16)).padStart(10, '0')}`, `W26:${body.slice(4)}`);
  } else if (kind === 'MF' && body.length === 8) {
    const { s, n } = mifareLow24(body);
    const le = parseInt(body.match(/../g)!.reverse().join(''), 16);
    out.push(`HEX:${body}`, `DEC:${String(le).padStart(10, '0')}`, `W26:${hex(s, 2)}${hex(n, 4)}`);
  }
  // A hex-mode reader typing a hex id that happens to be all digits is read as DEC.
  if ((kind === 'EM' || kind === 'MF') && /^\d+$/.test(body)) out.push(`DEC:${body}`);
  return [...new Set(out)];
}
