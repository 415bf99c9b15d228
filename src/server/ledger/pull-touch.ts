import { sql, type SQL } from 'drizzle-orm';
import { tillStatusSchema } from '../../api/sync.js';

/**
 * The pull's "last seen" update, and what the till says about itself (header x-canteen-till-status,
 * optional): kept with the server's time and the clock skew it shows. A malformed status is ignored —
 * it must never cost the till its pull.
 *
 * It commits on its own without waiting for the WAL flush (synchronous_commit off for this statement's
 * transaction only): a "last seen" lost in a crash costs nothing, and one flush per pull was a region's
 * largest share of fsyncs. Money never goes this way. The same statement says whether the console wants
 * a diagnostic bundle, and whether the token (resolved from the process's cache) is still this terminal's:
 * no row, no pull. buildPull sends it in the message that opens the pull's snapshot (db/fold.ts `before`).
 */
export function touchStatement(terminalId: string, tokenHash: string, statusHeader: string | string[] | undefined, now = Date.now()): SQL {
  let status: Record<string, unknown> | null = null;
  if (typeof statusHeader === 'string' && statusHeader.length < 2000) {
    try {
      const parsed = tillStatusSchema.safeParse(JSON.parse(statusHeader));
      if (parsed.success) {
        const sent = Date.parse(parsed.data.sentAt);
        status = { ...parsed.data, receivedAt: new Date(now).toISOString(), clockSkewMs: Number.isFinite(sent) ? sent - now : null };
      }
    } catch { /* not JSON: ignored */ }
  }
  return sql`WITH c AS (SELECT set_config('synchronous_commit', 'off', true))
    UPDATE terminals SET last_seen_at = now()${status ? sql`, status = ${JSON.stringify(status)}::jsonb` : sql``}
    FROM c WHERE id = ${terminalId} AND token_hash = ${tokenHash} AND revoked_at IS NULL RETURNING terminals.diagnostics_request`;
}

/** The touch's answer: whether the token still stands, and the diagnostics the console asked for. */
export function touchResult(rows: { diagnostics_request: string | null }[]): { valid: boolean; wanted: string | null } {
  const row = rows[0];
  return { valid: !!row, wanted: row?.diagnostics_request ?? null };
}
