import type Database from 'better-sqlite3';
import type { CashierSession, Role } from '../../api/pos-api.js';
import { fail, ok, type Result } from '../../core/result.js';
import type { PinThrottleState } from '../../core/pin-throttle.js';
import { parsePinThrottle, pinFailed, pinLockedMessage, pinWaitMs } from '../../core/pin-throttle.js';
import type { SqlPick } from '../db/rows.js';
import type { cashiers } from '../db/schema.js';
import type { Clock } from '../ports.js';
import { SETTING } from '../seed.js';
import { verifyStaffPin } from '../staff-pin.js';

const PIN_RE = /^\d{4,8}$/;

/**
 * Who is at the till: PIN login against the cashiers the server sent, with the PIN throttle
 * (core/pin-throttle.ts) kept in settings so that a restart does not reset the count.
 */
export class StaffSession {
  private session: CashierSession | undefined;
  private throttle: PinThrottleState | undefined;
  private readonly st;

  constructor(sqlite: Database.Database, private readonly clock: Clock, private readonly pinPepper: Buffer | undefined) {
    this.st = {
      cashiers: sqlite.prepare<[], SqlPick<typeof cashiers, 'id' | 'name' | 'role' | 'pin_hash'>>(`SELECT id, name, role, pin_hash FROM cashiers WHERE active = 1`),
      getSetting: sqlite.prepare<[string], string>(`SELECT value FROM settings WHERE key = ?`).pluck(),
      putSetting: sqlite.prepare<[string, string]>(`INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)`),
      deleteSetting: sqlite.prepare<[string]>(`DELETE FROM settings WHERE key = ?`),
    };
  }

  get current(): CashierSession | undefined { return this.session; }

  /** The logged-in cashier, if any and if they hold `role` (a manager may do what a cashier may). */
  require(role?: Role): Result<CashierSession> {
    if (!this.session) return fail('NOT_LOGGED_IN', 'Войдите по PIN-коду');
    if (role === 'manager' && this.session.role !== 'manager') return fail('WRONG_ROLE', 'Это может сделать только заведующий');
    return ok(this.session);
  }

  logout(): void {
    this.session = undefined;
  }

  async login(pin: unknown): Promise<Result<CashierSession>> {
    const who = await this.check(pin);
    if (who.ok) this.session = who.value;
    return who;
  }

  /**
   * A manager's PIN typed in place (opening or closing the shift from a cashier's session):
   * checked under the same throttle as a login, without taking over the session.
   */
  async vouch(pin: unknown): Promise<Result<CashierSession>> {
    const who = await this.check(pin);
    if (!who.ok) return who;
    return who.value.role === 'manager' ? who : fail('WRONG_ROLE', 'Нужен PIN-код заведующего');
  }

  private async check(pin: unknown): Promise<Result<CashierSession>> {
    if (typeof pin !== 'string' || !PIN_RE.test(pin)) return fail('BAD_PIN', 'PIN-код: от 4 до 8 цифр');
    // While locked out no PIN is even checked (a right one included): guessing gets nowhere.
    const wait = pinWaitMs(this.pinState(), this.clock.now().getTime());
    if (wait > 0) return this.pinLocked(wait);
    for (const c of this.st.cashiers.all()) {
      if (await verifyStaffPin(c.pin_hash, pin, this.pinPepper)) {
        // A lockout that began while this PIN was being checked still holds.
        const late = pinWaitMs(this.pinState(), this.clock.now().getTime());
        if (late > 0) return this.pinLocked(late);
        this.savePinState(undefined);
        return ok({ cashierId: c.id, name: c.name, role: c.role });
      }
    }
    const now = this.clock.now().getTime();
    const cur = this.pinState();
    // Concurrent attempts: one that finishes after a lockout began does not extend it.
    if (pinWaitMs(cur, now) > 0) return this.pinLocked(pinWaitMs(cur, now));
    const next = pinFailed(cur, now);
    this.savePinState(next);
    const locked = pinWaitMs(next, now);
    return locked > 0 ? this.pinLocked(locked) : fail('BAD_PIN', 'Неверный PIN-код');
  }

  private pinState(): PinThrottleState {
    this.throttle ??= parsePinThrottle(this.st.getSetting.get(SETTING.pinThrottle));
    return this.throttle;
  }

  private savePinState(s: PinThrottleState | undefined): void {
    if (s === undefined) {
      if (this.throttle && this.throttle.failures === 0) return;
      this.st.deleteSetting.run(SETTING.pinThrottle);
      this.throttle = { failures: 0, lockedUntil: 0, lastLockMs: 0 };
      return;
    }
    this.st.putSetting.run(SETTING.pinThrottle, JSON.stringify(s));
    this.throttle = s;
  }

  private pinLocked(waitMs: number): Result<never> {
    return fail('BAD_PIN', pinLockedMessage(waitMs), { lockedForMs: waitMs, retryAt: new Date(this.clock.now().getTime() + waitMs).toISOString() });
  }
}
