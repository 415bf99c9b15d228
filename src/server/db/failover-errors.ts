/**
 * Errors that say "this database host is gone or is no longer the primary": the server answers the
 * request 503 with Retry-After (the till re-pushes; a push is one transaction, so nothing was half
 * written) and, with a multi-host DATABASE_URL, looks for the primary again (failover-pool.ts).
 */

/** Socket-level codes of a dead or unreachable host (Node's errno names). */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
/**
 * SQLSTATEs: class 08 (connection exception), 57P01 admin_shutdown (pg_ctl stop, fast or immediate
 * since PostgreSQL 14), 57P02 crash_shutdown, 57P03 cannot_connect_now (starting, stopping,
 * promoting), 25006 read_only_sql_transaction (a demoted primary or a standby).
 */
const SQL_STATES = new Set(['57P01', '57P02', '57P03', '25006']);
/** node-postgres's own messages for a socket that closed under it (no code on these). */
const MESSAGES = [/Connection terminated/i, /connection timeout/i, /read-only transaction/i, /Client has encountered a connection error/i];

export function isDbUnavailable(err: unknown): boolean {
  // drizzle wraps the driver's error ("Failed query: …") with the original as `cause`.
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && (SOCKET_CODES.has(code) || SQL_STATES.has(code) || /^08[0-9A-Z]{3}$/.test(code))) return true;
    if (typeof message === 'string' && MESSAGES.some((m) => m.test(message))) return true;
  }
  return false;
}
