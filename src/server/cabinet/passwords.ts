import { hash, verify } from '@node-rs/argon2';

/**
 * Cabinet passwords: argon2id (the library's default algorithm) with OWASP's
 * minimum parameters (19 MiB, 2 passes); the terminal's temporary-password
 * hashes use the library defaults and verify the same way.
 */
const OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

/** Never throws: a malformed stored hash is simply "wrong password". */
export async function verifyPassword(stored: string | null | undefined, password: string): Promise<boolean> {
  if (!stored) {
    // Same work whether or not there is a hash, so timing does not tell an unknown account from a wrong password.
    await verify(await dummyHash(), password).catch(() => false);
    return false;
  }
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

let dummy: Promise<string> | null = null;
function dummyHash(): Promise<string> {
  dummy ??= hash('canteen-dummy-password', OPTIONS);
  return dummy;
}

/** Rules shown on the form, one per line, checked in the same order. */
export const PASSWORD_RULES = [
  'не короче 8 символов и не длиннее 128',
  'содержит хотя бы одну букву и одну цифру',
  'не совпадает с номером лицевого счёта',
  'не совпадает с временным паролем из чека',
] as const;

/** Russian reasons the new password breaks a rule; empty when it is fine. */
export function passwordProblems(password: string, confirm: string, accountNumber: string): string[] {
  const out: string[] = [];
  if (password !== confirm) out.push('Пароли не совпадают');
  if (password.length < 8 || password.length > 128) out.push('Пароль должен быть не короче 8 символов и не длиннее 128');
  if (!/\p{L}/u.test(password) || !/\p{Nd}/u.test(password)) out.push('Пароль должен содержать хотя бы одну букву и одну цифру');
  if (password.includes(accountNumber)) out.push('Пароль не должен содержать номер лицевого счёта');
  return out;
}
