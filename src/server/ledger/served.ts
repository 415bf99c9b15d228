import { sql } from 'drizzle-orm';
import { orderServedPayloadSchema, type SyncEntry } from '../../api/sync.js';
import { query, type Tx } from '../db/open.js';
import { textArray, zipRows } from '../db/bulk.js';
import { recordChanges } from '../changes.js';
import { rechargeLate } from '../orders/not-eaten.js';

/**
 * The push's part of «Выдача по заявке» (issue 15): an `orderServed` entry (amount 0) marks a fixed
 * order line served. The entry is stored like any other; the mark goes to `order_served` once per line
 * (the first till's), so two tills marking one pupil keep one mark and flag nothing. A mark naming a
 * line of another school, an unknown line or another pupil's line is stored unapplied and flagged:
 * it marks nothing. Serving moves no balance (the fix charged the line).
 */
export interface ServedLineFact { schoolId: string; day: string; accountNumber: string | null }
export interface ServedMark { lineId: string; day: string; uuid: string; createdAt: string }

/**
 * The lines the run's orderServed entries name, in one read (none when the run has no such entry),
 * locked FOR SHARE: the «not eaten» release (orders/not-eaten.ts) locks the lines it gives back FOR
 * UPDATE, so a mark and a release of one line never pass each other unseen.
 */
export async function servedLinesOf(tx: Tx, todo: readonly SyncEntry[]): Promise<Map<string, ServedLineFact>> {
  const ids = [...new Set(todo.filter((e) => e.kind === 'orderServed' && typeof e.payload.orderLineId === 'string')
    .map((e) => e.payload.orderLineId as string))];
  const out = new Map<string, ServedLineFact>();
  if (!ids.length) return out;
  for (const r of await query<{ id: string; school_id: string; day: string; account_number: string | null }>(tx, sql`
    SELECT id, school_id, day::text AS day, account_number FROM order_lines WHERE id = ANY(${textArray(ids)}::text[]) FOR SHARE`)) {
    out.set(r.id, { schoolId: r.school_id, day: r.day, accountNumber: r.account_number });
  }
  return out;
}

/** Checks one orderServed entry: the mark to keep, or why it marks nothing (a Russian message and a flag reason). */
export function checkServed(
  e: SyncEntry, schoolId: string, lines: Map<string, ServedLineFact>,
): { mark: ServedMark } | { reason: string; message: string } {
  const p = orderServedPayloadSchema.safeParse(e.payload);
  if (!p.success) return { reason: 'badPayload', message: 'Отметка о выдаче по заявке не читается: строка заявки не указана' };
  const line = lines.get(p.data.orderLineId);
  if (!line) return { reason: 'orderLineUnknown', message: `Отметка о выдаче по заявке: строки заявки ${p.data.orderLineId} на сервере нет` };
  if (line.schoolId !== schoolId) {
    return { reason: 'orderLineForeign', message: `Отметка о выдаче по заявке другой школы (строка ${p.data.orderLineId}): не принята` };
  }
  if (line.accountNumber !== e.accountNumber) {
    return {
      reason: 'orderLineMismatch',
      message: `Отметка о выдаче по заявке на Л/С ${e.accountNumber ?? '—'}, а строка заявки ${p.data.orderLineId} — Л/С ${line.accountNumber ?? '—'}`,
    };
  }
  return { mark: { lineId: p.data.orderLineId, day: line.day, uuid: e.uuid, createdAt: e.createdAt } };
}

/**
 * Keeps the first mark of each line (ON CONFLICT DO NOTHING) and logs the new ones for the school's tills' pulls.
 * A new mark of a line the «not eaten» policy already gave back charges it again (rechargeLate).
 */
export async function storeServed(tx: Tx, schoolId: string, terminalId: string, marks: readonly ServedMark[]): Promise<void> {
  const first = new Map<string, ServedMark>();
  for (const m of marks) if (!first.has(m.lineId)) first.set(m.lineId, m);
  if (!first.size) return;
  const list = [...first.values()];
  const rows = await query<{ line_id: string }>(tx, sql`
    INSERT INTO order_served (line_id, school_id, day, entry_uuid, terminal_id, served_at)
    SELECT l, ${schoolId}, d::date, u, ${terminalId}, c
    FROM ${zipRows('t', [['l', 'text', list.map((m) => m.lineId)], ['d', 'text', list.map((m) => m.day)],
      ['u', 'text', list.map((m) => m.uuid)], ['c', 'timestamptz', list.map((m) => m.createdAt)]])}
    ON CONFLICT DO NOTHING RETURNING line_id`);
  await recordChanges(tx, schoolId, 'orderServed', rows.map((r) => r.line_id));
  await rechargeLate(tx, schoolId, rows.map((r) => r.line_id));
}
