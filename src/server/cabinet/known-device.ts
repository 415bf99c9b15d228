import { formToken, formTokenValid } from './sessions.js';

/**
 * "This browser logged in to this account before": a long-lived HttpOnly
 * cookie set at each successful login, listing the accounts (at most
 * MAX_ACCOUNTS, newest kept) with when and an HMAC under the cabinet's shared
 * secret. It grants nothing by itself — the password is still checked — but
 * it exempts its browser from the per-account lock (throttle.ts), so a
 * stranger guessing a parent's password cannot lock the parent out of the
 * phone they always use.
 */
export const DEVICE_COOKIE = 'cabinet_dev';
export const DEVICE_TTL_MS = 365 * 24 * 3600_000;
const MAX_ACCOUNTS = 5;
const PURPOSE = 'known-device';

interface Entry { account: string; issued: number; mac: string }

function parse(cookie: string | undefined): Entry[] {
  if (!cookie || cookie.length > 1000) return [];
  return cookie.split('~').slice(0, MAX_ACCOUNTS).flatMap((part) => {
    const m = /^(\d{10})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(part);
    return m ? [{ account: m[1]!, issued: Number(m[2]), mac: m[3]! }] : [];
  });
}

/** True when the cookie names this account, signed by us, within its lifetime. */
export function isKnownDevice(secret: string, cookie: string | undefined, account: string, now: Date): boolean {
  return parse(cookie).some((e) => e.account === account
    && now.getTime() - e.issued * 1000 < DEVICE_TTL_MS
    && formTokenValid(secret, PURPOSE, `${e.account}.${e.issued}`, e.mac));
}

/** The cookie after a successful login to `account`: this account (re-)signed, other valid ones kept. */
export function rememberDevice(secret: string, cookie: string | undefined, account: string, now: Date): string {
  const issued = Math.floor(now.getTime() / 1000);
  const others = parse(cookie).filter((e) => e.account !== account && isKnownDevice(secret, `${e.account}.${e.issued}.${e.mac}`, e.account, now));
  const mine = { account, issued, mac: formToken(secret, PURPOSE, `${account}.${issued}`) };
  return [...others.slice(-(MAX_ACCOUNTS - 1)), mine].map((e) => `${e.account}.${e.issued}.${e.mac}`).join('~');
}
