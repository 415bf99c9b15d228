import { layoutReceipt } from '../core/print-layout.js';
import type { ReceiptDoc } from '../core/receipt.js';

/**
 * The receipt on screen as the printer lays it out (the printer's own pure
 * layout, 32 columns for 58 mm paper by default), so preview and paper agree.
 * One difference on purpose: a temporary cabinet password is masked on screen;
 * its plaintext belongs on the paper handed to the pupil only.
 */
export function receiptText(doc: ReceiptDoc, columns = 32): string[] {
  const shown = doc.cabinetLogin ? { ...doc, cabinetLogin: { ...doc.cabinetLogin, password: '••••••' } } : doc;
  return layoutReceipt(shown, columns).lines;
}
