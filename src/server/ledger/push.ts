import { and, eq, inArray, sql } from 'drizzle-orm';
import {
  cabinetPasswordPayloadSchema, cardBlockPayloadSchema, refundPayloadSchema, salePayloadSchema,
  type PushRequest, type PushResponse, type SyncEntry,
} from '../../api/sync.js';
import { formatAmount } from '../../core/money.js';
import { accounts, cards, entries, entryIds, receiptLines, receipts, reviewFlags, schools, terminals } from '../db/schema.js';
import { query, type Db, type Tx } from '../db/open.js';
import { insertUnnest } from '../db/bulk.js';
import { recordChanges } from '../changes.js';
import { HttpError } from '../errors.js';

export interface TerminalIdentity { id: string; schoolId: string; name: string }

type FlagRow = typeof reviewFlags.$inferInsert;
type EntryRow = typeof entries.$inferInsert;

const CHUNK = 1000;
/** Rows per unnest INSERT (one parameter per column, so only memory bounds it). */
const BULK = 5000;

/**
 * Applies one push in one transaction (DESIGN.md "Sync"):
 * - entries with seq ≤ lastSeq are repeats: nothing happens, the same ack is answered;
 * - a batch starting after lastSeq + 1 is a gap: nothing is stored, `resumeFrom` says where to start;
 * - the contiguous run from lastSeq + 1 is stored (ON CONFLICT (uuid) DO NOTHING via entry_ids) and
 *   lastSeq advances over it, even for entries that cannot apply (those are flagged, never dropped);
 * - an entry touching another school's account or card refuses the whole push (403), nothing changed.
 * The only lock besides the touched accounts' rows is the terminal's own row (FOR UPDATE).
 */
export async function applyPush(db: Db, terminal: TerminalIdentity, req: PushRequest): Promise<PushResponse> {
  if (req.terminalId !== terminal.id) {
    throw new HttpError(403, 'FORBIDDEN', `Токен выдан кассе ${terminal.id}, а в запросе касса ${req.terminalId}`);
  }
  const batch = [...req.entries].sort((a, b) => a.seq - b.seq);
  for (let i = 1; i < batch.length; i++) {
    if (batch[i]!.seq === batch[i - 1]!.seq) {
      throw new HttpError(400, 'BAD_INPUT', `Две проводки с номером ${batch[i]!.seq} в одном пакете`);
    }
  }
  const uuids = new Set<string>();
  for (const e of batch) {
    if (uuids.has(e.uuid)) throw new HttpError(400, 'BAD_INPUT', `Проводка ${e.uuid} повторена в пакете`);
    uuids.add(e.uuid);
  }

  return db.transaction(async (tx) => {
    const [term] = await tx.select({ lastSeq: terminals.lastSeq, revokedAt: terminals.revokedAt })
      .from(terminals).where(eq(terminals.id, terminal.id)).for('update');
    if (!term || term.revokedAt) throw new HttpError(401, 'UNAUTHORIZED', 'Касса отключена от сервера');
    const lastSeq = term.lastSeq;

    await assertOwnSchool(tx, terminal.schoolId, batch);

    if (batch.length === 0) return { ackSeq: lastSeq };
    if (batch[0]!.seq > lastSeq + 1) return { ackSeq: lastSeq, resumeFrom: lastSeq + 1 };

    const repeats = batch.filter((e) => e.seq <= lastSeq);
    const run: SyncEntry[] = [];
    for (const e of batch) {
      if (e.seq <= lastSeq) continue;
      if (e.seq !== lastSeq + run.length + 1) break;
      run.push(e);
    }
    const newLastSeq = lastSeq + run.length;
    const flags: FlagRow[] = [];

    if (repeats.length) await flagReusedSeqs(tx, terminal, repeats, flags);
    if (run.length) await applyRun(tx, terminal, run, flags);

    if (flags.length) {
      for (let i = 0; i < flags.length; i += CHUNK) {
        await tx.insert(reviewFlags).values(flags.slice(i, i + CHUNK)).onConflictDoNothing();
      }
    }
    await tx.update(terminals)
      .set({ lastSeq: newLastSeq, lastSeenAt: sql`now()` })
      .where(eq(terminals.id, terminal.id));

    const ack: PushResponse = { ackSeq: newLastSeq };
    if (run.length < batch.length - repeats.length) ack.resumeFrom = newLastSeq + 1;
    return ack;
  });
}

/** Any account or card of another school in the batch refuses the push (nothing is written yet). */
async function assertOwnSchool(tx: Tx, schoolId: string, batch: SyncEntry[]): Promise<void> {
  const numbers = [...new Set(batch.map((e) => e.accountNumber).filter((n): n is string => !!n))];
  if (numbers.length) {
    const [foreign] = await query<{ account_number: string }>(tx, sql`SELECT account_number FROM accounts
      WHERE account_number = ANY(${sql.param(numbers)}::text[]) AND school_id <> ${schoolId} LIMIT 1`);
    if (foreign) {
      throw new HttpError(403, 'FORBIDDEN', `Лицевой счёт ${foreign.account_number} принадлежит другой школе; пакет не принят`, {
        accountNumber: foreign.account_number,
      });
    }
  }
  const cardIds = [...new Set(batch.flatMap((e) => {
    const ids = e.cardId ? [e.cardId] : [];
    if (e.kind === 'cardBlock' && typeof e.payload.cardId === 'string') ids.push(e.payload.cardId);
    return ids;
  }))];
  if (cardIds.length) {
    const [foreign] = await query<{ id: string }>(tx, sql`SELECT id FROM cards
      WHERE id = ANY(${sql.param(cardIds)}::text[]) AND school_id <> ${schoolId} LIMIT 1`);
    if (foreign) throw new HttpError(403, 'FORBIDDEN', `Карта ${foreign.id} принадлежит другой школе; пакет не принят`, { cardId: foreign.id });
  }
}

/** A seq the server already has under another uuid (a terminal restored from an old copy): keep the evidence. */
async function flagReusedSeqs(tx: Tx, terminal: TerminalIdentity, repeats: SyncEntry[], flags: FlagRow[]): Promise<void> {
  for (let i = 0; i < repeats.length; i += CHUNK) {
    const part = repeats.slice(i, i + CHUNK);
    const known = new Set((await tx.select({ uuid: entryIds.uuid }).from(entryIds)
      .where(inArray(entryIds.uuid, part.map((e) => e.uuid)))).map((r) => r.uuid));
    for (const e of part) {
      if (known.has(e.uuid)) continue;
      flags.push({
        schoolId: terminal.schoolId, entryUuid: e.uuid, terminalId: terminal.id, accountNumber: e.accountNumber,
        reason: 'seqReused',
        message: `Касса повторно использовала номер проводки ${e.seq}: проводка не применена, нужна ручная проверка`,
        details: { entry: e },
      });
    }
  }
}

async function applyRun(tx: Tx, terminal: TerminalIdentity, run: SyncEntry[], flags: FlagRow[]): Promise<void> {
  const schoolId = terminal.schoolId;
  // entry_ids first: its primary key is the global UUID uniqueness the partitioned ledger cannot have.
  const fresh = new Set<string>();
  for (let i = 0; i < run.length; i += BULK) {
    const rows = await insertUnnest(tx, 'entry_ids',
      [['uuid', 'text'], ['school_id', 'text'], ['created_at', 'timestamptz'], ['terminal_id', 'text'], ['seq', 'bigint']],
      run.slice(i, i + BULK).map((e) => [e.uuid, schoolId, e.createdAt, terminal.id, e.seq]),
      sql`ON CONFLICT DO NOTHING`, 'uuid');
    for (const r of rows) fresh.add(r.uuid);
  }
  for (const e of run) {
    if (!fresh.has(e.uuid)) {
      flags.push({
        schoolId, entryUuid: e.uuid, terminalId: terminal.id, accountNumber: e.accountNumber,
        reason: 'duplicateUuid', message: `Проводка ${e.uuid} уже есть на сервере от другой кассы; повтор не применён`,
        details: { entry: e },
      });
    }
  }
  const todo = run.filter((e) => fresh.has(e.uuid));
  if (todo.length === 0) return;

  // Lock touched accounts in a fixed order (two terminals selling to one account never deadlock).
  const numbers = [...new Set(todo.map((e) => e.accountNumber).filter((n): n is string => !!n))].sort();
  const accountRows = new Map<string, { balance: number; hasPermanent: boolean }>();
  if (numbers.length) {
    const rows = await query<{ account_number: string; balance: number; has_permanent: boolean }>(tx, sql`
      SELECT account_number, balance, permanent_password_hash IS NOT NULL AS has_permanent FROM accounts
      WHERE account_number = ANY(${sql.param(numbers)}::text[]) ORDER BY account_number FOR UPDATE`);
    for (const r of rows) accountRows.set(r.account_number, { balance: Number(r.balance), hasPermanent: r.has_permanent });
  }
  const cardIds = [...new Set(todo.flatMap((e) => {
    const ids = e.cardId ? [e.cardId] : [];
    if (e.kind === 'cardBlock' && typeof e.payload.cardId === 'string') ids.push(e.payload.cardId);
    return ids;
  }))];
  const cardRows = new Map<string, { accountNumber: string; state: string }>();
  if (cardIds.length) {
    const rows = await query<{ id: string; account_number: string; state: string }>(tx, sql`
      SELECT id, account_number, state FROM cards WHERE id = ANY(${sql.param(cardIds)}::text[])`);
    for (const r of rows) cardRows.set(r.id, { accountNumber: r.account_number, state: r.state });
  }
  const [school] = await tx.select({ overdraftLimit: schools.overdraftLimit }).from(schools).where(eq(schools.id, schoolId));
  const overdraftLimit = school?.overdraftLimit ?? 0;

  const entryRows: EntryRow[] = [];
  const deltas = new Map<string, number>();
  const receiptRows: (typeof receipts.$inferInsert)[] = [];
  const lineRows: (typeof receiptLines.$inferInsert)[] = [];
  const tempPasswords = new Map<string, string>();
  const blockCards = new Map<string, string>();
  const flag = (e: SyncEntry, reason: string, message: string, details: Record<string, unknown> = {}) =>
    flags.push({ schoolId, entryUuid: e.uuid, terminalId: terminal.id, accountNumber: e.accountNumber, reason, message, details });

  for (const e of todo) {
    const acc = e.accountNumber ? accountRows.get(e.accountNumber) : undefined;
    let applied = true;
    if (e.accountNumber && !acc) {
      applied = false;
      flag(e, 'unknownAccount', `Лицевой счёт ${e.accountNumber} не найден: проводка сохранена, баланс не изменён`);
    }
    if (applied && e.accountNumber && e.amount !== 0) {
      deltas.set(e.accountNumber, (deltas.get(e.accountNumber) ?? 0) + e.amount);
      acc!.balance += e.amount;
    }

    if (e.kind === 'sale' || e.kind === 'refund') {
      if (e.kind === 'sale' && e.amount > 0) flag(e, 'badAmount', `Продажа с положительной суммой ${formatAmount(e.amount)}`);
      if (e.kind === 'refund' && e.amount < 0) flag(e, 'badAmount', `Возврат с отрицательной суммой ${formatAmount(e.amount)}`);
      const parsed = (e.kind === 'sale' ? salePayloadSchema : refundPayloadSchema).safeParse(e.payload);
      if (!parsed.success) {
        flag(e, 'badPayload', 'Чек в проводке не читается: проводка применена, состав чека неизвестен', {
          issues: parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`),
        });
      } else {
        const p = parsed.data;
        receiptRows.push({
          schoolId, id: p.receiptId, number: p.receiptNumber, kind: e.kind, terminalId: terminal.id, entryUuid: e.uuid,
          accountNumber: e.accountNumber, total: p.total, subsidy: p.subsidy, issuedAt: p.issuedAt ?? e.createdAt,
          refundOf: 'refundOf' in p ? (p.refundOf as string) : null, doc: p.doc ?? null,
        });
        p.lines.forEach((l, n) => lineRows.push({
          schoolId, receiptId: p.receiptId, lineNo: n + 1, itemId: l.itemId, itemKind: l.kind, name: l.name,
          quantity: l.quantity, unitPrice: l.unitPrice, amount: l.amount, subsidy: l.subsidy,
        }));
      }
      if (e.kind === 'sale' && e.cardId) {
        const card = cardRows.get(e.cardId);
        if (!card) flag(e, 'unknownCard', `Карта ${e.cardId} не известна серверу`);
        else if (card.accountNumber !== e.accountNumber) flag(e, 'cardMismatch', `Карта ${e.cardId} привязана к Л/С ${card.accountNumber}, продажа на ${e.accountNumber}`);
        else if (card.state === 'blocked') flag(e, 'cardBlocked', `Продажа по заблокированной карте ${e.cardId}`);
        else if (card.state === 'lost') flag(e, 'cardLost', `Продажа по утерянной карте ${e.cardId}`);
      }
      if (e.kind === 'sale' && applied && acc && acc.balance < -overdraftLimit) {
        flag(e, 'overdraft', `Баланс Л/С ${e.accountNumber} после продажи ${formatAmount(acc.balance)} ниже допустимого`, {
          balanceAfter: acc.balance, overdraftLimit,
        });
      }
    } else if (e.kind === 'cabinetPassword') {
      const parsed = cabinetPasswordPayloadSchema.safeParse(e.payload);
      if (!parsed.success) flag(e, 'badPayload', 'Пароль личного кабинета в проводке не читается');
      else if (acc && !acc.hasPermanent) tempPasswords.set(e.accountNumber!, parsed.data.passwordHash);
    } else if (e.kind === 'cardBlock') {
      const parsed = cardBlockPayloadSchema.safeParse(e.payload);
      if (!parsed.success) flag(e, 'badPayload', 'Блокировка карты в проводке не читается');
      else if (!cardRows.has(parsed.data.cardId)) flag(e, 'unknownCard', `Блокировка неизвестной карты ${parsed.data.cardId}`);
      else blockCards.set(parsed.data.cardId, parsed.data.reason ?? 'заблокирована на кассе');
    }

    // A readable receipt is stored once, in receipts + receipt_lines; the entry keeps the rest of the payload.
    const stored = (e.kind === 'sale' || e.kind === 'refund') && receiptRows.at(-1)?.entryUuid === e.uuid
      ? { ...e.payload, lines: undefined, doc: undefined, receiptStored: true }
      : e.payload;
    entryRows.push({
      uuid: e.uuid, schoolId, createdAt: e.createdAt, terminalId: terminal.id, seq: e.seq, kind: e.kind,
      accountNumber: e.accountNumber, amount: e.amount, applied, shiftId: e.shiftId ?? null,
      cashierId: e.cashierId ?? null, cardId: e.cardId ?? null, receiptId: e.receiptId ?? null, payload: stored,
    });
  }

  for (let i = 0; i < entryRows.length; i += BULK) {
    await insertUnnest(tx, 'entries', [
      ['uuid', 'text'], ['school_id', 'text'], ['created_at', 'timestamptz'], ['terminal_id', 'text'], ['seq', 'bigint'],
      ['kind', 'text'], ['account_number', 'text'], ['amount', 'bigint'], ['applied', 'boolean'], ['shift_id', 'text'],
      ['cashier_id', 'text'], ['card_id', 'text'], ['receipt_id', 'text'], ['payload', 'jsonb'],
    ], entryRows.slice(i, i + BULK).map((r) => [
      r.uuid, r.schoolId, r.createdAt, r.terminalId, r.seq, r.kind, r.accountNumber, r.amount, r.applied, r.shiftId,
      r.cashierId, r.cardId, r.receiptId, r.payload,
    ]), sql``);
  }
  for (let i = 0; i < receiptRows.length; i += BULK) {
    await insertUnnest(tx, 'receipts', [
      ['school_id', 'text'], ['id', 'text'], ['number', 'text'], ['kind', 'text'], ['terminal_id', 'text'], ['entry_uuid', 'text'],
      ['account_number', 'text'], ['total', 'bigint'], ['subsidy', 'bigint'], ['issued_at', 'timestamptz'], ['refund_of', 'text'], ['doc', 'jsonb'],
    ], receiptRows.slice(i, i + BULK).map((r) => [
      r.schoolId, r.id, r.number, r.kind, r.terminalId, r.entryUuid, r.accountNumber, r.total, r.subsidy, r.issuedAt, r.refundOf, r.doc,
    ]));
  }
  for (let i = 0; i < lineRows.length; i += BULK) {
    await insertUnnest(tx, 'receipt_lines', [
      ['school_id', 'text'], ['receipt_id', 'text'], ['line_no', 'integer'], ['item_id', 'text'], ['item_kind', 'text'], ['name', 'text'],
      ['quantity', 'integer'], ['unit_price', 'bigint'], ['amount', 'bigint'], ['subsidy', 'bigint'],
    ], lineRows.slice(i, i + BULK).map((r) => [
      r.schoolId, r.receiptId, r.lineNo, r.itemId, r.itemKind, r.name, r.quantity, r.unitPrice, r.amount, r.subsidy,
    ]));
  }
  await addToBalances(tx, deltas);
  for (const [number, hash] of tempPasswords) {
    await tx.update(accounts).set({ tempPasswordHash: hash, updatedAt: sql`now()` })
      .where(and(eq(accounts.accountNumber, number), sql`${accounts.permanentPasswordHash} IS NULL`));
  }
  for (const [cardId, reason] of blockCards) {
    await tx.update(cards).set({ state: 'blocked', reason, updatedAt: sql`now()` })
      .where(and(eq(cards.id, cardId), eq(cards.state, 'active')));
  }
  await recordChanges(tx, schoolId, 'account', [...deltas.keys(), ...tempPasswords.keys()]);
  await recordChanges(tx, schoolId, 'card', blockCards.keys());
}

/** One UPDATE per batch with the per-account sums (not one per entry). */
export async function addToBalances(tx: Tx, deltas: Map<string, number>): Promise<void> {
  const list = [...deltas].filter(([, d]) => d !== 0);
  if (list.length === 0) return;
  await tx.execute(sql`UPDATE accounts AS a SET balance = a.balance + v.delta, updated_at = now()
    FROM unnest(${sql.param(list.map(([n]) => n))}::text[], ${sql.param(list.map(([, d]) => d))}::bigint[]) AS v(account_number, delta)
    WHERE a.account_number = v.account_number`);
}
