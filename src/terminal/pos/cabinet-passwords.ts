import type Database from 'better-sqlite3';
import { type Algorithm, hash } from '@node-rs/argon2';
import { randomInt } from 'node:crypto';
import type { CashierSession } from '../../api/pos-api.js';
import { schoolDay } from '../../core/datetime.js';
import { type ReceiptDoc, shortName } from '../../core/receipt.js';
import { fail, ok, type Result } from '../../core/result.js';
import type { ReceiptPrinter } from '../ports.js';
import type { CardDirectory } from './cards.js';
import type { TerminalConfig } from './config.js';
import type { LedgerWriter } from './ledger-writer.js';

/** Algorithm.Argon2id: a const enum, which isolatedModules cannot read at run time. */
const ARGON2ID = 2 as Algorithm;
const ACCOUNT_RE = /^\d{10}$/;

/** 8 characters without look-alikes (0/O, 1/l/I), read off a paper receipt. */
export function temporaryPassword(length = 8): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

export interface NewCabinetPassword { password: string; passwordHash: string }

/**
 * Temporary passwords for the parents' cabinet, printed for the pupil: on the first sale of an
 * account without a permanent one, or on a manager's request. Only the argon2id hash travels to
 * the server (a cabinetPassword entry); the plaintext lives in the print job until printed.
 */
export class CabinetPasswords {
  private readonly st;

  constructor(sqlite: Database.Database, private readonly config: TerminalConfig, private readonly ledger: LedgerWriter,
    private readonly cards: CardDirectory, private readonly printer: ReceiptPrinter) {
    this.st = {
      markIssued: sqlite.prepare<[string, string]>(`UPDATE accounts SET temp_password_issued_at = ? WHERE number = ?`),
    };
  }

  /** A new password and its hash; argon2id runs on the libuv pool, so the event loop keeps serving. */
  async make(): Promise<NewCabinetPassword> {
    const password = temporaryPassword();
    return { password, passwordHash: await hash(password, { algorithm: ARGON2ID }) };
  }

  /** The entry that carries the hash, and the account marked as having one; inside a ledger write. */
  record(p: { passwordHash: string; accountNumber: string; at: Date; day: string; shiftId: string | null; cashierId: string; cardId?: string | null }): void {
    this.ledger.append({
      kind: 'cabinetPassword', accountNumber: p.accountNumber, amount: 0, createdAt: p.at.toISOString(), schoolDay: p.day,
      receiptSeq: null, shiftId: p.shiftId, cashierId: p.cashierId, cardId: p.cardId ?? null, payload: JSON.stringify({ passwordHash: p.passwordHash }),
    });
    this.st.markIssued.run(p.at.toISOString(), p.accountNumber);
  }

  /** A manager's request: a new password printed on its own slip. */
  async issue(session: CashierSession, accountNumber: unknown, now: () => Date, shiftId: () => string | null): Promise<Result<{ printJobId: string }>> {
    if (typeof accountNumber !== 'string' || !ACCOUNT_RE.test(accountNumber)) return fail('BAD_INPUT', 'Номер лицевого счёта: 10 цифр');
    const acc = this.cards.pupilOfAccount(accountNumber);
    if (!acc) return fail('BAD_INPUT', `Лицевой счёт ${accountNumber} не найден`);
    const { password, passwordHash } = await this.make();
    const at = now();
    const { school, terminalName } = this.config;
    const doc: ReceiptDoc = {
      kind: 'cabinetLogin', schoolName: school.name, terminalName, number: '',
      issuedAt: at.toISOString(), timeZone: school.time_zone, lines: [], total: 0,
      pupil: { shortName: shortName(acc.full_name), className: acc.class_name, accountNumber },
      cashierName: session.name,
      cabinetLogin: { url: school.cabinet_url, login: accountNumber, password },
    };
    let printJobId = '';
    this.ledger.write(() => {
      this.record({ passwordHash, accountNumber, at, day: schoolDay(at, school.time_zone), shiftId: shiftId(), cashierId: session.cashierId });
      printJobId = this.printer.enqueue({ kind: 'cabinetLogin', payload: doc });
    });
    this.printer.kick();
    return ok({ printJobId });
  }
}
