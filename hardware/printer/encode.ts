import ReceiptPrinterEncoder from '@point-of-sale/receipt-printer-encoder';
import type { PrintDoc } from './layout.js';
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
 * Text profiles go through @point-of-sale/receipt-printer-encoder: we checked that
 * its CP866 table gives the right byte for all 66 Russian letters including Ё/ё and №,
 * that it selects CP866 with ESC t 17 (Epson map) and ESC GS t 10 (Star map), and its
 * cut / drawer commands per dialect. It gets our finished lines (no wrapping left to it)
 * and an explicit code page, so its "auto" code-page switching never kicks in.
 */
export function encodeDoc(doc: PrintDoc, opts: EncodeOptions): Uint8Array {
  const cut = opts.cut ?? true;
  const drawer = doc.drawer ?? false;
  if (opts.profile === 'raster') {
    const bm = renderLines(doc.lines, opts.columns);
    return (opts.rasterDialect ?? 'star') === 'star' ? encodeStarRaster(bm, { cut, drawer }) : encodeEscposRaster(bm, { cut, drawer });
  }
  const enc = new ReceiptPrinterEncoder({
    language: LANGUAGE[opts.profile],
    columns: opts.columns,
    newline: '\n',
    feedBeforeCut: FEED_BEFORE_CUT,
    codepageMapping: opts.profile === 'escpos' ? 'epson' : 'star',
    errors: 'relaxed',
  });
  enc.initialize().codepage('cp866');
  for (const line of doc.lines) enc.line(line);
  if (cut) enc.cut('partial');
  if (drawer) enc.pulse();
  return enc.encode();
}
