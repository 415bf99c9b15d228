import { layoutReceipt } from '../../hardware/printer/layout.js';
import type { ReceiptDoc } from '../core/receipt.js';

/**
 * The receipt on screen exactly as the printer lays it out (the printer's own
 * pure layout, 32 columns for 58 mm paper by default), so the preview and the
 * paper never disagree.
 */
export function receiptText(doc: ReceiptDoc, columns = 32): string[] {
  return layoutReceipt(doc, columns).lines;
}
