import { FONT_BITMAPS_BASE64, FONT_CHARS, FONT_HEIGHT, FONT_ROW_BYTES, FONT_WIDTH } from './font/terminus-12x24.js';

/**
 * Raster rendering: text lines drawn with a 12×24 bitmap font (Terminus, has
 * Cyrillic) into a 1-bit image, 12 dots per column, so 32 columns = 384 dots
 * (58 mm, 203 dpi) and 48 columns = 576 dots (80 mm): the same geometry as Font A.
 * For the TSP100 family (raster only) and as a Cyrillic fallback on any printer.
 */
export const LINE_HEIGHT = 30; // Font A's default line spacing (24-dot glyph + 6 dots)

/** A 1-bit image: rows of `bytesPerRow` bytes, most significant bit = leftmost dot, 1 = black. */
export interface Bitmap { width: number; height: number; bytesPerRow: number; data: Uint8Array }

let glyphs: Map<string, Uint8Array> | undefined;
function glyphTable(): Map<string, Uint8Array> {
  if (glyphs) return glyphs;
  const all = Buffer.from(FONT_BITMAPS_BASE64, 'base64');
  const size = FONT_HEIGHT * FONT_ROW_BYTES;
  glyphs = new Map();
  [...FONT_CHARS].forEach((ch, i) => glyphs!.set(ch, new Uint8Array(all.subarray(i * size, (i + 1) * size))));
  return glyphs;
}

export function renderLines(lines: string[], columns: number, feedLines = 0): Bitmap {
  const table = glyphTable();
  const width = columns * FONT_WIDTH;
  const bytesPerRow = width / 8; // 12 × columns is always a multiple of 8 for even column counts
  const height = (lines.length + feedLines) * LINE_HEIGHT;
  const data = new Uint8Array(bytesPerRow * height);
  const fallback = table.get('?')!;
  lines.forEach((line, row) => {
    const top = row * LINE_HEIGHT + (LINE_HEIGHT - FONT_HEIGHT) / 2;
    [...line].slice(0, columns).forEach((ch, col) => {
      if (ch === ' ') return;
      const g = table.get(ch) ?? fallback;
      const x0 = col * FONT_WIDTH;
      for (let y = 0; y < FONT_HEIGHT; y++) {
        const bits = (g[y * FONT_ROW_BYTES]! << 8) | g[y * FONT_ROW_BYTES + 1]!;
        if (!bits) continue;
        const rowOff = (top + y) * bytesPerRow;
        for (let x = 0; x < FONT_WIDTH; x++) {
          if (bits & (0x8000 >> x)) {
            const px = x0 + x;
            data[rowOff + (px >> 3)]! |= 0x80 >> (px & 7);
          }
        }
      }
    });
  });
  return { width, height, bytesPerRow, data };
}

export type RasterDialect = 'escpos' | 'star';

/** ESC/POS `GS v 0`, one band per text line so no printer's band-height limit is hit. */
export function encodeEscposRaster(bm: Bitmap, opts: { cut: boolean; drawer: boolean }): Uint8Array {
  const parts: Uint8Array[] = [Uint8Array.of(0x1b, 0x40)];
  for (let y = 0; y < bm.height; y += LINE_HEIGHT) {
    const h = Math.min(LINE_HEIGHT, bm.height - y);
    parts.push(Uint8Array.of(0x1d, 0x76, 0x30, 0x00, bm.bytesPerRow & 0xff, bm.bytesPerRow >> 8, h & 0xff, h >> 8));
    parts.push(bm.data.subarray(y * bm.bytesPerRow, (y + h) * bm.bytesPerRow));
  }
  parts.push(Uint8Array.of(0x1b, 0x64, 0x04)); // feed past the cutter
  if (opts.cut) parts.push(Uint8Array.of(0x1d, 0x56, 0x01)); // partial cut
  if (opts.drawer) parts.push(Uint8Array.of(0x1b, 0x70, 0x00, 0x32, 0xfa));
  return new Uint8Array(Buffer.concat(parts));
}

const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

/**
 * Star Graphic (raster) mode as the TSP100 family expects it: ESC * r R / ESC * r A,
 * continuous page, EOT mode 13 (partial cut) or 1 (no cut), rows as `b n1 n2 data`,
 * ESC FF NUL to end the page, ESC * r B to leave raster mode.
 */
export function encodeStarRaster(bm: Bitmap, opts: { cut: boolean; drawer: boolean }): Uint8Array {
  const out: number[] = [0x1b, 0x40, ...ascii('\x1b*rR'), ...ascii('\x1b*rA'), ...ascii('\x1b*rP0'), 0x00];
  out.push(...ascii(opts.cut ? '\x1b*rE13' : '\x1b*rE1'), 0x00);
  if (opts.drawer) out.push(...ascii('\x1b*rD1'), 0x00);
  // Rows are copied into one preallocated buffer: a receipt is ~600 rows of 48-72 bytes.
  const rows = new Uint8Array(bm.height * (3 + bm.bytesPerRow));
  for (let y = 0, o = 0; y < bm.height; y++) {
    rows[o++] = 0x62; rows[o++] = bm.bytesPerRow & 0xff; rows[o++] = bm.bytesPerRow >> 8;
    rows.set(bm.data.subarray(y * bm.bytesPerRow, (y + 1) * bm.bytesPerRow), o);
    o += bm.bytesPerRow;
  }
  const tail = [0x1b, 0x0c, 0x00, ...ascii('\x1b*rB')];
  const result = new Uint8Array(out.length + rows.length + tail.length);
  result.set(out); result.set(rows, out.length); result.set(tail, out.length + rows.length);
  return result;
}
