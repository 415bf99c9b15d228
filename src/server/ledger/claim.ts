import { sql, type SQL } from 'drizzle-orm';
import type { SyncEntry } from '../../api/sync.js';
import { query, type Tx } from '../db/open.js';
import { textArray, zipRows } from '../db/bulk.js';
import { HttpError } from '../errors.js';
import type { reviewFlags } from '../db/schema.js';
import type { TerminalIdentity } from './push.js';

// A push's first statement (push.ts): the terminal locked, the run's UUIDs claimed, the batch's
// accounts locked, its cards read.

/** One row of the claim's answer; what each column holds depends on `k` (see claimAndRead). */
interface ClaimRow {
  k: 't' | 'a' | 'c' | 'u' | 'k';
  id: string;
  school_id: string | null;
  n1: number | null;
  n2: number | null;
  n3: number | null;
  b1: boolean | null;
  b2: boolean | null;
  t1: string | null;
  t2: string | null;
}

/** The terminal's row as the push found it (locked). */
export interface TerminalRow { lastSeq: number; overdraftLimit: number | null; maxEntryAmount: number | null; timeZone: string | null }

export interface Claim {
  terminal: TerminalRow;
  /** `reserved`: Σ the parents' open pre-orders (docs/orders.md), which a sale may not spend (core/sale.ts fundsShortfall). */
  accounts: Map<string, { balance: number; hasPermanent: boolean; dailyLimit: number | null; reserved: number }>;
  cards: Map<string, { accountNumber: string; state: string }>;
  /** The run's UUIDs this push claimed (new to the server). */
  fresh: Set<string>;
  /** UUIDs of the batch's repeats (seq ≤ lastSeq) that the server has (under any terminal). */
  known: Set<string>;
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
 * For each entry of a batch sorted by seq: the seq that starts its block of consecutive seqs. An
 * entry is in the run (the contiguous entries from lastSeq + 1) iff seq > lastSeq and its block
 * starts at or before lastSeq + 1: the database decides the run without knowing lastSeq beforehand.
 */
export function blockStarts(batch: readonly SyncEntry[]): number[] {
  const out = new Array<number>(batch.length);
  for (let i = 0; i < batch.length; i++) {
    out[i] = i > 0 && batch[i]!.seq === batch[i - 1]!.seq + 1 ? out[i - 1]! : batch[i]!.seq;
  }
  return out;
}

/**
 * The push's first statement, one round trip for all of it:
 * - the terminal's row `FOR UPDATE` (lastSeq, revoked; with `tokenHash`, whether the token is still
 *   its own: the in-process token cache is checked here, in the transaction) and its school's rules;
 * - entry_ids INSERT … ON CONFLICT DO NOTHING RETURNING uuid for the run, which the database picks
 *   from the batch by the locked lastSeq (blockStarts): the new ones (global UUID uniqueness);
 * - which of the batch's repeats (seq ≤ lastSeq) the server has (a reused seq is flagged otherwise);
 * - the batch's accounts, locked in account-number order (two terminals selling to one account never deadlock);
 * - the batch's cards.
 * A missing, revoked or re-enrolled terminal is refused (401) and any account or card of another school
 * refuses the push (403); the caller's transaction rolls back what was claimed. `batch` is sorted by seq.
 */
export async function claimAndRead(
  tx: Tx, terminal: TerminalIdentity, batch: SyncEntry[], tokenHash?: string,
  /** How to send it: the transaction's first statement (fold.ts: with the BEGIN). */
  send: <T>(q: SQL) => Promise<T[]> = (q) => query(tx, q),
): Promise<Claim> {
  const schoolId = terminal.schoolId;
  const numbers = [...new Set(batch.map((e) => e.accountNumber).filter((n): n is string => !!n))].sort();
  const cardIds = cardIdsOf(batch);

  const tokenOk = tokenHash === undefined ? sql`true` : sql`t.token_hash = ${tokenHash}`;
  const ctes: SQL[] = [sql`t AS MATERIALIZED (SELECT t.last_seq, t.revoked_at IS NOT NULL AS revoked, ${tokenOk} AS token_ok,
      s.overdraft_limit, s.time_zone, s.max_entry_amount
    FROM terminals t LEFT JOIN schools s ON s.id = ${schoolId} WHERE t.id = ${terminal.id} FOR UPDATE OF t)`];
  // The terminal's row first: the Append runs its parts in order, so the lock order stays terminal, UUIDs, accounts.
  const parts: SQL[] = [sql`SELECT 't' AS k, ${terminal.id}::text AS id, NULL::text AS school_id, last_seq::bigint AS n1,
    overdraft_limit::bigint AS n2, max_entry_amount::bigint AS n3, revoked AS b1, token_ok AS b2, time_zone::text AS t1, NULL::text AS t2 FROM t`];
  if (batch.length) {
    ctes.push(sql`bt AS MATERIALIZED (SELECT * FROM ${zipRows('z', [['u', 'text', batch.map((e) => e.uuid)],
      ['c', 'timestamptz', batch.map((e) => e.createdAt)], ['s', 'bigint', batch.map((e) => e.seq)], ['bs', 'bigint', blockStarts(batch)]])})`);
    ctes.push(sql`ids AS (INSERT INTO entry_ids (uuid, school_id, created_at, terminal_id, seq)
      SELECT bt.u, ${schoolId}, bt.c, ${terminal.id}, bt.s FROM bt, t
      WHERE NOT t.revoked AND t.token_ok AND bt.s > t.last_seq AND bt.bs <= t.last_seq + 1
      ON CONFLICT DO NOTHING RETURNING uuid)`);
    parts.push(sql`SELECT 'u', uuid, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM ids`);
    parts.push(sql`SELECT 'k', x.uuid, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM entry_ids x
      WHERE x.uuid IN (SELECT bt.u FROM bt, t WHERE bt.s <= t.last_seq)`);
  }
  if (numbers.length) {
    ctes.push(sql`a AS MATERIALIZED (SELECT account_number, school_id, balance, permanent_password_hash IS NOT NULL AS has_permanent, daily_limit
      FROM accounts WHERE account_number = ANY(${textArray(numbers)}::text[]) ORDER BY account_number FOR UPDATE)`);
    // n3 = the reservation: an index probe per account (pre_orders_open_account_idx, partial on open pre-orders).
    parts.push(sql`SELECT 'a', account_number, school_id, balance, daily_limit,
      (SELECT coalesce(sum(p.amount), 0) FROM pre_orders p WHERE p.account_number = a.account_number AND p.state = 'open'),
      has_permanent, NULL, NULL, NULL FROM a`);
  }
  if (cardIds.length) {
    parts.push(sql`SELECT 'c', id, school_id, NULL, NULL, NULL, NULL, NULL, account_number, state
      FROM cards WHERE id = ANY(${textArray(cardIds)}::text[])`);
  }
  const rows = await send<ClaimRow>(sql`WITH ${sql.join(ctes, sql`, `)} ${sql.join(parts, sql` UNION ALL `)}`);

  const term = rows.find((r) => r.k === 't');
  if (!term || term.b1) throw new HttpError(401, 'UNAUTHORIZED', 'Касса отключена от сервера');
  if (!term.b2) throw new HttpError(401, 'UNAUTHORIZED', 'Неизвестный токен кассы: зарегистрируйте кассу заново (canteen terminal enroll)');
  const out: Claim = {
    terminal: { lastSeq: Number(term.n1), overdraftLimit: term.n2, maxEntryAmount: term.n3, timeZone: term.t1 },
    accounts: new Map(), cards: new Map(), fresh: new Set(), known: new Set(),
  };
  let foreignAccount: string | undefined;
  let foreignCard: string | undefined;
  for (const r of rows) {
    if (r.k === 'u') out.fresh.add(r.id);
    else if (r.k === 'k') out.known.add(r.id);
    else if (r.k === 'a') {
      if (r.school_id !== schoolId) { if (!foreignAccount || r.id < foreignAccount) foreignAccount = r.id; continue; }
      out.accounts.set(r.id, { balance: Number(r.n1), hasPermanent: !!r.b1, dailyLimit: r.n2 == null ? null : Number(r.n2), reserved: Number(r.n3 ?? 0) });
    } else if (r.k === 'c') {
      if (r.school_id !== schoolId) { if (!foreignCard || r.id < foreignCard) foreignCard = r.id; continue; }
      out.cards.set(r.id, { accountNumber: r.t1!, state: r.t2! });
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

/** A seq the server already has under another uuid (a terminal restored from an old copy): keep the evidence. */
export function reusedSeqFlags(terminal: TerminalIdentity, repeats: SyncEntry[], known: Set<string>): (typeof reviewFlags.$inferInsert)[] {
  const flags: (typeof reviewFlags.$inferInsert)[] = [];
  for (const e of repeats) {
    if (known.has(e.uuid)) continue;
    flags.push({
      schoolId: terminal.schoolId, entryUuid: e.uuid, terminalId: terminal.id, accountNumber: e.accountNumber,
      reason: 'seqReused',
      message: `Касса повторно использовала номер проводки ${e.seq}: проводка не применена, нужна ручная проверка`,
      details: { entry: e },
    });
  }
  return flags;
}
