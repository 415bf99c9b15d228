import { and, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { PullResponse } from '../../api/sync.js';
import {
  benefitRules, changes, dishes, mealSets, menuCategories, schools, serverSettings, studentPhotos, terminals,
} from '../db/schema.js';
import { pullAccounts, pullCards, pullCashiers, pullStudents } from './pull-rows.js';
import { todayElsewhereQuery } from './today.js';
import { ordersForPull } from './pull-orders.js';
import { query, type Db, type Tx } from '../db/open.js';
import { foldedTransaction } from '../db/fold.js';
import { touchResult } from './pull-touch.js';
import type { TerminalIdentity } from './push.js';
import { schoolDay as schoolDayOf } from '../../core/datetime.js';
import { CHANGES_HORIZON_KEY, type ChangeKind } from '../changes.js';
import { SECRET, sharedSecret } from '../secrets.js';
import { neutralBenefitCategories, opaqueBenefitId } from './benefit-labels.js';

/**
 * Builds a pull answer for the terminal's school in one REPEATABLE READ
 * snapshot, so each balance and the terminal's lastSeq belong together.
 *
 * The cursor is that snapshot itself ("xmin:xmax:xip…", pg_current_snapshot()).
 * The next pull sends exactly the changes its own snapshot sees and the
 * cursor's snapshot did not (pg_visible_in_snapshot): a transaction that was
 * still running at the last pull, whatever its id, is sent once it commits,
 * and nothing already sent is sent again. Neither a counter row to lock nor a
 * wait for the oldest transaction on the cluster to finish (a plain "txid <
 * xmin" cursor makes freshness depend on the longest write transaction
 * anywhere on the PostgreSQL server). A bare number N from an older server
 * reads as the snapshot "N:N:".
 */
export async function buildPull(db: Db, terminal: TerminalIdentity, cursorText?: string, now: Date = new Date()): Promise<PullResponse> {
  return pullIn(db, terminal, cursorText, now, undefined);
}

/**
 * A till's pull with its "last seen" update (`touch`: pull-touch.ts) in the same first message: on
 * PostgreSQL the touch commits in a transaction of its own and the pull's snapshot opens right after it,
 * one round trip for both (db/fold.ts). A token no longer the till's: `valid` false and nothing read.
 */
export async function pullWithTouch(
  db: Db, terminal: TerminalIdentity, cursorText: string | undefined, touch: SQL, now: Date = new Date(),
): Promise<{ valid: false } | { valid: true; wanted: string | null; pull: PullResponse }> {
  const seen: { wanted: string | null } = { wanted: null };
  try {
    const pull = await pullIn(db, terminal, cursorText, now, { touch, seen });
    return { valid: true, wanted: seen.wanted, pull };
  } catch (err) {
    if (err instanceof TokenGone) return { valid: false };
    throw err;
  }
}

class TokenGone extends Error {}

async function pullIn(
  db: Db, terminal: TerminalIdentity, cursorText: string | undefined, now: Date,
  touched: { touch: SQL; seen: { wanted: string | null } } | undefined,
): Promise<PullResponse> {
  // Made (once) outside the read-only snapshot below.
  const benefitKey = await sharedSecret(db, SECRET.benefitIds);
  return foldedTransaction(db, async (tx, f) => {
    // One statement for what every pull needs (the snapshot is the transaction's: this is its first
    // statement): the cursor, the horizon, the till and its school, and, when the previous cursor
    // still holds, the changes since it. Pulls are most of a region's requests; each round trip
    // waits for a CPU twice on a busy machine.
    const previous = parseCursor(cursorText);
    // Only a well-formed snapshot reaches the cast (anything else is an unknown cursor: a reset).
    const prevSnapshot = previous && previous.xmin > 0 && /^\d+:\d+:(\d+(,\d+)*)?$/.test(previous.snapshot) ? previous.snapshot : null;
    const [head] = await f.first<{
      snapshot: string; xmax: string; horizon: string; last_seq: number | string; terminal_name: string; receipt_series: string | null;
      school: { id: string; code: string; name: string; time_zone: string; cabinet_url: string; overdraft_limit: number | string; stale_after_minutes: number; allergen_policy: 'confirm' | 'refuse' } | null;
      incremental: boolean; changes: { kind: ChangeKind; key: string }[] | null;
    }>(sql`
      WITH s AS (SELECT pg_current_snapshot() AS snap,
                        coalesce((SELECT value::bigint FROM ${serverSettings} WHERE key = ${CHANGES_HORIZON_KEY}), 0) AS horizon),
           v AS (SELECT s.*, (${prevSnapshot}::text IS NOT NULL
                   AND pg_snapshot_xmax(${prevSnapshot}::pg_snapshot) <= pg_snapshot_xmax(s.snap)
                   AND pg_snapshot_xmin(${prevSnapshot}::pg_snapshot)::text::bigint >= s.horizon) AS incremental FROM s)
      SELECT v.snap::text AS snapshot, pg_snapshot_xmax(v.snap)::text AS xmax, v.horizon::text AS horizon, v.incremental,
        t.last_seq, t.name AS terminal_name, t.receipt_series,
        (SELECT row_to_json(x) FROM (SELECT id, code, name, time_zone, cabinet_url, overdraft_limit, stale_after_minutes, allergen_policy
           FROM ${schools} WHERE id = ${terminal.schoolId}) x) AS school,
        CASE WHEN v.incremental THEN (SELECT coalesce(json_agg(c), '[]'::json) FROM (
          SELECT DISTINCT kind, key FROM ${changes}
          WHERE school_id = ${terminal.schoolId} AND txid >= pg_snapshot_xmin(${prevSnapshot}::pg_snapshot)::text::bigint
            AND NOT pg_visible_in_snapshot(txid::text::xid8, ${prevSnapshot}::pg_snapshot)) c) END AS changes
      FROM v LEFT JOIN ${terminals} t ON t.id = ${terminal.id}`);
    if (touched) {
      const t = touchResult(f.beforeRows<{ diagnostics_request: string | null }>());
      if (!t.valid) throw new TokenGone();   // rolls the snapshot back: nothing was read for this till
      touched.seen.wanted = t.wanted;
    }
    const sc = head?.school;
    if (!head || head.last_seq === null || !sc) throw new Error(`terminal ${terminal.id} or its school vanished`);
    const snap = { snapshot: head.snapshot };
    // Unknown cursors: absent or 0, from another database (beyond what this one has issued), or older than the kept log.
    const reset = !head.incremental;
    const term = { name: head.terminal_name, receiptSeries: head.receipt_series };
    const school = {
      id: sc.id, code: sc.code, name: sc.name, timeZone: sc.time_zone, cabinetUrl: sc.cabinet_url,
      overdraftLimit: Number(sc.overdraft_limit), staleAfterMinutes: sc.stale_after_minutes, allergenPolicy: sc.allergen_policy,
    };
    const lastSeq = Number(head.last_seq);

    let keys: Map<ChangeKind, string[]> | null = null;   // null = everything
    if (!reset) {
      keys = new Map();
      for (const r of head.changes ?? []) {
        const list = keys.get(r.kind) ?? [];
        list.push(r.key);
        keys.set(r.kind, list);
      }
    }
    const S = terminal.schoolId;
    const want = (kind: ChangeKind) => (keys === null ? null : keys.get(kind) ?? []);

    // When only accounts changed their statement carries the COMMIT (below) and nothing may be read after it:
    // a statement after the COMMIT would run outside the snapshot.
    let done = false;
    const guarded = <R>(load: () => Promise<R>) => { if (done) throw new Error('pull: a read after its COMMIT'); return load(); };
    const byKeys = async <R>(kind: ChangeKind, load: (ks: string[] | null) => Promise<R[]>): Promise<R[]> => {
      const ks = want(kind);
      return ks === null || ks.length ? guarded(() => selectIn(tx, ks, load)) : [];
    };
    // Accounts come with their reservations and what other tills spent today (one statement). When they are
    // all that changed (a top-up, another till's sale: most pulls that bring anything), nothing runs after
    // them, so their statement carries the COMMIT (PostgreSQL: two round trips in all).
    const todayOf = (ks: string[] | null) => todayElsewhereQuery(S, terminal.id, school.timeZone, now, ks).q;
    const accountKeys = want('account');
    const accountsOnly = keys !== null && [...keys.keys()].every((k) => k === 'account') && accountKeys!.length > 0 && accountKeys!.length <= CHUNK;
    const accountRows = accountsOnly
      ? await pullAccounts(async (q) => { done = f.folds; return f.last(q); }, S, accountKeys, todayOf(accountKeys))
      : await byKeys('account', (ks) => pullAccounts((q) => query(tx, q), S, ks, todayOf(ks)));
    const cardRows = await byKeys('card', (ks) => pullCards(tx, S, ks));
    const studentRows = await byKeys('student', (ks) => pullStudents(tx, S, ks));
    const categoryRows = await byKeys('category', (ks) => tx.select().from(menuCategories)
      .where(and(eq(menuCategories.schoolId, S), ks ? inArray(menuCategories.id, ks) : undefined)));
    const dishRows = await byKeys('dish', (ks) => tx.select().from(dishes)
      .where(and(eq(dishes.schoolId, S), ks ? inArray(dishes.id, ks) : undefined)));
    const mealSetRows = await byKeys('mealSet', (ks) => tx.select().from(mealSets)
      .where(and(eq(mealSets.schoolId, S), ks ? inArray(mealSets.id, ks) : undefined)));
    const ruleRows = await byKeys('benefitRule', (ks) => tx.select().from(benefitRules)
      .where(and(eq(benefitRules.schoolId, S), ks ? inArray(benefitRules.id, ks) : undefined)));
    // Photos go with their student rows (a new photo records a 'student' change), only to this school's tills.
    const photoRows = studentRows.length === 0 ? [] : await selectIn(tx, reset ? null : studentRows.map((r) => r.id), (ks) =>
      tx.select({ studentId: studentPhotos.studentId, mime: studentPhotos.mime, data: studentPhotos.data }).from(studentPhotos)
        .where(and(eq(studentPhotos.schoolId, S), ks ? inArray(studentPhotos.studentId, ks) : undefined)));
    const photos = new Map(photoRows.map((p) => [p.studentId, p]));
    // A meal set's allergens are its own and its dishes' (the dishes may not be in this answer).
    const setDishIds = [...new Set(mealSetRows.flatMap((m) => m.dishIds))];
    const dishAllergens = new Map<string, string[]>();
    if (setDishIds.length) {
      for (const d of await tx.select({ id: dishes.id, allergens: dishes.allergens }).from(dishes)
        .where(and(eq(dishes.schoolId, S), inArray(dishes.id, setDishIds)))) dishAllergens.set(d.id, d.allergens);
    }
    const setAllergens = (own: string[], dishIds: string[]) =>
      [...new Set([...own, ...dishIds.flatMap((id) => dishAllergens.get(id) ?? [])])];
    const day = schoolDayOf(now, school.timeZone);
    // A category's label says what its rules give: a changed rule resends its category too.
    const categoryKeys = want('benefitCategory');
    const benefitCategoryRows = await neutralBenefitCategories(tx, benefitKey, S,
      categoryKeys === null ? null : [...new Set([...categoryKeys, ...ruleRows.map((r) => r.benefitCategoryId)])]);
    const opaque = (id: string) => opaqueBenefitId(benefitKey, S, id);
    const sittingKeys = want('sittings');
    const orders = await ordersForPull(tx, S, day, { days: want('orderDay'), served: want('orderServed'), sittings: sittingKeys === null || sittingKeys.length > 0 });
    // The last read: on a full pull, or when a cashier changed, it carries the COMMIT (one round trip fewer).
    const cashierKeys = want('cashier');
    const cashierRows = cashierKeys !== null && cashierKeys.length > CHUNK
      ? await byKeys('cashier', (ks) => pullCashiers((q) => query(tx, q), S, ks))
      : await byKeys('cashier', (ks) => pullCashiers(async <T>(q: SQL) => { const rows = await f.last<T>(q); done = f.folds; return rows; }, S, ks));

    return {
      cursor: snap.snapshot,
      reset,
      lastSeq,
      settings: {
        schoolId: school.id,
        schoolCode: school.code,
        schoolName: school.name,
        timeZone: school.timeZone,
        cabinetUrl: school.cabinetUrl,
        overdraftLimit: school.overdraftLimit,
        staleAfterMinutes: school.staleAfterMinutes,
        allergenPolicy: school.allergenPolicy,
        // Not in the wire schema any more (no till reads it: staleAfterMinutes is the setting). Still sent
        // because tills built before December 2026 require it in their pull schema; drop it once none is left.
        offlineWarnAfterHours: school.staleAfterMinutes / 60,
        terminalId: terminal.id,
        terminalName: term.name,
        receiptSeries: term.receiptSeries ?? '',
      },
      accounts: accountRows.map((a) => ({
        accountNumber: a.accountNumber,
        studentId: a.studentId,
        balance: a.balance,
        lastSeq,
        dailyLimit: a.dailyLimit,
        hasPermanentPassword: a.hasPermanentPassword,
        active: a.active,
        today: { day, spentElsewhere: a.today?.spentElsewhere ?? 0, benefitUsedElsewhere: a.today?.benefitUsedElsewhere ?? false },
        reserved: a.reserved,
      })),
      cards: cardRows.map((c) => ({ cardId: c.id, accountNumber: c.accountNumber, state: c.state })),
      students: studentRows.map((s) => ({
        id: s.id, fullName: s.fullName, className: s.className, accountNumber: s.accountNumber,
        benefitCategoryIds: s.benefitCategoryIds.map(opaque), allergies: s.allergies,
        photo: photos.has(s.id) ? { mime: photos.get(s.id)!.mime, data: photos.get(s.id)!.data.toString('base64') } : null,
        active: s.active,
      })),
      menu: {
        categories: categoryRows.map((c) => ({ id: c.id, name: c.name, sort: c.sort, active: c.active })),
        dishes: dishRows.map((d) => ({ id: d.id, name: d.name, price: d.price, categoryId: d.categoryId, hotkey: d.hotkey, sort: d.sort, allergens: d.allergens, active: d.active })),
        mealSets: mealSetRows.map((m) => ({
          id: m.id, name: m.name, price: m.price, categoryId: m.categoryId, hotkey: m.hotkey, sort: m.sort, active: m.active, dishIds: m.dishIds,
          allergens: setAllergens(m.allergens, m.dishIds),
        })),
      },
      benefitCategories: benefitCategoryRows,
      benefitRules: ruleRows.map((r) => ({
        id: r.id, benefitCategoryId: opaque(r.benefitCategoryId), mealSetId: r.mealSetId, parentPays: r.parentPays, active: r.active,
      })),
      // On a reset only accounts with bans; after that every changed account (its list may have become empty).
      barredItems: accountRows
        .filter((a) => !reset || a.barredItemIds.length > 0 || a.barredCategoryIds.length > 0)
        .map((a) => ({ accountNumber: a.accountNumber, itemIds: a.barredItemIds, categoryIds: a.barredCategoryIds })),
      cashiers: cashierRows.map((c) => ({ id: c.id, name: c.name, role: c.role, pinHash: c.pinHash, active: c.active })),
      ...(orders ? { orders } : {}),
    };
  }, { isolationLevel: 'repeatable read', accessMode: 'read only', before: touched?.touch });
}

const CHUNK = 5000;

/** Loads everything (keys null) or the given keys in chunks (bind-parameter limits). */
async function selectIn<R>(_tx: Tx, keys: string[] | null, load: (ks: string[] | null) => Promise<R[]>): Promise<R[]> {
  if (keys === null) return load(null);
  const out: R[] = [];
  for (let i = 0; i < keys.length; i += CHUNK) out.push(...(await load(keys.slice(i, i + CHUNK))));
  return out;
}

/** "xmin:xmax:xip,…" or a bare number N (= "N:N:"); null when absent or malformed. */
function parseCursor(text: string | undefined): { snapshot: string; xmin: number; xmax: number } | null {
  if (text === undefined) return null;
  const snapshot = /^\d+$/.test(text) ? `${text}:${text}:` : text;
  const m = /^(\d+):(\d+):/.exec(snapshot);
  if (!m) return null;
  const xmin = Number(m[1]);
  const xmax = Number(m[2]);
  return xmin <= xmax ? { snapshot, xmin, xmax } : null;
}
