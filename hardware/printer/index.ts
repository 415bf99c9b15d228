import type { ReceiptDoc } from '../../src/core/receipt.js';
import type { ShiftReport } from '../../src/core/types.js';
import { encodeDoc, type Profile } from './encode.js';
import { layoutReceipt, layoutShiftReport, layoutTestPage, type PrintDoc } from '../../src/core/print-layout.js';
import type { RasterDialect } from './raster.js';

export * from './encode.js';
export * from '../../src/core/print-layout.js';
export * from './status.js';
export * from './device.js';
export * from './transports.js';
export { SimulatedPrinter, FilePrinter } from './simulated.js';
export { decodePrint, textLines } from './decode.js';

export interface RenderTarget { profile: Profile; columns: number; rasterDialect?: RasterDialect; drawer?: boolean }

/** What a print job shows: a receipt (sale, refund, cabinet login), a shift report, or a test page. */
export type Printable =
  | { kind: 'receipt'; doc: ReceiptDoc }
  | { kind: 'report'; report: ShiftReport; schoolName?: string; terminalName?: string; timeZone?: string; copy?: boolean }
  | { kind: 'test'; info: Parameters<typeof layoutTestPage>[1] };

export function layoutPrintable(p: Printable, columns: number): PrintDoc {
  switch (p.kind) {
    case 'receipt': return layoutReceipt(p.doc, columns);
    case 'report': return layoutShiftReport(p.report, columns, p);
    case 'test': return layoutTestPage(columns, p.info);
  }
}

/** Layout + encoding in one step: the bytes for the printer and the lines they show. */
export function render(p: Printable, target: RenderTarget): { bytes: Uint8Array; lines: string[] } {
  const doc = layoutPrintable(p, target.columns);
  const bytes = encodeDoc({ ...doc, drawer: target.drawer ?? doc.drawer }, target);
  return { bytes, lines: doc.lines };
}
