/**
 * Every PosApi call (and every core rule) returns a result object instead of throwing across the
 * IPC / HTTP boundary (Electron's checklist: errors as values). `message` is
 * Russian and is shown to the cashier as is.
 */
export type ErrorCode =
  | 'BAD_INPUT'            // malformed request (wrong types, garbled card id)
  | 'UNKNOWN_CARD'
  | 'AMBIGUOUS_CARD'       // a wedge/HID reader's short id (W26) matches more than one card
  | 'CARD_BLOCKED'
  | 'CARD_LOST'
  | 'INSUFFICIENT_FUNDS'   // beyond balance + offline overdraft policy
  | 'DAILY_LIMIT'          // parent's daily spending limit reached
  | 'BARRED_ITEM'          // a dish or category the parent has barred
  | 'NO_TAP'               // a sale that names no live identification (card tap or manual entry) of its card
  | 'ALLERGEN_UNCONFIRMED' // a dish with one of the pupil's allergens, not confirmed by the cashier
  | 'ALLERGEN_REFUSED'     // the same under a school policy that refuses such dishes
  | 'EMPTY_SALE'
  | 'UNKNOWN_ITEM'
  | 'NO_OPEN_SHIFT'
  | 'SHIFT_ALREADY_OPEN'
  | 'NOT_LOGGED_IN'
  | 'BAD_PIN'
  | 'WRONG_ROLE'
  | 'RECEIPT_NOT_FOUND'
  | 'ALREADY_REFUNDED'
  | 'PRINTER_ERROR'
  | 'NO_ORDER'             // «Выдача по заявке»: the pupil has no fixed order for the sitting (buys at the till as usual)
  | 'ORDER_REVERSED'       // the order line was cancelled after the fix: not to be served
  | 'NOT_FOUND'            // a sitting or order line the till does not have (refresh)
  | 'INTERNAL';

export interface ApiError {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiError };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T = never>(code: ErrorCode, message: string, details?: Record<string, unknown>): Result<T> => ({
  ok: false,
  error: details ? { code, message, details } : { code, message },
});
