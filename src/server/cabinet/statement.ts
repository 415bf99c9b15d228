import { sql } from 'drizzle-orm';
import { formatDateTimeMany } from '../../core/datetime.js';
import { query, type Tx } from '../db/open.js';
import type { AccountView } from './account.js';
import type { Period } from '../../core/period.js';

export interface StatementItem { name: string; quantity: number; amount: number }

export interface StatementLine {
  uuid: string;
  at: string;                 // ISO instant
  when: string;               // "15.03.2018 10:42" in the school's zone
  kind: string;
  title: string;              // "Чек №24-015183", "Пополнение банковской картой"
  debit: number;              // kopecks taken (positive), 0 when none
  credit: number;             // kopecks put in (positive), 0 when none
  balance: number;            // the account's balance after this entry: opening + the period's entries up to here
  items: StatementItem[];     // the receipt's dish lines (only with details)
}

export interface Statement {
  account: AccountView;
  period: Period;
  details: boolean;
  opening: number;
  closing: number;
  totalDebit: number;
  totalCredit: number;
  lines: StatementLine[];
}

interface EntryRow {
  uuid: string; created_at: string | Date; kind: string; amount: number | string;
  receipt_id: string | null; receipt_number: string | null; refund_of_number: string | null; payload_title: string | null;
  items: unknown; after_sum: number | string | null;
}
interface SumRow { s: number | string | null }

/**
 * A period of the ledger for one account, with the receipts' dish lines when
 * asked. Balances come from the running balance minus what happened after
 * the period, so the statement always agrees with the balance shown on top.
 * Only applied, money-moving entries are listed (password and card-block
 * entries carry no money). Queries go by (school_id, account_number,
 * created_at): the partition key and the entries_account_idx index.
 */
export async function buildStatement(db: Tx, account: AccountView, period: Period, details: boolean): Promise<Statement> {
  const S = account.schoolId;
  const A = account.accountNumber;
  // One round trip. Receipts are found by the entry they belong to (terminals need not repeat
  // the receipt id on the entry), among the account's receipts of the period (receipts_account_idx;
  // two days of slack for a terminal clock that differs from the entry's). Dish lines come
  // aggregated per receipt through its primary key; the (large) JSON payload is read only for
  // top-ups and corrections, which keep their title there.
  const items = details
    ? sql`(SELECT json_agg(json_build_array(l.name, l.quantity, l.amount) ORDER BY l.line_no)
           FROM receipt_lines l WHERE l.school_id = ${S} AND l.receipt_id = r.id)`
    : sql`NULL::json`;
  // A meal by order (docs/orders.md): its line's set with the set's dishes, as the parents' share (issue 15).
  const orderItems = details
    ? sql`(SELECT json_agg(json_build_array(ol.meal_set_name || coalesce(' (' || (SELECT string_agg(d.name, ', ' ORDER BY o.n)
             FROM meal_sets m CROSS JOIN unnest(m.dish_ids) WITH ORDINALITY AS o(id, n) JOIN dishes d ON d.school_id = m.school_id AND d.id = o.id
             WHERE m.school_id = ol.school_id AND m.id = ol.meal_set_id) || ')', ''), 1, ol.parent_amount))
           FROM order_lines ol WHERE ol.id = e.uuid)`
    : sql`NULL::json`;
  const rows = await query<EntryRow>(db, sql`
    WITH r AS (
      SELECT id, number, entry_uuid, refund_of FROM receipts
      WHERE school_id = ${S} AND account_number = ${A}
        AND issued_at >= ${period.fromInstant}::timestamptz - interval '2 days'
        AND issued_at < ${period.toInstantExclusive}::timestamptz + interval '2 days')
    SELECT e.uuid, e.created_at, e.kind, e.amount, r.id AS receipt_id, r.number AS receipt_number,
           rr.number AS refund_of_number,
           CASE WHEN e.kind IN ('topUp', 'correction', 'orderCharge', 'orderReversal') THEN coalesce(e.payload->>'title', e.payload->>'reason') END AS payload_title,
           CASE WHEN r.id IS NOT NULL THEN ${items} WHEN e.kind = 'orderCharge' THEN ${orderItems} END AS items,
           (SELECT sum(x.amount) FROM entries x WHERE x.school_id = ${S} AND x.account_number = ${A} AND x.applied
              AND x.created_at >= ${period.toInstantExclusive}) AS after_sum
    FROM entries e
    LEFT JOIN r ON r.entry_uuid = e.uuid
    LEFT JOIN receipts rr ON rr.school_id = ${S} AND rr.id = r.refund_of
    WHERE e.school_id = ${S} AND e.account_number = ${A} AND e.applied AND e.amount <> 0
      AND e.created_at >= ${period.fromInstant} AND e.created_at < ${period.toInstantExclusive}
    ORDER BY e.created_at, e.uuid`);
  // With no entry in the period the sum after it still matters.
  const afterSum = rows.length ? Number(rows[0]!.after_sum ?? 0) : Number((await query<SumRow>(db, sql`
    SELECT sum(amount) AS s FROM entries
    WHERE school_id = ${S} AND account_number = ${A} AND applied AND created_at >= ${period.toInstantExclusive}`))[0]?.s ?? 0);

  let totalDebit = 0;
  let totalCredit = 0;
  const lines: StatementLine[] = rows.map((r) => {
    const amount = Number(r.amount);
    // node-postgres and PGlite both hand timestamptz over as a Date; no ISO round trip per line.
    const created = r.created_at instanceof Date ? r.created_at : new Date(r.created_at);
    if (amount < 0) totalDebit -= amount; else totalCredit += amount;
    return {
      uuid: r.uuid, at: created.toISOString(), when: formatDateTimeMany(created, account.timeZone), kind: r.kind,
      title: titleOf(r), debit: amount < 0 ? -amount : 0, credit: amount > 0 ? amount : 0, balance: 0,
      items: details && r.items ? parseItems(r.items) : [],
    };
  });
  const closing = account.balance - afterSum;
  const opening = closing - totalCredit + totalDebit;
  // The running balance column: from the opening balance, entry by entry, in the statement's order.
  let running = opening;
  for (const l of lines) l.balance = running += l.credit - l.debit;
  return { account, period, details, opening, closing, totalDebit, totalCredit, lines };
}

function titleOf(r: EntryRow): string {
  switch (r.kind) {
    case 'sale': return r.receipt_number ? `Чек №${r.receipt_number}` : 'Покупка в столовой';
    case 'refund': return r.refund_of_number ? `Возврат по чеку №${r.refund_of_number}` : r.receipt_number ? `Возврат, чек №${r.receipt_number}` : 'Возврат';
    case 'topUp': return r.payload_title || 'Пополнение лицевого счёта';
    case 'correction': return r.payload_title || 'Корректировка';
    case 'subsidy': return 'Дотация';
    case 'orderCharge': return r.payload_title || 'Питание по заявке';
    case 'orderReversal': return r.payload_title || 'Возврат за питание по заявке';
    default: return r.kind;
  }
}

/** [[name, quantity, amount], …] as json (node-postgres parses it; PGlite too, but be safe with strings). */
function parseItems(raw: unknown): StatementItem[] {
  const list = (typeof raw === 'string' ? JSON.parse(raw) : raw) as [string, number, number | string][];
  const out = new Array<StatementItem>(list.length);
  for (let i = 0; i < list.length; i++) {
    const [name, quantity, amount] = list[i]!;
    out[i] = { name, quantity: Number(quantity), amount: Number(amount) };
  }
  return out;
}
