import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import iconv from 'iconv-lite';
import { demoReceipt } from '../../hardware/printer/demo.js';
import { COLUMNS, encodeDoc, layoutReceipt, render, type PaperWidth, type Profile } from '../../hardware/printer/index.js';
import { decodePrint, textLines } from '../../hardware/printer/decode.js';
import { renderLines, LINE_HEIGHT } from '../../hardware/printer/raster.js';
import { bitmapToPng, pngToBitmap } from '../../hardware/printer/png.js';
import { FONT_BITMAPS_BASE64, FONT_CHARS, FONT_HEIGHT, FONT_ROW_BYTES, FONT_WIDTH } from '../../hardware/printer/font/terminus-12x24.js';

/**
 * Golden files: the exact bytes of the demo receipt per profile and width.
 * Regenerate deliberately with UPDATE_GOLDEN=1 after a reviewed layout change.
 */
const GOLDEN = fileURLToPath(new URL('../golden/', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const update = process.env.UPDATE_GOLDEN === '1';

function golden(name: string, actual: Buffer): Buffer {
  const file = GOLDEN + name;
  if (update || !existsSync(file)) { mkdirSync(GOLDEN, { recursive: true }); writeFileSync(file, actual); }
  return readFileSync(file);
}

/** What `canteen receipt --demo --text` prints, from the real command. */
function cliText(width: PaperWidth): string[] {
  const out = execFileSync(process.execPath, ['bin/canteen.mjs', 'receipt', '--demo', '--profile', 'escpos', '--width', String(width), '--text'], { cwd: ROOT, encoding: 'utf8' });
  return out.replace(/\n$/, '').split('\n');
}

const TEXT_PROFILES: { profile: Profile; dialect: 'escpos' | 'star'; codepage: number; select: number[] }[] = [
  { profile: 'escpos', dialect: 'escpos', codepage: 17, select: [0x1b, 0x74, 17] },
  { profile: 'star-line', dialect: 'star', codepage: 10, select: [0x1b, 0x1d, 0x74, 10] },
  { profile: 'star-prnt', dialect: 'star', codepage: 10, select: [0x1b, 0x1d, 0x74, 10] },
];

const indexOf = (hay: Uint8Array, needle: number[]): number => Buffer.from(hay).indexOf(Buffer.from(needle));

describe('demo receipt layout', () => {
  it('matches the DESIGN.md receipt on 80 mm paper (48 columns)', () => {
    const lines = layoutReceipt(demoReceipt(), 48).lines;
    expect(lines).toEqual([
      'Школа №24                                Касса 1',
      'Чек №24-015183                  15.03.2018 10:42',
      'Каша гречневая рассыпчатая 150 г            8,30',
      'Котлета рубленая из филе курицы, 100 г     23,85',
      'Пицца 125 г                                34,50',
      'Булочка ванильная с изюмом 110 г           16,50',
      'Сок в ассортименте 200 г                   13,20',
      'ИТОГО                                      96,35',
      'И. И. И., 03Б                     Л/С 0242013137',
      'Остаток                                   581,31',
      '              -- Личный кабинет --',
      'https://lk.canteen.example/',
      'Логин: 0242013137               Пароль: Ёж7-кот4',
      'Пароль временный: при первом входе задайте',
      'постоянный.',
    ]);
  });

  it('wraps long names on 58 mm paper and keeps prices flush right', () => {
    const lines = layoutReceipt(demoReceipt(), 32).lines;
    expect(lines.every((l) => [...l].length <= 32)).toBe(true);
    expect(lines).toContain('Котлета рубленая из филе курицы,');
    expect(lines).toContain('  100 г                    23,85');
    expect(lines).toContain('ИТОГО                      96,35');
    expect(lines).toContain('Остаток                   581,31');
  });

  it('marks copies and refunds', () => {
    const copy = layoutReceipt(demoReceipt({ copy: true }), 32).lines;
    expect(copy[0]!.trim()).toBe('*** КОПИЯ ***');
    expect(copy[copy.length - 1]!.trim()).toBe('*** КОПИЯ ***');
    const refund = layoutReceipt(demoReceipt({ kind: 'refund', number: '24-015190', refundOf: '24-015183', cabinetLogin: undefined }), 32).lines;
    expect(refund).toContain('Возврат по чеку №24-015183');
    expect(refund.some((l) => l.startsWith('ИТОГО ВОЗВРАТ'))).toBe(true);
  });
});

describe.each(TEXT_PROFILES)('$profile golden bytes', ({ profile, dialect, codepage, select }) => {
  it.each([58, 80] as const)('%i mm: exact bytes, CP866 selected, decodes to the --text lines', (width) => {
    const { bytes } = render({ kind: 'receipt', doc: demoReceipt() }, { profile, columns: COLUMNS[width] });
    const expected = golden(`receipt-demo-${profile}-${width}.bin`, Buffer.from(bytes));
    expect(Buffer.from(bytes).equals(expected)).toBe(true);

    // The code page is selected before the first Cyrillic byte.
    const sel = indexOf(bytes, select);
    expect(sel).toBeGreaterThan(0);
    expect(bytes.findIndex((b) => b >= 0x80)).toBeGreaterThan(sel);

    const decoded = decodePrint(bytes, dialect);
    expect(decoded.codepage).toBe(codepage);
    expect(decoded.cuts).toBe(1);
    expect(decoded.drawerKicks).toBe(0);
    expect(textLines(decoded)).toEqual(cliText(width));
  });

  it('prints every Russian letter, Ё and № with its CP866 byte', () => {
    const upper = 'АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ', lower = 'абвгдеёжзийклмнопрстуфхцчшщъыьэюя№';
    const bytes = encodeDoc({ lines: [upper, lower] }, { profile, columns: 48, cut: false });
    expect(indexOf(bytes, [...iconv.encode(upper, 'cp866')])).toBeGreaterThan(0);
    expect(indexOf(bytes, [...iconv.encode(lower, 'cp866')])).toBeGreaterThan(0);
    // Spot checks against the CP866 table itself.
    expect(indexOf(bytes, [0x85, 0xf0, 0x86])).toBeGreaterThan(0); // Е Ё Ж
    expect(indexOf(bytes, [0xa5, 0xf1, 0xa6])).toBeGreaterThan(0); // е ё ж
    expect(bytes.includes(0xfc)).toBe(true);                        // №
    expect(textLines(decodePrint(bytes, dialect))).toEqual([upper, lower]);
  });

  it('kicks the drawer when asked', () => {
    const bytes = encodeDoc({ lines: ['x'], drawer: true }, { profile, columns: 32 });
    expect(decodePrint(bytes, dialect).drawerKicks).toBe(1);
  });
});

/**
 * Terminus draws some Latin and Cyrillic letters alike (a/а, o/о …): both sides of
 * the raster comparison map each character to the first one with the same glyph.
 */
function sameGlyph(lines: string[]): string[] {
  const font = Buffer.from(FONT_BITMAPS_BASE64, 'base64');
  const size = FONT_HEIGHT * FONT_ROW_BYTES;
  const chars = [...FONT_CHARS];
  const canon = new Map<string, string>();
  chars.forEach((ch, k) => {
    const first = chars.findIndex((_, j) => font.subarray(j * size, (j + 1) * size).equals(font.subarray(k * size, (k + 1) * size)));
    canon.set(ch, chars[first]!);
  });
  return lines.map((l) => [...l].map((c) => canon.get(c) ?? c).join(''));
}

/** Reads a raster image back to text by matching each 12×24 cell against the font. */
function ocr(img: { width: number; height: number; bytesPerRow: number; data: Uint8Array }): string[] {
  const font = Buffer.from(FONT_BITMAPS_BASE64, 'base64');
  const size = FONT_HEIGHT * FONT_ROW_BYTES;
  const chars = [...FONT_CHARS];
  const cols = img.width / FONT_WIDTH;
  const lines: string[] = [];
  for (let row = 0; row * LINE_HEIGHT < img.height; row++) {
    let line = '';
    for (let col = 0; col < cols; col++) {
      const cell: number[] = [];
      for (let y = 0; y < FONT_HEIGHT; y++) {
        let bits = 0;
        for (let x = 0; x < FONT_WIDTH; x++) {
          const px = col * FONT_WIDTH + x, py = row * LINE_HEIGHT + 3 + y;
          if (img.data[py * img.bytesPerRow + (px >> 3)]! & (0x80 >> (px & 7))) bits |= 0x8000 >> x;
        }
        cell.push(bits >> 8, bits & 0xff);
      }
      if (cell.every((b) => b === 0)) { line += ' '; continue; }
      const i = chars.findIndex((_, k) => font.subarray(k * size, (k + 1) * size).equals(Buffer.from(cell)));
      line += i < 0 ? '\uFFFD' : chars[i];
    }
    lines.push(line.trimEnd());
  }
  return lines;
}

describe('raster profile', () => {
  it.each([[58, 384], [80, 576]] as const)('%i mm: image %i dots wide, one 30-dot row per line, matches the golden PNG', (width, dots) => {
    const doc = layoutReceipt(demoReceipt(), COLUMNS[width]);
    for (const dialect of ['star', 'escpos'] as const) {
      const bytes = encodeDoc(doc, { profile: 'raster', columns: COLUMNS[width], rasterDialect: dialect });
      const expected = golden(`receipt-demo-raster-${dialect}-${width}.bin`, Buffer.from(bytes));
      expect(Buffer.from(bytes).equals(expected)).toBe(true);
      const decoded = decodePrint(bytes, dialect);
      expect(decoded.lines.filter((l) => l !== '')).toEqual([]); // no text a TSP100 would silently drop
      expect(decoded.cuts).toBe(1);
      expect(decoded.images).toHaveLength(1);
      const img = decoded.images[0]!;
      expect(img.width).toBe(dots);
      expect(img.height).toBe(doc.lines.length * LINE_HEIGHT);
      expect(ocr(img)).toEqual(sameGlyph(cliText(width)));

      const png = golden(`receipt-demo-raster-${width}.png`, bitmapToPng(renderLines(doc.lines, COLUMNS[width])));
      const fromPng = pngToBitmap(png);
      expect([fromPng.width, fromPng.height]).toEqual([img.width, img.height]);
      expect(Buffer.from(fromPng.data).equals(Buffer.from(img.data))).toBe(true);
    }
  });
});
