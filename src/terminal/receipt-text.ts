import type { ReceiptDoc } from '../core/receipt.js';
import { layoutReceipt } from '../core/print-layout.js';

/**
 * A receipt as plain text (the console terminal, logs, tests): exactly the lines the printer
 * prints (core/print-layout.ts; 32 columns = 58 mm paper), so there is one receipt layout.
 */
export function receiptText(doc: ReceiptDoc, width = 32): string[] {
  return layoutReceipt(doc, width).lines;
}
