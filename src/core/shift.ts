import type { Result } from './result.js';
import { fail, ok } from './result.js';
import type { Role } from './types.js';

/**
 * The shift state machine: closed → (open) → open → (Z report) → closed.
 * No sale without an open shift; an X report at any time while open; the Z
 * report closes the shift and is a manager's act.
 */
export type ShiftStatus = 'closed' | 'open';
export type ShiftAction = 'open' | 'sell' | 'refund' | 'x' | 'z';

export function checkShiftAction(status: ShiftStatus, action: ShiftAction, role: Role | undefined): Result<null> {
  if (!role) return fail('NOT_LOGGED_IN', 'Войдите по PIN-коду');
  switch (action) {
    case 'open':
      return status === 'open' ? fail('SHIFT_ALREADY_OPEN', 'Смена уже открыта') : ok(null);
    case 'sell':
    case 'x':
      return status === 'open' ? ok(null) : fail('NO_OPEN_SHIFT', 'Смена не открыта: откройте смену');
    case 'refund':
    case 'z':
      if (role !== 'manager') return fail('WRONG_ROLE', action === 'z' ? 'Закрыть смену может только заведующий' : 'Возврат может сделать только заведующий');
      return status === 'open' ? ok(null) : fail('NO_OPEN_SHIFT', 'Смена не открыта: откройте смену');
  }
}
