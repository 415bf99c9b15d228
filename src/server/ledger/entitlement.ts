import { sql } from 'drizzle-orm';
import type { SyncEntry } from '../../api/sync.js';
import { formatAmount } from '../../core/money.js';
import { query, type Tx } from '../db/open.js';
import { textArray } from '../db/bulk.js';

type Flag = (e: SyncEntry, reason: string, message: string, details?: Record<string, unknown>) => void;

/** A till's clock this far ahead of the server's is wrong, not merely unsynchronised. */
export const CLOCK_AHEAD_TOLERANCE_MS = 15 * 60_000;

/**
 * "Время кассы впереди": an entry stamped later than the server's now. A till with a wrong clock
 * files sales under tomorrow's school day (limits, free meals, reports). The entry stands (the food
 * was eaten); the flag tells the manager to set the till's clock.
 */
export function flagClockAhead(todo: readonly SyncEntry[], now: Date, flag: Flag): void {
  const limit = now.getTime() + CLOCK_AHEAD_TOLERANCE_MS;
  for (const e of todo) {
    const at = Date.parse(e.createdAt);
    if (at > limit) {
      flag(e, 'clockAhead', `Время проводки ${e.createdAt} впереди часов сервера на ${Math.round((at - now.getTime()) / 60_000)} мин: проверьте часы кассы`, {
        createdAt: e.createdAt, serverNow: now.toISOString(),
      });
    }
  }
}

interface SubsidisedLine { itemId: string; name?: string; quantity: number; unitPrice: number; subsidy: number }

function subsidisedLines(e: SyncEntry): SubsidisedLine[] {
  if (e.kind !== 'sale' || !e.accountNumber || !Array.isArray(e.payload.lines)) return [];
  return (e.payload.lines as SubsidisedLine[]).filter((l) => typeof l?.subsidy === 'number' && l.subsidy > 0);
}

/**
 * "Льгота не положена": a sale whose budget share the pupil is not entitled to. The ledger rules
 * check that a subsidy matches its receipt; this checks the receipt against the pupil's benefit
 * categories (as the server holds them now) and the school's rules: a line may be subsidised only
 * if it is a meal set some category of the pupil gives, and by no more than its price less what
 * the parents pay under that rule. The sale stands (the food was eaten); the flag is for the
 * manager and the accountant, whose reimbursement claim must not include it.
 */
export async function flagUnentitledSubsidies(tx: Tx, schoolId: string, todo: readonly SyncEntry[], flag: Flag): Promise<void> {
  const sales = todo.filter((e) => subsidisedLines(e).length > 0);
  if (!sales.length) return;
  const accountNumbers = [...new Set(sales.map((e) => e.accountNumber!))];
  const rows = await query<{ account_number: string; meal_set_id: string; parent_pays: number }>(tx, sql`
    SELECT a.account_number, r.meal_set_id, r.parent_pays
    FROM accounts a
    JOIN students s ON s.id = a.student_id
    JOIN benefit_rules r ON r.school_id = ${schoolId} AND r.active AND r.benefit_category_id = ANY(s.benefit_category_ids)
    JOIN benefit_categories c ON c.school_id = r.school_id AND c.id = r.benefit_category_id AND c.active
    WHERE a.account_number = ANY(${textArray(accountNumbers)}::text[])`);
  // account → meal set → the least the parents pay under any of the pupil's rules
  const pays = new Map<string, Map<string, number>>();
  for (const r of rows) {
    const m = pays.get(r.account_number) ?? new Map<string, number>();
    m.set(r.meal_set_id, Math.min(m.get(r.meal_set_id) ?? Infinity, Number(r.parent_pays)));
    pays.set(r.account_number, m);
  }
  for (const e of sales) {
    const rules = pays.get(e.accountNumber!);
    for (const l of subsidisedLines(e)) {
      const parentPays = rules?.get(l.itemId);
      const allowed = parentPays === undefined ? 0 : Math.max(0, l.unitPrice - parentPays) * l.quantity;
      if (l.subsidy > allowed) {
        const what = `«${l.name ?? l.itemId}»`;
        flag(e, 'subsidyNotEntitled', parentPays === undefined
          ? `Льгота не положена: у Л/С ${e.accountNumber} нет льготы на ${what}, бюджет оплатил ${formatAmount(l.subsidy)} ₽`
          : `Льгота больше положенной: за ${what} бюджет оплатил ${formatAmount(l.subsidy)} ₽ при положенных ${formatAmount(allowed)} ₽`, {
          itemId: l.itemId, subsidy: l.subsidy, allowed,
        });
        break;   // one flag per sale is enough to review it
      }
    }
  }
}
