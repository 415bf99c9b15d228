import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Sberbank's callback checksum (symmetric scheme): every parameter except
 * `checksum` (and `sign_alias`, which names the key in the asymmetric scheme),
 * sorted by name, written `name;value;name;value;`, HMAC-SHA256 with the
 * merchant's callback key, uppercase hex.
 */
export function callbackSigningString(params: Record<string, string>): string {
  return Object.keys(params).filter((k) => k !== 'checksum' && k !== 'sign_alias').sort()
    .map((k) => `${k};${params[k]};`).join('');
}

export function callbackChecksum(params: Record<string, string>, key: string): string {
  return createHmac('sha256', key).update(callbackSigningString(params), 'utf8').digest('hex').toUpperCase();
}

export function checksumValid(params: Record<string, string>, key: string): boolean {
  const got = params.checksum;
  if (typeof got !== 'string' || !/^[0-9a-fA-F]{64}$/.test(got)) return false;
  const want = Buffer.from(callbackChecksum(params, key), 'hex');
  return timingSafeEqual(Buffer.from(got, 'hex'), want);
}

/** Our payment id (UUID) as the bank's orderNumber: hex without hyphens, 32 characters. */
export function toOrderNumber(paymentId: string): string {
  return paymentId.replace(/-/g, '');
}

/** Back from orderNumber to our payment id; null for anything that is not 32 hex digits. */
export function fromOrderNumber(orderNumber: string): string | null {
  if (!/^[0-9a-f]{32}$/.test(orderNumber)) return null;
  const h = orderNumber;
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
