import { and, eq, sql, type SQL } from 'drizzle-orm';
import {
  cabinetPasswordPayloadSchema, cardBlockPayloadSchema, refundPayloadSchema, salePayloadSchema, zReportPayloadSchema,
  type PushRequest, type PushResponse, type SyncEntry,
} from '../../api/sync.js';
import { formatAmount } from '../../core/money.js';
import { fundsShortfall } from '../../core/sale.js';
import { DEFAULT_MAX_ENTRY_AMOUNT, type RuleEntry } from '../../core/ledger-rules.js';
import { DEFAULT_TIME_ZONE, schoolDay } from '../../core/datetime.js';
import { ruDay } from '../../core/period.js';
import { accounts, cards, reviewFlags, terminals } from '../db/schema.js';
import { query, type Db, type Tx } from '../db/open.js';
import { foldedTransaction, type Folded } from '../db/fold.js';
import { parsePgTextArray, textArray, zipRows } from '../db/bulk.js';
import { POKE_CHANNEL, recordChanges } from '../changes.js';
import { HttpError } from '../errors.js';
import { reconcilePushedZ, type PushedZ } from '../reports/z-reconcile.js';
import { daysToMark } from '../reports/rollup.js';
import { flagRepeatBenefits } from './repeat-benefit.js';
import { flagClockAhead, flagUnentitledSubsidies } from './entitlement.js';
import { checkServed, servedLinesOf, storeServed, type ServedMark } from './served.js';
import { claimAndRead, reusedSeqFlags, type Claim } from './claim.js';
import { restOfPayload } from './receipt-payload.js';
import { lineBenefitJoin } from './line-benefit.js';
import { ruleBookFor, ruleReceipt, spentOnSaleDays, type SchoolRules } from './rule-context.js';

// The push: one transaction per batch (applyPush, applyRun). Its first read is claim.ts; what the
// ledger rules need of the stored ledger is rule-context.ts.

export interface TerminalIdentity { id: string; schoolId: string; name: string }

type FlagRow = typeof reviewFlags.$inferInsert;

const CHUNK = 1000;

/**
 * Applies one push in one transaction (DESIGN.md "Sync"):
 * - entries with seq ≤ lastSeq are repeats: nothing happens, the same ack is answered;
 * - a batch starting after lastSeq + 1 is a gap: nothing is stored, `resumeFrom` says where to start;
 * - the contiguous run from lastSeq + 1 is stored (ON CONFLICT (uuid) DO NOTHING via entry_ids) and
 *   lastSeq advances over it, even for entries that cannot apply or break a ledger rule (those are
 *   stored unapplied and flagged, never dropped);
 * - an entry touching another school's account or card refuses the whole push (403), nothing changed.
 * The only lock besides the touched accounts' rows is the terminal's own row (FOR UPDATE).
 *
 * Round trips are what a push costs on a busy machine, so a 1,000-entry push is four statements
 * (plus BEGIN/COMMIT): lock the terminal; claim the UUIDs + lock the accounts + read the cards;
 * write entries, receipts, lines, balances, change log and lastSeq in one statement; flags, rarely.
 * A sale on an account with a daily limit adds one read of that day's spending (spentOnSaleDays); a
 * refund, or a subsidy entry first in the run, one read of what the ledger rules need (ruleBookFor).
 * Every entry goes through the ledger rules (src/core/ledger-rules.ts) in memory: one that breaks a rule
 * is stored as sent, unapplied, and flagged with the rule (docs/sync.md "Ledger rules").
 */
export async function applyPush(db: Db, terminal: TerminalIdentity, req: PushRequest, opts: PushOptions = {}): Promise<PushResponse> {
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

  const out = { changed: false };
  // On PostgreSQL a sale's push is two round trips: BEGIN with the claim, the write with COMMIT (fold.ts).
  const attempt = (fold: boolean) => foldedTransaction(db, async (tx, f) => {
    // One statement: the terminal locked (401 when revoked or its token replaced), the run's UUIDs
    // claimed, the repeats looked up, the accounts locked, the cards read. A 403 rolls the claim back.
    const claim = await claimAndRead(tx, terminal, batch, opts.tokenHash, f.first);
    const term = claim.terminal;
    const lastSeq = term.lastSeq;
    const school: SchoolRules = {
      overdraftLimit: Number(term.overdraftLimit ?? 0), timeZone: term.timeZone ?? DEFAULT_TIME_ZONE,
      maxEntryAmount: Number(term.maxEntryAmount ?? DEFAULT_MAX_ENTRY_AMOUNT),
    };

    const gap = batch.length > 0 && batch[0]!.seq > lastSeq + 1;
    const repeats = batch.filter((e) => e.seq <= lastSeq);
    const run: SyncEntry[] = [];
    if (!gap) {
      for (const e of batch) {
        if (e.seq <= lastSeq) continue;
        if (e.seq !== lastSeq + run.length + 1) break;
        run.push(e);
      }
    }

    if (batch.length === 0) return { ackSeq: lastSeq };
    if (gap) return { ackSeq: lastSeq, resumeFrom: lastSeq + 1 };

    const newLastSeq = lastSeq + run.length;
    const flags: FlagRow[] = [];
    if (repeats.length) flags.push(...reusedSeqFlags(terminal, repeats, claim.known));
    const wrote = run.length ? await applyRun(tx, f, terminal, run, claim, school, newLastSeq, flags, { notifyInTx: !opts.onSalesCommitted, out }) : false;

    if (flags.length) {
      for (let i = 0; i < flags.length; i += CHUNK) {
        await tx.insert(reviewFlags).values(flags.slice(i, i + CHUNK)).onConflictDoNothing();
      }
    }
    if (!wrote) {
      await tx.update(terminals)
        .set({ lastSeq: newLastSeq, lastSeenAt: sql`now()` })
        .where(eq(terminals.id, terminal.id));
    }

    const res: PushResponse = { ackSeq: newLastSeq };
    if (run.length < batch.length - repeats.length) res.resumeFrom = newLastSeq + 1;
    return res;
  }, { fold });
  let ack: PushResponse;
  try {
    ack = await attempt(true);
  } catch (err) {
    // The folded write met a receipt id the server already has: it rolled back; again, the ordinary way.
    if (!isFoldGuard(err)) throw err;
    out.changed = false;
    ack = await attempt(false);
  }
  if (out.changed) opts.onSalesCommitted?.(terminal.schoolId);
  return ack;
}

export interface PushOptions {
  /**
   * sha256 of the Bearer token the request came with: the push's first statement checks it is still
   * the terminal's (the route resolved it from a per-process cache, which may be a moment stale).
   */
  tokenHash?: string;
  /**
   * Called after the commit when the push changed balances, instead of a NOTIFY inside the
   * transaction: the server coalesces these per school (poke.ts), so commits do not queue on
   * NOTIFY's cluster-wide lock one by one. Without it the push NOTIFYs in its own transaction.
   */
  onSalesCommitted?: (schoolId: string) => void;
}

/** The folded write's deliberate failure (a text that is no integer): see applyRun. */
const FOLD_GUARD = 'canteen-fold-retry:';
function isFoldGuard(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === '22P02' && typeof e.message === 'string' && e.message.includes(FOLD_GUARD);
}

/**
 * Stores the run (its UUIDs already claimed) in one statement; returns true when that statement also
 * moved the terminal's lastSeq (false: nothing new to store, the caller updates lastSeq itself).
 */
async function applyRun(
  tx: Tx, f: Folded, terminal: TerminalIdentity, run: SyncEntry[], claim: Claim, school: SchoolRules, newLastSeq: number, flags: FlagRow[],
  notify: { notifyInTx: boolean; out: { changed: boolean } },
): Promise<boolean> {
  const schoolId = terminal.schoolId;
  const fresh = claim.fresh;
  for (const e of run) {
    if (!fresh.has(e.uuid)) {
      flags.push({
        schoolId, entryUuid: e.uuid, terminalId: terminal.id, accountNumber: e.accountNumber,
        reason: 'duplicateUuid', message: `Проводка ${e.uuid} уже есть на сервере от другой кассы; повтор не применён`,
        details: { entry: e },
      });
    }
  }
  const todo = fresh.size === run.length ? run : run.filter((e) => fresh.has(e.uuid));
  if (todo.length === 0) return false;

  const accountRows = claim.accounts;
  const cardRows = claim.cards;
  const n = todo.length;
  // Columns of the entries insert (school and terminal are the same for every row: scalar parameters).
  const eUuid = new Array<string>(n), eCreated = new Array<string>(n), eSeq = new Array<number>(n);
  const eKind = new Array<string>(n), eAccount = new Array<string | null>(n), eAmount = new Array<number>(n);
  const eApplied = new Array<boolean>(n), eShift = new Array<string | null>(n), eCashier = new Array<string | null>(n);
  const eCard = new Array<string | null>(n), eReceipt = new Array<string | null>(n), ePayload = new Array<unknown>(n);
  // receipts
  const rId: string[] = [], rNumber: string[] = [], rKind: string[] = [], rEntry: string[] = [], rAccount: (string | null)[] = [];
  const rTotal: number[] = [], rSubsidy: number[] = [], rIssued: string[] = [], rRefundOf: (string | null)[] = [], rDoc: unknown[] = [];
  const receiptEntry = new Map<string, SyncEntry>();
  // receipt_lines
  const lReceipt: string[] = [], lNo: number[] = [], lItem: string[] = [], lKind: string[] = [], lName: string[] = [];
  const lQty: number[] = [], lPrice: number[] = [], lAmount: number[] = [], lSubsidy: number[] = [], lRule: (string | null)[] = [];
  const lAcc: (string | null)[] = [], lRefundOf: (string | null)[] = [];

  const deltas = new Map<string, number>();
  const spent = await spentOnSaleDays(tx, schoolId, todo, accountRows, school.timeZone);
  const book = await ruleBookFor(tx, terminal, todo, school);
  const tempPasswords = new Map<string, string>();
  const blockCards = new Map<string, string>();
  const zReports: PushedZ[] = [];
  const servedLines = await servedLinesOf(tx, todo);
  const servedMarks: ServedMark[] = [];
  const flag = (e: SyncEntry, reason: string, message: string, details: Record<string, unknown> = {}) =>
    flags.push({ schoolId, entryUuid: e.uuid, terminalId: terminal.id, accountNumber: e.accountNumber, reason, message, details });
  await flagRepeatBenefits(tx, schoolId, todo, school.timeZone, flag);
  await flagUnentitledSubsidies(tx, schoolId, todo, flag);
  flagClockAhead(todo, new Date(), flag);

  for (let i = 0; i < n; i++) {
    const e = todo[i]!;
    if (i > 0 && e.seq !== todo[i - 1]!.seq + 1) book.gap();   // a duplicateUuid between them was not stored here
    const acc = e.accountNumber ? accountRows.get(e.accountNumber) : undefined;
    let payload: unknown = e.payload;

    // The ledger rules (src/core/ledger-rules.ts) first: an entry that breaks one is stored as sent,
    // flagged, and touches nothing (no balance, no receipt row, no password, no card).
    const parsed = e.kind === 'sale' ? salePayloadSchema.safeParse(e.payload)
      : e.kind === 'refund' ? refundPayloadSchema.safeParse(e.payload) : undefined;
    const p = parsed?.success ? parsed.data : undefined;
    const ruled: RuleEntry = {
      kind: e.kind, accountNumber: e.accountNumber, amount: e.amount, receiptId: e.receiptId ?? null,
      receipt: p ? ruleReceipt(p) : null,
      subsidyOf: e.kind === 'subsidy' && typeof e.payload.receiptId === 'string' ? e.payload.receiptId : null,
    };
    let applied = true;
    for (const v of book.check(ruled)) {
      applied = false;
      const issues = v.rule === 'badPayload' && parsed && !parsed.success
        ? { issues: parsed.error.issues.slice(0, 5).map((x) => `${x.path.join('.')}: ${x.message}`) } : {};
      flag(e, v.rule, `${v.message}; проводка сохранена, но не применена`, { ...v.details, ...issues, applied: false });
    }
    if (e.accountNumber && !acc) {
      applied = false;
      flag(e, 'unknownAccount', `Лицевой счёт ${e.accountNumber} не найден: проводка сохранена, баланс не изменён`);
    }
    if (applied && e.kind === 'orderServed') {
      const served = checkServed(e, schoolId, servedLines);
      if ('mark' in served) servedMarks.push(served.mark);
      else { applied = false; flag(e, served.reason, `${served.message}; проводка сохранена, но не применена`, { applied: false }); }
    }
    book.record(ruled, applied);
    if (applied && e.accountNumber && e.amount !== 0) {
      deltas.set(e.accountNumber, (deltas.get(e.accountNumber) ?? 0) + e.amount);
      acc!.balance += e.amount;
    }

    if (!applied) {
      // Kept whole in the entry: a person reviewing the flag sees exactly what the till sent.
    } else if (p) {
      if (receiptEntry.has(p.receiptId)) {
        // Two entries of one batch with one receipt id: the first keeps the receipt, this one keeps its whole payload.
        flag(e, 'duplicateReceipt', `Чек ${p.receiptId} уже пришёл в этом пакете с другой проводкой: состав чека сохранён в проводке`);
      } else {
        const refundOf = typeof p.refundOf === 'string' ? p.refundOf : null;
        receiptEntry.set(p.receiptId, e);
        rId.push(p.receiptId); rNumber.push(p.receiptNumber); rKind.push(e.kind); rEntry.push(e.uuid); rAccount.push(e.accountNumber);
        rTotal.push(p.total); rSubsidy.push(p.subsidy); rIssued.push(p.issuedAt ?? e.createdAt); rRefundOf.push(refundOf); rDoc.push(p.doc ?? null);
        for (let j = 0; j < p.lines.length; j++) {
          const l = p.lines[j]!;
          lReceipt.push(p.receiptId); lNo.push(j + 1); lItem.push(l.itemId); lKind.push(l.kind); lName.push(l.name);
          lQty.push(l.quantity); lPrice.push(l.unitPrice); lAmount.push(l.amount); lSubsidy.push(l.subsidy);
          lRule.push(l.ruleId ?? null); lAcc.push(e.accountNumber); lRefundOf.push(refundOf);
        }
        // A readable receipt is stored once, in receipts + receipt_lines; the entry keeps the rest of the payload.
        payload = restOfPayload(e, refundOf !== null);
      }
      if (e.kind === 'sale' && e.cardId) {
        const card = cardRows.get(e.cardId);
        if (!card) flag(e, 'unknownCard', `Карта ${e.cardId} не известна серверу`);
        else if (card.accountNumber !== e.accountNumber) flag(e, 'cardMismatch', `Карта ${e.cardId} привязана к Л/С ${card.accountNumber}, продажа на ${e.accountNumber}`);
        else if (card.state === 'blocked') flag(e, 'cardBlocked', `Продажа по заблокированной карте ${e.cardId}`);
        else if (card.state === 'lost') flag(e, 'cardLost', `Продажа по утерянной карте ${e.cardId}`);
      }
      // The till's balance rule (core/sale.ts fundsShortfall) on what the server holds: applied and flagged (the food was eaten).
      const short = e.kind === 'sale' && acc ? fundsShortfall(acc.balance, e.amount < 0 ? acc.reserved : 0, school.overdraftLimit) : null;
      const facts = { balanceAfter: acc?.balance, overdraftLimit: school.overdraftLimit };
      if (short === 'overdraft') flag(e, 'overdraft', `Баланс Л/С ${e.accountNumber} после продажи ${formatAmount(acc!.balance)} ниже допустимого`, facts);
      else if (short === 'reserved') {
        flag(e, 'reservedSpent', `Продажа на Л/С ${e.accountNumber} потратила деньги, зарезервированные под заказ питания: после продажи ${formatAmount(acc!.balance)}, резерв ${formatAmount(acc!.reserved)}`, { ...facts, reserved: acc!.reserved });
      }
      const limit = acc?.dailyLimit;
      const day = limit != null ? spent.get(e.accountNumber!)?.get(schoolDay(e.createdAt, school.timeZone)) : undefined;
      if (day && limit != null) {
        // Spending as the terminal counts it for the limit: sales minus refunds of that school day.
        day.spent -= e.amount;
        if (e.kind === 'sale' && day.spent > limit) {
          flag(e, 'dailyLimit', `Дневной лимит Л/С ${e.accountNumber} превышен: за ${ruDay(day.day)} потрачено ${formatAmount(day.spent)} при лимите ${formatAmount(limit)}`, {
            day: day.day, spentDay: day.spent, dailyLimit: limit,
          });
        }
      }
    } else if (e.kind === 'cabinetPassword') {
      const parsedPw = cabinetPasswordPayloadSchema.safeParse(e.payload);
      if (!parsedPw.success) flag(e, 'badPayload', 'Пароль личного кабинета в проводке не читается');
      else if (acc && !acc.hasPermanent) tempPasswords.set(e.accountNumber!, parsedPw.data.passwordHash);
    } else if (e.kind === 'cardBlock') {
      const parsedBlock = cardBlockPayloadSchema.safeParse(e.payload);
      if (!parsedBlock.success) flag(e, 'badPayload', 'Блокировка карты в проводке не читается');
      else if (!cardRows.has(parsedBlock.data.cardId)) flag(e, 'unknownCard', `Блокировка неизвестной карты ${parsedBlock.data.cardId}`);
      else blockCards.set(parsedBlock.data.cardId, parsedBlock.data.reason ?? 'заблокирована на кассе');
    } else if (e.kind === 'zReport') {
      const parsedZ = zReportPayloadSchema.safeParse(e.payload);
      if (!parsedZ.success || !e.shiftId) flag(e, 'badPayload', 'Z-отчёт в проводке не читается: смену нельзя сверить');
      else zReports.push({ uuid: e.uuid, shiftId: e.shiftId, payload: parsedZ.data });
    }
    eUuid[i] = e.uuid; eCreated[i] = e.createdAt; eSeq[i] = e.seq; eKind[i] = e.kind; eAccount[i] = e.accountNumber;
    eAmount[i] = e.amount; eApplied[i] = applied; eShift[i] = e.shiftId ?? null; eCashier[i] = e.cashierId ?? null;
    // A subsidy entry names its receipt in the payload; the column lets reports join it directly (migration 0016).
    eCard[i] = e.cardId ?? null; ePayload[i] = payload;
    eReceipt[i] = e.receiptId ?? (e.kind === 'subsidy' && typeof e.payload.receiptId === 'string' ? e.payload.receiptId : null);
  }

  const balances = [...deltas].filter(([, d]) => d !== 0);
  // A free benefit meal moves no balance but changes what other tills must know today (pull's accounts[].today).
  const changedAccounts = [...new Set([...deltas.keys(), ...tempPasswords.keys(),
    ...todo.filter((e) => e.kind === 'sale' && e.amount === 0 && e.accountNumber && accountRows.has(e.accountNumber)).map((e) => e.accountNumber!)])];

  // Everything the run writes, in one statement (data-modifying CTEs share one snapshot and see
  // nothing of each other except RETURNING, and none of them reads what another writes).
  const ctes: SQL[] = [sql`e AS (INSERT INTO entries (uuid, school_id, created_at, terminal_id, seq, kind, account_number, amount,
      applied, shift_id, cashier_id, card_id, receipt_id, payload)
    SELECT u, ${schoolId}, c, ${terminal.id}, s, k, a, m, ap, sh, ca, cd, r, coalesce(p, '{}'::jsonb)
    FROM ${zipRows('t', [
      ['u', 'text', eUuid], ['c', 'timestamptz', eCreated], ['s', 'bigint', eSeq], ['k', 'text', eKind], ['a', 'text', eAccount],
      ['m', 'bigint', eAmount], ['ap', 'boolean', eApplied], ['sh', 'text', eShift], ['ca', 'text', eCashier], ['cd', 'text', eCard],
      ['r', 'text', eReceipt], ['p', 'jsonb', ePayload]])})`];
  if (rId.length) {
    // ON CONFLICT: a receipt id the server already has under another entry must not fail the push (the
    // terminal would be stuck for ever); it is reported below and flagged with the entry's whole payload.
    ctes.push(sql`rc AS (INSERT INTO receipts (school_id, id, number, kind, terminal_id, entry_uuid, account_number, total, subsidy,
        issued_at, refund_of, doc)
      SELECT ${schoolId}, id, n, k, ${terminal.id}, u, a, tot, sub, iss, ro, d
      FROM ${zipRows('t', [
        ['id', 'text', rId], ['n', 'text', rNumber], ['k', 'text', rKind], ['u', 'text', rEntry], ['a', 'text', rAccount],
        ['tot', 'bigint', rTotal], ['sub', 'bigint', rSubsidy], ['iss', 'timestamptz', rIssued], ['ro', 'text', rRefundOf], ['d', 'jsonb', rDoc]])}
      ON CONFLICT DO NOTHING RETURNING id)`);
    // Lines only of receipts inserted just now: no ON CONFLICT needed (and never lines added to someone else's receipt);
    ctes.push(sql`rl AS (INSERT INTO receipt_lines (school_id, receipt_id, line_no, item_id, item_kind, name, quantity, unit_price, amount, subsidy,
        benefit_category_id, funding_source) -- the category of the day for subsidised lines (line-benefit.ts)
      SELECT ${schoolId}, t.rid, t.no, t.item, t.ik, t.nm, t.q, t.up, t.am, t.sub, b.category_id, b.funding
      FROM ${zipRows('t', [
        ['rid', 'text', lReceipt], ['no', 'integer', lNo], ['item', 'text', lItem], ['ik', 'text', lKind], ['nm', 'text', lName],
        ['q', 'integer', lQty], ['up', 'bigint', lPrice], ['am', 'bigint', lAmount], ['sub', 'bigint', lSubsidy],
        ['rule', 'text', lRule], ['acc', 'text', lAcc], ['rof', 'text', lRefundOf]])}
      ${lineBenefitJoin(schoolId)}
      WHERE t.rid IN (SELECT id FROM rc))`);
  }
  if (balances.length) {
    // Per-account sums: one row update per account, not per entry.
    ctes.push(sql`bal AS (UPDATE accounts AS x SET balance = x.balance + v.delta, updated_at = now()
      FROM ${zipRows('v', [['account_number', 'text', balances.map(([a]) => a)], ['delta', 'bigint', balances.map(([, d]) => d)]])}
      WHERE x.account_number = v.account_number)`);
  }
  if (changedAccounts.length) {
    // The change log for pull cursors, as recordChanges writes it (txid defaults to this transaction's id).
    ctes.push(sql`ch AS (INSERT INTO changes (school_id, kind, key)
      SELECT ${schoolId}, 'account', k FROM unnest(${textArray(changedAccounts)}::text[]) AS t(k))`);
  }
  ctes.push(sql`tm AS (UPDATE terminals SET last_seq = ${newLastSeq}, last_seen_at = now() WHERE id = ${terminal.id})`);
  // Entries of a school day that may be rolled up already (a till that was offline over midnight): mark it for the reports.
  const late = daysToMark(todo.filter((e) => e.kind === 'sale' || e.kind === 'subsidy' || e.kind === 'refund').map((e) => e.createdAt), school.timeZone);
  if (late.length) ctes.push(sql`rd AS (INSERT INTO report_dirty_days (school_id, day) SELECT ${schoolId}, unnest(${textArray(late)}::date[]))`);
  const lostSql = rId.length
    ? sql`ARRAY(SELECT id FROM unnest(${textArray(rId)}::text[]) AS q(id) EXCEPT SELECT id FROM rc)`
    : sql`'{}'::text[]`;
  // NOTIFY is transactional: terminals are poked only if this push commits.
  notify.out.changed = changedAccounts.length > 0;
  const notifySql = changedAccounts.length && notify.notifyInTx ? sql`pg_notify(${POKE_CHANNEL}, ${schoolId})` : sql`NULL`;
  // Nothing to do after the write (the usual sale): it is the last statement and carries the COMMIT.
  // A receipt id the server already has would need a flag after it: then the statement fails on
  // purpose (FOLD_GUARD), nothing is kept, and applyPush runs the push again unfolded.
  const last = f.folds && !flags.length && !tempPasswords.size && !blockCards.size && !servedMarks.length && !zReports.length;
  const guard = last ? sql`, CASE WHEN cardinality(l.lost) > 0 THEN (${FOLD_GUARD} || cardinality(l.lost))::int END AS guard` : sql``;
  const write = sql`WITH ${sql.join(ctes, sql`, `)} SELECT l.lost, ${notifySql} AS poke${guard} FROM (SELECT ${lostSql} AS lost) l`;
  const [res] = last ? await f.last<{ lost: string[] | string }>(write) : await query<{ lost: string[] | string }>(tx, write);
  if (last) return true;

  for (const id of parsePgTextArray(res?.lost)) {
    const e = receiptEntry.get(id);
    if (!e) continue;
    flag(e, 'duplicateReceipt', `Чек ${id} уже есть на сервере под другой проводкой: состав этого чека сохранён в отметке`, { entry: e });
  }
  for (const [number, hash] of tempPasswords) {
    await tx.update(accounts).set({ tempPasswordHash: hash, updatedAt: sql`now()` })
      .where(and(eq(accounts.accountNumber, number), sql`${accounts.permanentPasswordHash} IS NULL`));
  }
  for (const [cardId, reason] of blockCards) {
    await tx.update(cards).set({ state: 'blocked', reason, updatedAt: sql`now()` })
      .where(and(eq(cards.id, cardId), eq(cards.state, 'active')));
  }
  await recordChanges(tx, schoolId, 'card', blockCards.keys());
  await storeServed(tx, schoolId, terminal.id, servedMarks);
  // After the run's entries are written: the Z is compared with the shift as the server now holds it.
  if (zReports.length) {
    for (const r of await reconcilePushedZ(tx, schoolId, terminal.id, school.timeZone, zReports)) {
      if (!r.differences.length) continue;
      const e = todo.find((x) => x.uuid === r.z.uuid)!;
      flag(e, 'zMismatch', r.message, { shiftId: r.z.shiftId, shiftNumber: r.z.payload.shiftNumber, differences: r.differences });
    }
  }
  return true;
}
