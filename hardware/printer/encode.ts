import ReceiptPrinterEncoder from '@point-of-sale/receipt-printer-encoder';
import iconv from 'iconv-lite';
import type { PrintDoc } from '../../src/core/print-layout.js';
import { encodeEscposRaster, encodeStarRaster, renderLines, type RasterDialect } from './raster.js';

/**
 * Profiles: which command dialect the printer speaks.
 *  escpos     Epson-compatible, and Star models switched to ESC/POS emulation; CP866 = ESC t 17
 *  star-line  Star Line mode (TSP650II/700II/800II); CP866 = ESC GS t 10
 *  star-prnt  StarPRNT (mC-Print, mPOP); CP866 = ESC GS t 10
 *  raster     the receipt drawn as a 1-bit image (TSP100/TSP143 print nothing else)
 */
export const PROFILES = ['escpos', 'star-line', 'star-prnt', 'raster'] as const;
export type Profile = (typeof PROFILES)[number];

export const isProfile = (v: unknown): v is Profile => typeof v === 'string' && (PROFILES as readonly string[]).includes(v);

export interface EncodeOptions {
  profile: Profile;
  columns: number;
  cut?: boolean;             // default true
  /** Raster only: send the image as Star raster (default, TSP100) or ESC/POS GS v 0. */
  rasterDialect?: RasterDialect;
}

const LANGUAGE = { escpos: 'esc-pos', 'star-line': 'star-line', 'star-prnt': 'star-prnt' } as const;

/** Blank lines fed before the cut so the last printed line clears the cutter. */
const FEED_BEFORE_CUT = 4;

/**
 * Text profiles: @point-of-sale/receipt-printer-encoder makes the command framing
 * (initialise, select CP866, feed, cut, drawer kick) for each dialect. We checked
 * that it selects CP866 with ESC t 17 (Epson map) and ESC GS t 10 (Star map) and that
 * its CP866 table gives the right byte for all 66 Russian letters including Ё/ё and №.
 * The framing is made once per (profile, columns, cut, drawer) and cached; the lines
 * themselves are encoded with iconv-lite's CP866, which yields the same bytes (the
 * golden files, made through the library end to end, pin that) at a tenth of the cost.
 */
const framing = new Map<string, { head: Uint8Array; tail: Uint8Array }>();
const MARK = 'X';

function frame(profile: Exclude<Profile, 'raster'>, columns: number, cut: boolean, drawer: boolean): { head: Uint8Array; tail: Uint8Array } {
  const key = `${profile}/${columns}/${cut}/${drawer}`;
  let f = framing.get(key);
  if (f) return f;
  const enc = new ReceiptPrinterEncoder({
    language: LANGUAGE[profile],
    columns,
    newline: '\n',
    feedBeforeCut: FEED_BEFORE_CUT,
    codepageMapping: profile === 'escpos' ? 'epson' : 'star',
    errors: 'relaxed',
  });
  enc.initialize().codepage('cp866').line(MARK);
  if (cut) enc.cut('partial');
  if (drawer) enc.pulse();
  const all = Buffer.from(enc.encode());
  const at = all.indexOf(Buffer.from(`${MARK}\n`, 'latin1'));
  if (at < 0) throw new Error(`unexpected framing from the encoder for ${key}`);
  f = { head: all.subarray(0, at), tail: all.subarray(at + 2) };
  framing.set(key, f);
  return f;
}

export function encodeDoc(doc: PrintDoc, opts: EncodeOptions): Uint8Array {
  const cut = opts.cut ?? true;
  const drawer = doc.drawer ?? false;
  if (opts.profile === 'raster') {
    const bm = renderLines(doc.lines, opts.columns);
    return (opts.rasterDialect ?? 'star') === 'star' ? encodeStarRaster(bm, { cut, drawer }) : encodeEscposRaster(bm, { cut, drawer });
  }
  const { head, tail } = frame(opts.profile, opts.columns, cut, drawer);
  const body = doc.lines.length ? iconv.encode(doc.lines.join('\n') + '\n', 'cp866') : Buffer.alloc(0);
  return new Uint8Array(Buffer.concat([head, body, tail]));
}
