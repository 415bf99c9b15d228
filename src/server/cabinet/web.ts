import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Html } from '../../cabinet/html.js';

/** Security headers for every cabinet and test-gateway answer (OWASP secure headers). */
export function securityHeaders(reply: FastifyReply, formTargets: string[], https: boolean): void {
  const formAction = ["'self'", ...formTargets].join(' ');
  reply.header('content-security-policy',
    `default-src 'none'; script-src 'none'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; ` +
    `form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'; object-src 'none'`);
  browserHardening(reply, https);
}

/** The headers every page of ours sends besides its CSP (the cabinet, the test gateway, the staff console). */
export function browserHardening(reply: FastifyReply, https: boolean): void {
  reply.header('x-content-type-options', 'nosniff');
  reply.header('x-frame-options', 'DENY');
  // Reset links carry a token in the URL: never send it to another site. ("no-referrer" would
  // also make Chromium send "Origin: null" on our own form POSTs, blinding the origin check.)
  reply.header('referrer-policy', 'same-origin');
  reply.header('cross-origin-opener-policy', 'same-origin');
  reply.header('cross-origin-resource-policy', 'same-origin');
  reply.header('permissions-policy', 'camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=()');
  if (https) reply.header('strict-transport-security', 'max-age=31536000');
}

export function sendHtml(reply: FastifyReply, page: Html, status = 200): FastifyReply {
  // Encoded once here: sent as a string, the page (a year's statement is ~300 KB of
  // Cyrillic) was walked twice, once by Buffer.byteLength for content-length and once to encode it.
  return reply.status(status).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store')
    .send(Buffer.from(page.value, 'utf8'));
}

/** 303 so a POST becomes a GET (Post/Redirect/Get). Only local paths: no open redirect. */
export function seeOther(reply: FastifyReply, path: string): FastifyReply {
  const safe = path.startsWith('/') && !path.startsWith('//') && !path.startsWith('/\\') ? path : '/cabinet/';
  return reply.status(303).header('location', safe).header('cache-control', 'no-store').send();
}

export function formField(req: FastifyRequest, name: string): string {
  const body = req.body as Record<string, unknown> | undefined;
  const v = body?.[name];
  return typeof v === 'string' ? v : '';
}

export function queryField(req: FastifyRequest, name: string): string | undefined {
  const q = req.query as Record<string, unknown> | undefined;
  const v = q?.[name];
  return typeof v === 'string' ? v : undefined;
}

/**
 * A POST whose Origin (or Referer) names another site is refused before
 * anything else (defence in depth beside the CSRF token and SameSite=Strict).
 */
export function sameOrigin(req: FastifyRequest): boolean {
  const origin = req.headers.origin ?? (typeof req.headers.referer === 'string' ? safeOrigin(req.headers.referer) : undefined);
  // No header, or "null" (privacy modes, sandboxed frames): nothing to judge by; the CSRF token still decides.
  if (!origin || origin === 'null') return true;
  const host = req.headers.host;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

function safeOrigin(url: string): string | undefined {
  try { return new URL(url).origin; } catch { return undefined; }
}
