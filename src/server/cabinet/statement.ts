import { sql } from 'drizzle-orm';
import { formatDateTime } from '../../core/datetime.js';
import { query, type Tx } from '../db/open.js';
import type { AccountView } from './account.js';
import type { Period } from './period.js';

export interface StatementItem { name: string; quantity: number; amount: number }

export interface StatementLine {
  uuid: string;
  at: string;                 // ISO instant
  when: string;               // "15.03.2018 10:42" in the school's zone
  kind: string;
  title: string;              // "Чек №24-015183", "Пополнение банковской картой"
  debit: number;              // kopecks taken (positive), 0 when none
  credit: number;             // kopecks put in (positive), 0 when none
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
}
interface LineRow { receipt_id: string; name: string; quantity: number; amount: number | string }
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
  const rows = await query<EntryRow>(db, sql`
    SELECT e.uuid, e.created_at, e.kind, e.amount, e.receipt_id, r.number AS receipt_number,
           rr.number AS refund_of_number, coalesce(e.payload->>'title', e.payload->>'reason') AS payload_title
    FROM entries e
    LEFT JOIN receipts r ON r.school_id = e.school_id AND r.id = e.receipt_id
    LEFT JOIN receipts rr ON rr.school_id = r.school_id AND rr.id = r.refund_of
    WHERE e.school_id = ${S} AND e.account_number = ${A} AND e.applied AND e.amount <> 0
      AND e.created_at >= ${period.fromInstant} AND e.created_at < ${period.toInstantExclusive}
    ORDER BY e.created_at, e.uuid`);
  const [after] = await query<SumRow>(db, sql`
    SELECT sum(amount) AS s FROM entries
    WHERE school_id = ${S} AND account_number = ${A} AND applied AND created_at >= ${period.toInstantExclusive}`);

  const itemsByReceipt = new Map<string, StatementItem[]>();
  const receiptIds = [...new Set(rows.map((r) => r.receipt_id).filter((id): id is string => !!id))];
  if (details && receiptIds.length) {
    const lineRows = await query<LineRow>(db, sql`
      SELECT receipt_id, name, quantity, amount FROM receipt_lines
      WHERE school_id = ${S} AND receipt_id = ANY(${toPgArray(receiptIds)}::text[])
      ORDER BY receipt_id, line_no`);
    for (const l of lineRows) {
      const list = itemsByReceipt.get(l.receipt_id) ?? [];
      list.push({ name: l.name, quantity: l.quantity, amount: Number(l.amount) });
      itemsByReceipt.set(l.receipt_id, list);
    }
  }

  let totalDebit = 0;
  let totalCredit = 0;
  const lines: StatementLine[] = rows.map((r) => {
    const amount = Number(r.amount);
    const at = new Date(r.created_at).toISOString();
    if (amount < 0) totalDebit -= amount; else totalCredit += amount;
    return {
      uuid: r.uuid, at, when: formatDateTime(at, account.timeZone), kind: r.kind,
      title: titleOf(r), debit: amount < 0 ? -amount : 0, credit: amount > 0 ? amount : 0,
      items: details && r.receipt_id ? itemsByReceipt.get(r.receipt_id) ?? [] : [],
    };
  });
  const closing = account.balance - Number(after?.s ?? 0);
  const opening = closing - totalCredit + totalDebit;
  return { account, period, details, opening, closing, totalDebit, totalCredit, lines };
}

function titleOf(r: EntryRow): string {
  switch (r.kind) {
    case 'sale': return r.receipt_number ? `Чек №${r.receipt_number}` : 'Покупка в столовой';
    case 'refund': return r.refund_of_number ? `Возврат по чеку №${r.refund_of_number}` : r.receipt_number ? `Возврат, чек №${r.receipt_number}` : 'Возврат';
    case 'topUp': return r.payload_title || 'Пополнение лицевого счёта';
    case 'correction': return r.payload_title || 'Корректировка';
    case 'subsidy': return 'Дотация';
    default: return r.kind;
  }
}

/** A text[] literal drivers pass the same way (PGlite and node-postgres differ on JS arrays). */
function toPgArray(values: string[]): string {
  return `{${values.map((v) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`;
}
