import { accountNumberSchema } from '../api/sync.js';

/**
 * Account numbers in the seed's form: 10 digits, e.g. 0242013137 — the
 * school's code in the first three digits ("024" for school 24), then a serial.
 * Numbers we generate end in a Luhn check digit over the first nine, so a
 * mistyped number in a bank registry is caught; numbers a district already
 * issued are accepted as they are (the demo ones predate the check digit).
 */

/** Whether a string (spaces already taken out) has an account number's form: the wire format's accountNumberSchema. */
export const isAccountNumber = (s: string): boolean => accountNumberSchema.safeParse(s).success;

export function schoolPrefix(schoolCode: string): string {
  const digits = schoolCode.replace(/\D/g, '');
  if (!digits || digits.length > 3) throw new Error(`код школы «${schoolCode}» не подходит для номера лицевого счёта`);
  return digits.padStart(3, '0');
}

export function luhnDigit(body: string): number {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = body.charCodeAt(body.length - 1 - i) - 48;
    if (i % 2 === 0) { d *= 2; if (d > 9) d -= 9; }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

/** prefix (3) + serial (6) + Luhn digit. */
export function makeAccountNumber(prefix: string, serial: number): string {
  if (!Number.isInteger(serial) || serial < 0 || serial > 999_999) throw new RangeError(`serial ${serial}`);
  const body = prefix + String(serial).padStart(6, '0');
  return body + luhnDigit(body);
}

export const serialOf = (accountNumber: string): number => Number(accountNumber.slice(3, 9));

/** Hands out numbers after the highest serial already used under the prefix. */
export class AccountNumberAllocator {
  private next: number;
  constructor(private readonly prefix: string, existing: Iterable<string>, private readonly taken = new Set(existing)) {
    let max = 0;
    for (const n of this.taken) if (n.startsWith(prefix)) max = Math.max(max, serialOf(n));
    this.next = max + 1;
  }

  allocate(): string {
    for (;;) {
      const n = makeAccountNumber(this.prefix, this.next++);
      if (!this.taken.has(n)) { this.taken.add(n); return n; }
    }
  }

  reserve(n: string): void { this.taken.add(n); }
}
