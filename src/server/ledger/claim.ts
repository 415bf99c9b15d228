import { sql, type SQL } from 'drizzle-orm';
import type { SyncEntry } from '../../api/sync.js';
import { query, type Tx } from '../db/open.js';
import { textArray, zipRows } from '../db/bulk.js';
import { HttpError } from '../errors.js';
import type { TerminalIdentity } from './push.js';

// A push's first read (push.ts): the run's UUIDs claimed, the batch's accounts locked, its cards read.

interface ClaimRow {
  k: 'a' | 'c' | 'u';
  id: string;
  school_id: string | null;
  balance: number | null;
  has_permanent: boolean | null;
  daily_limit: number | null;
  card_account: string | null;
  state: string | null;
}

export interface Claim {
  accounts: Map<string, { balance: number; hasPermanent: boolean; dailyLimit: number | null }>;
  cards: Map<string, { accountNumber: string; state: string }>;
  fresh: Set<string>;
}

function cardIdsOf(entries: SyncEntry[]): string[] {
  const ids = new Set<string>();
  for (const e of entries) {
    if (e.cardId) ids.add(e.cardId);
    if (e.kind === 'cardBlock' && typeof e.payload.cardId === 'string') ids.add(e.payload.cardId);
  }
  return [...ids];
}

/**
 * Reads what the batch touches and claims the run's UUIDs, in one round trip:
 * - entry_ids INSERT … ON CONFLICT DO NOTHING RETURNING uuid: the new ones (global UUID uniqueness);
 * - the batch's accounts, locked in account-number order (two terminals selling to one account never deadlock);
 * - the batch's cards.
 * Any account or card of another school refuses the push (403); the caller's transaction rolls back.
 */
export async function claimAndRead(tx: Tx, terminal: TerminalIdentity, batch: SyncEntry[], run: SyncEntry[]): Promise<Claim> {
  const schoolId = terminal.schoolId;
  const numbers = [...new Set(batch.map((e) => e.accountNumber).filter((n): n is string => !!n))].sort();
  const cardIds = cardIdsOf(batch);
  const out: Claim = { accounts: new Map(), cards: new Map(), fresh: new Set() };
  if (!numbers.length && !cardIds.length && !run.length) return out;

  const parts: SQL[] = [];
  const ctes: SQL[] = [];
  if (run.length) {
    ctes.push(sql`ids AS (INSERT INTO entry_ids (uuid, school_id, created_at, terminal_id, seq)
      SELECT u, ${schoolId}, c, ${terminal.id}, s
      FROM ${zipRows('t', [['u', 'text', run.map((e) => e.uuid)], ['c', 'timestamptz', run.map((e) => e.createdAt)], ['s', 'bigint', run.map((e) => e.seq)]])}
      ON CONFLICT DO NOTHING RETURNING uuid)`);
    parts.push(sql`SELECT 'u' AS k, uuid AS id, NULL::text AS school_id, NULL::bigint AS balance, NULL::boolean AS has_permanent,
      NULL::bigint AS daily_limit, NULL::text AS card_account, NULL::text AS state FROM ids`);
  }
  if (numbers.length) {
    ctes.push(sql`a AS MATERIALIZED (SELECT account_number, school_id, balance, permanent_password_hash IS NOT NULL AS has_permanent, daily_limit
      FROM accounts WHERE account_number = ANY(${textArray(numbers)}::text[]) ORDER BY account_number FOR UPDATE)`);
    parts.push(sql`SELECT 'a' AS k, account_number AS id, school_id, balance, has_permanent, daily_limit, NULL::text AS card_account, NULL::text AS state FROM a`);
  }
  if (cardIds.length) {
    parts.push(sql`SELECT 'c' AS k, id, school_id, NULL::bigint AS balance, NULL::boolean AS has_permanent, NULL::bigint AS daily_limit,
      account_number AS card_account, state
      FROM cards WHERE id = ANY(${textArray(cardIds)}::text[])`);
  }
  const rows = await query<ClaimRow>(tx, sql`${ctes.length ? sql`WITH ${sql.join(ctes, sql`, `)} ` : sql``}${sql.join(parts, sql` UNION ALL `)}`);

  let foreignAccount: string | undefined;
  let foreignCard: string | undefined;
  for (const r of rows) {
    if (r.k === 'u') out.fresh.add(r.id);
    else if (r.k === 'a') {
      if (r.school_id !== schoolId) { if (!foreignAccount || r.id < foreignAccount) foreignAccount = r.id; continue; }
      out.accounts.set(r.id, { balance: Number(r.balance), hasPermanent: !!r.has_permanent, dailyLimit: r.daily_limit == null ? null : Number(r.daily_limit) });
    } else {
      if (r.school_id !== schoolId) { if (!foreignCard || r.id < foreignCard) foreignCard = r.id; continue; }
      out.cards.set(r.id, { accountNumber: r.card_account!, state: r.state! });
    }
  }
  if (foreignAccount) {
    throw new HttpError(403, 'FORBIDDEN', `Лицевой счёт ${foreignAccount} принадлежит другой школе; пакет не принят`, {
      accountNumber: foreignAccount,
    });
  }
  if (foreignCard) throw new HttpError(403, 'FORBIDDEN', `Карта ${foreignCard} принадлежит другой школе; пакет не принят`, { cardId: foreignCard });
  return out;
}
