import { sql } from 'drizzle-orm';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { query, type Db } from '../db/open.js';

/** The primary's WAL position after this browser's last write (a plain cookie: tampering only changes which server answers). */
export const LSN_COOKIE = 'cabinet_lsn';
/** Long enough for any streaming replica that is working at all. */
const LSN_COOKIE_SECONDS = 600;
const LSN = /^[0-9A-F]{1,8}\/[0-9A-F]{1,8}$/i;

/**
 * Which database answers a cabinet read (statements, the home page): the streaming replica
 * (DATABASE_REPLICA_URL) unless this browser wrote something the replica has not replayed yet —
 * read-your-writes: after a payment or any form, the primary answers this parent until the
 * replica has replayed past the primary's WAL position at that write. Sessions, logins and every
 * write stay on the primary.
 */
export interface ReadRouter {
  readDb(req: FastifyRequest): Promise<Db>;
  /** After a write by this browser: remember the primary's WAL position in its cookie. */
  stampWrite(reply: FastifyReply, secure: boolean): Promise<void>;
  /** Reads answered by the replica and by the primary since start (tests, diagnostics). */
  readonly counts: { replica: number; primary: number };
}

export function readRouter(primary: Db, replica: Db | undefined): ReadRouter {
  const counts = { replica: 0, primary: 0 };
  return {
    counts,
    async readDb(req) {
      if (!replica) return primary;
      const lsn = (req.cookies as Record<string, string | undefined> | undefined)?.[LSN_COOKIE];
      if (lsn && LSN.test(lsn)) {
        try {
          const [r] = await query<{ ok: boolean | null }>(replica, sql`SELECT pg_last_wal_replay_lsn() >= ${lsn}::pg_lsn AS ok`);
          if (!r?.ok) { counts.primary++; return primary; }
        } catch {
          counts.primary++;
          return primary;
        }
      }
      counts.replica++;
      return replica;
    },
    async stampWrite(reply, secure) {
      if (!replica) return;
      try {
        const [r] = await query<{ lsn: string }>(primary, sql`SELECT pg_current_wal_lsn()::text AS lsn`);
        if (!r) return;
        // By hand: this runs in onSend, after @fastify/cookie has written its own Set-Cookie headers.
        const set = reply.getHeader('set-cookie');
        const before = set === undefined ? [] : Array.isArray(set) ? set.map(String) : [String(set)];
        void reply.header('set-cookie', [...before, `${LSN_COOKIE}=${r.lsn}; Path=/cabinet; Max-Age=${LSN_COOKIE_SECONDS}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`]);
      } catch { /* without the cookie the replica answers: at worst a moment behind */ }
    },
  };
}
