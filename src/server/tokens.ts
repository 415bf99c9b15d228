import { createHash, randomBytes, randomInt } from 'node:crypto';

/** Terminal tokens: 32 random bytes, base64url; the database keeps only the sha256. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

// Crockford-like alphabet: no 0/O, 1/I/L, so a code read aloud over the phone survives.
const CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';

/** One-time enrolment code, e.g. "K7QM-4XRT-ZP9H" (≈ 59 bits). */
export function newEnrollmentCode(): string {
  const chars = Array.from({ length: 12 }, () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]!);
  return [chars.slice(0, 4), chars.slice(4, 8), chars.slice(8, 12)].map((g) => g.join('')).join('-');
}

/** What is hashed and compared: case and dashes/spaces do not matter when typed. */
export function normaliseCode(code: string): string {
  return code.toUpperCase().replace(/[\s-]/g, '');
}
