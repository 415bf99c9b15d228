import { sql } from 'drizzle-orm';
import type { ZReportPayload } from '../../api/sync.js';
import { schoolDay } from '../../core/datetime.js';
import { compareZ, describeZDifferences, type ZDifference, type ZFigures } from '../../core/z-reconcile.js';
import { query, type Tx } from '../db/open.js';

/** A Z the push just stored (its entry applied). */
export interface PushedZ { uuid: string; shiftId: string; payload: ZReportPayload }

interface ServerRow {
  sales_count: number | string; sales_total: number | string; subsidy_total: number | string;
  refunds_count: number | string; refunds_total: number | string; first_receipt: string | null; last_receipt: string | null;
}

/**
 * What the server holds for one shift of one till, counted like a Z: the applied sale, refund and
 * subsidy entries with that shift id (the shift's opening to its closing, with a day's margin for a
 * till's clock, so only those months' partitions are read) and their receipts' numbers in seq order.
 */
export async function serverShiftFigures(
  tx: Tx, schoolId: string, terminalId: string, shiftId: string, openedAt: string, closedAt: string,
): Promise<ZFigures> {
  const [r] = await query<ServerRow>(tx, sql`
    SELECT count(*) FILTER (WHERE e.kind = 'sale') AS sales_count,
           coalesce(-sum(e.amount) FILTER (WHERE e.kind = 'sale'), 0) AS sales_total,
           coalesce(-sum(e.amount) FILTER (WHERE e.kind = 'subsidy'), 0) AS subsidy_total,
           count(*) FILTER (WHERE e.kind = 'refund') AS refunds_count,
           coalesce(sum(e.amount) FILTER (WHERE e.kind = 'refund'), 0) AS refunds_total,
           (array_agg(r.number ORDER BY e.seq) FILTER (WHERE r.number IS NOT NULL))[1] AS first_receipt,
           (array_agg(r.number ORDER BY e.seq DESC) FILTER (WHERE r.number IS NOT NULL))[1] AS last_receipt
    FROM entries e
    LEFT JOIN receipts r ON e.kind IN ('sale', 'refund') AND r.school_id = e.school_id AND r.id = e.receipt_id AND r.entry_uuid = e.uuid
    WHERE e.school_id = ${schoolId} AND e.terminal_id = ${terminalId} AND e.shift_id = ${shiftId}
      AND e.kind IN ('sale', 'refund', 'subsidy') AND e.applied
      AND e.created_at >= ${openedAt}::timestamptz - interval '1 day' AND e.created_at <= ${closedAt}::timestamptz + interval '1 day'`);
  return {
    salesCount: Number(r?.sales_count ?? 0), salesTotal: Number(r?.sales_total ?? 0), subsidyTotal: Number(r?.subsidy_total ?? 0),
    refundsCount: Number(r?.refunds_count ?? 0), refundsTotal: Number(r?.refunds_total ?? 0),
    firstReceipt: r?.first_receipt ?? null, lastReceipt: r?.last_receipt ?? null,
  };
}

export function zFigures(p: ZReportPayload): ZFigures {
  return {
    salesCount: p.salesCount, salesTotal: p.salesTotal, subsidyTotal: p.subsidyTotal, refundsCount: p.refundsCount,
    refundsTotal: p.refundsTotal, firstReceipt: p.firstReceipt, lastReceipt: p.lastReceipt,
  };
}

/**
 * Stores each pushed Z beside the server's count of its shift (shift_reports) and returns the
 * differences. Called by push in the push's transaction, after the run's entries are written: a
 * till pushes in seq order and its Z entry comes after every entry of the shift, so all of them
 * are stored by now. A Z pushed again (same shift) keeps the first row.
 */
export async function reconcilePushedZ(
  tx: Tx, schoolId: string, terminalId: string, timeZone: string, zs: readonly PushedZ[],
): Promise<{ z: PushedZ; differences: ZDifference[]; message: string }[]> {
  const out: { z: PushedZ; differences: ZDifference[]; message: string }[] = [];
  for (const z of zs) {
    const p = z.payload;
    const server = await serverShiftFigures(tx, schoolId, terminalId, z.shiftId, p.openedAt, p.closedAt);
    const differences = compareZ(zFigures(p), server);
    await tx.execute(sql`INSERT INTO shift_reports (school_id, shift_id, terminal_id, entry_uuid, shift_number, opened_at, closed_at, day,
        sales_count, sales_total, subsidy_total, refunds_count, refunds_total, first_receipt, last_receipt, server, differences, matches)
      VALUES (${schoolId}, ${z.shiftId}, ${terminalId}, ${z.uuid}, ${p.shiftNumber}, ${p.openedAt}, ${p.closedAt}, ${schoolDay(p.closedAt, timeZone)},
        ${p.salesCount}, ${p.salesTotal}, ${p.subsidyTotal}, ${p.refundsCount}, ${p.refundsTotal}, ${p.firstReceipt}, ${p.lastReceipt},
        ${JSON.stringify(server)}::jsonb, ${JSON.stringify(differences)}::jsonb, ${differences.length === 0})
      ON CONFLICT DO NOTHING`);
    out.push({ z, differences, message: `Z-отчёт смены №${p.shiftNumber} не сходится с сервером: ${describeZDifferences(differences)}` });
  }
  return out;
}
