/**
 * Keyboard map of the sale screen, kept pure so it can be tested without a DOM.
 * Digits and F-keys sell the item bound to them; the rest drive the sale.
 */
export type KeyAction =
  | { kind: 'item'; hotkey: string }
  | { kind: 'pay' }
  | { kind: 'cancel' }
  | { kind: 'removeLast' }
  | { kind: 'manualCard' }
  | { kind: 'reprint' }
  | { kind: 'manager' }
  | { kind: 'none' };

export interface KeyLike { key: string; code?: string; ctrlKey?: boolean; altKey?: boolean; metaKey?: boolean }

export function keyAction(e: KeyLike, inTextField: boolean): KeyAction {
  if (e.ctrlKey && !e.altKey && (e.key === 'm' || e.key === 'M' || e.key === 'ь' || e.key === 'Ь')) return { kind: 'manager' };
  if (e.ctrlKey && !e.altKey && (e.key === 'p' || e.key === 'P' || e.key === 'з' || e.key === 'З')) return { kind: 'reprint' };
  if (e.ctrlKey || e.altKey || e.metaKey) return { kind: 'none' };
  if (/^F([1-9]|1[0-2])$/.test(e.key)) return { kind: 'item', hotkey: e.key };
  if (inTextField) return { kind: 'none' };
  if (/^[0-9]$/.test(e.key)) return { kind: 'item', hotkey: e.key };
  switch (e.key) {
    case 'Enter': return { kind: 'pay' };
    case 'Escape': return { kind: 'cancel' };
    case 'Backspace': case 'Delete': return { kind: 'removeLast' };
    case '/': case '*': return { kind: 'manualCard' };
    default: return { kind: 'none' };
  }
}
