import iconv from 'iconv-lite';

/**
 * Walks ESC/POS or Star command bytes back to what the paper would show: text
 * lines (through the selected code page), cuts, drawer kicks and raster images.
 * Written independently of the encoders so tests can check them, and used by the
 * simulated printer for its preview. Unknown commands are errors, not skipped:
 * a byte sequence we cannot explain is one a real printer may print as garbage.
 */
export interface DecodedImage { width: number; height: number; bytesPerRow: number; data: Uint8Array }
export interface Decoded {
  dialect: 'escpos' | 'star';
  lines: string[];
  /** Code page selected: ESC t n (ESC/POS) or ESC GS t n (Star). */
  codepage?: number;
  cuts: number;
  drawerKicks: number;
  images: DecodedImage[];
}

export class DecodeError extends Error {}

const CODEPAGES: Record<'escpos' | 'star', Record<number, string>> = {
  escpos: { 0: 'cp437', 17: 'cp866' },
  star: { 1: 'cp437', 10: 'cp866' },
};

export function decodePrint(bytes: Uint8Array, dialect: 'escpos' | 'star'): Decoded {
  const out: Decoded = { dialect, lines: [], cuts: 0, drawerKicks: 0, images: [] };
  let cur: number[] = [];
  let starRaster: { rows: Uint8Array[]; bytesPerRow: number } | undefined;
  let lastBandEnd = -1;
  const flushLine = () => {
    if (cur.some((b) => b >= 0x80) && out.codepage === undefined) throw new DecodeError('non-ASCII text before any code page was selected');
    const cp = out.codepage === undefined ? 'cp437' : CODEPAGES[dialect][out.codepage];
    if (!cp) throw new DecodeError(`unknown code page ${out.codepage}`);
    out.lines.push(iconv.decode(Buffer.from(cur), cp));
    cur = [];
  };
  const need = (i: number, n: number) => {
    if (i + n > bytes.length) throw new DecodeError(`truncated command at ${i}`);
  };
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (starRaster) {
      // Inside Star raster mode only raster commands are valid.
      if (b === 0x62) {
        need(i, 3);
        const n = bytes[i + 1]! | (bytes[i + 2]! << 8);
        need(i + 3, n);
        starRaster.bytesPerRow = Math.max(starRaster.bytesPerRow, n);
        starRaster.rows.push(bytes.slice(i + 3, i + 3 + n));
        i += 3 + n;
        continue;
      }
      if (b === 0x1b && bytes[i + 1] === 0x0c && bytes[i + 2] === 0x00) { i += 3; continue; }
      if (b === 0x1b && bytes[i + 1] === 0x2a && bytes[i + 2] === 0x72) {
        const op = String.fromCharCode(bytes[i + 3]!);
        if (op === 'B') {
          const { rows, bytesPerRow } = starRaster;
          const data = new Uint8Array(rows.length * bytesPerRow);
          rows.forEach((r, y) => data.set(r, y * bytesPerRow));
          out.images.push({ width: bytesPerRow * 8, height: rows.length, bytesPerRow, data });
          starRaster = undefined;
          i += 4;
          continue;
        }
        if ('PEDQFT'.includes(op)) {
          const end = bytes.indexOf(0x00, i + 4);
          if (end < 0) throw new DecodeError(`unterminated ESC * r ${op} at ${i}`);
          const value = Buffer.from(bytes.subarray(i + 4, end)).toString('latin1');
          if (op === 'E' && value !== '1') out.cuts++;      // EOT mode: anything but "no cut" cuts
          if (op === 'D' && value !== '0') out.drawerKicks++;
          i = end + 1;
          continue;
        }
        throw new DecodeError(`unexpected raster command ESC * r ${op} at ${i}`);
      }
      throw new DecodeError(`unexpected byte 0x${b.toString(16)} in raster mode at ${i}`);
    }
    if (b === 0x0a) { flushLine(); i++; continue; }
    if (b === 0x0d) { i++; continue; }
    if (b >= 0x20) { cur.push(b); i++; continue; }
    if (dialect === 'star' && b === 0x18) { i++; continue; }            // CAN: clear the buffer
    if (dialect === 'star' && b === 0x07) { out.drawerKicks++; i++; continue; } // BEL: drawer 1
    if (b === 0x1c && bytes[i + 1] === 0x2e) { i += 2; continue; }      // FS .: cancel Kanji mode
    if (b === 0x1d && dialect === 'escpos') {
      need(i, 2);
      const c = bytes[i + 1]!;
      if (c === 0x56) { need(i, 3); out.cuts++; i += bytes[i + 2]! >= 65 ? 4 : 3; continue; }
      if (c === 0x76 && bytes[i + 2] === 0x30) {
        need(i, 8);
        const bytesPerRow = bytes[i + 4]! | (bytes[i + 5]! << 8);
        const height = bytes[i + 6]! | (bytes[i + 7]! << 8);
        need(i + 8, bytesPerRow * height);
        const data = bytes.slice(i + 8, i + 8 + bytesPerRow * height);
        const last = out.images[out.images.length - 1];
        // Bands of one image arrive one after another; join them.
        if (last && last.bytesPerRow === bytesPerRow && lastBandEnd === i) {
          const joined = new Uint8Array(last.data.length + data.length);
          joined.set(last.data); joined.set(data, last.data.length);
          last.data = joined; last.height += height;
        } else out.images.push({ width: bytesPerRow * 8, height, bytesPerRow, data });
        i += 8 + bytesPerRow * height;
        lastBandEnd = i;
        continue;
      }
      if (c === 0x21) { i += 3; continue; }                             // GS ! n: size
      throw new DecodeError(`unknown command GS 0x${c.toString(16)} at ${i}`);
    }
    if (b === 0x1b) {
      need(i, 2);
      const c = bytes[i + 1]!;
      if (c === 0x40) { i += 2; continue; }                             // ESC @: initialise
      if (dialect === 'escpos') {
        if (c === 0x74) { need(i, 3); out.codepage = bytes[i + 2]!; i += 3; continue; }
        if (c === 0x70) { need(i, 5); out.drawerKicks++; i += 5; continue; }
        if (c === 0x64) { need(i, 3); for (let k = 0; k < bytes[i + 2]!; k++) flushLine(); i += 3; continue; }
        if ([0x4d, 0x21, 0x45, 0x2d, 0x61, 0x47].includes(c)) { i += 3; continue; } // font, mode, bold, underline, align
        throw new DecodeError(`unknown command ESC 0x${c.toString(16)} at ${i}`);
      }
      // Star Line / StarPRNT
      if (c === 0x1d && bytes[i + 2] === 0x74) { need(i, 4); out.codepage = bytes[i + 3]!; i += 4; continue; }
      if (c === 0x1d && bytes[i + 2] === 0x50) { i += 4; continue; }    // ESC GS P: page/line print mode (flush)
      if (c === 0x64) { need(i, 3); out.cuts++; i += 3; continue; }      // ESC d n: cut
      if (c === 0x07) { need(i, 4); i += 4; continue; }                  // ESC BEL n1 n2: drawer pulse widths (BEL follows)
      if ([0x45, 0x46, 0x34, 0x35].includes(c)) { i += 2; continue; }    // bold/inverse on/off
      if (c === 0x2d || c === 0x5f || c === 0x69) { i += c === 0x69 ? 4 : 3; continue; }
      if (c === 0x1d && bytes[i + 2] === 0x61) { i += 4; continue; }    // alignment
      if (c === 0x1e && bytes[i + 2] === 0x46) { i += 4; continue; }    // font
      if (c === 0x2a && bytes[i + 2] === 0x72) {                         // ESC * r …: raster mode setup
        const op = String.fromCharCode(bytes[i + 3]!);
        if (op === 'R') { i += 4; continue; }
        if (op === 'A') { starRaster = { rows: [], bytesPerRow: 0 }; i += 4; continue; }
        throw new DecodeError(`unexpected ESC * r ${op} outside raster mode at ${i}`);
      }
      throw new DecodeError(`unknown Star command ESC 0x${c.toString(16)} at ${i}`);
    }
    throw new DecodeError(`unknown control byte 0x${b.toString(16)} at ${i}`);
  }
  if (starRaster) {
    throw new DecodeError('raster mode not closed with ESC * r B');
  }
  if (cur.length) flushLine();
  return out;
}

/** The printed text without the blank feed lines before cuts. */
export function textLines(d: Decoded): string[] {
  const lines = [...d.lines];
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines;
}
