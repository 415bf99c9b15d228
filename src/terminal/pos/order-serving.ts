import type Database from 'better-sqlite3';
import type { CashierSession, OrderClassList, OrderDay, OrderPupil, ServeRequest, ServeResult } from '../../api/pos-api.js';
import { fail, ok, type Result } from '../../core/result.js';
import type { SqlPick } from '../db/rows.js';
import type { orderLines, orderSittings } from '../db/schema.js';
import type { CardDirectory } from './cards.js';
import type { LedgerWriter } from './ledger-writer.js';

type LineRow = SqlPick<typeof orderLines, 'id' | 'class_name' | 'account_number' | 'meal_set_name' | 'dishes' | 'parent_amount' | 'subsidy_amount' | 'reversed'>
  & { full_name: string | null; served: 0 | 1 };
type SittingRow = SqlPick<typeof orderSittings, 'id' | 'name' | 'starts_at' | 'ends_at' | 'class_names'>;

const badInput = (message: string) => fail<never>('BAD_INPUT', message);

/**
 * «Выдача по заявке» (issue 15, point 7): the fixed order lines the pull brought (order_lines, sync/apply-orders.ts)
 * shown by sitting and class, and marked served. A mark is an `orderServed` ledger entry (amount 0: the fix charged
 * the line) written through LedgerWriter with its order_served row in one transaction, so it syncs like a sale
 * (offline too; the server keeps the first mark of a line). A line already served here, or by another till as the
 * last pull said, is not marked again; a reversed line is never served.
 */
export class OrderServing {
  private readonly st;

  constructor(sqlite: Database.Database, private readonly ledger: LedgerWriter, private readonly cards: CardDirectory) {
    const pupilCols = `l.id, l.class_name, l.account_number, l.meal_set_name, l.dishes, l.parent_amount, l.subsidy_amount, l.reversed,
      s.full_name, (o.line_id IS NOT NULL) AS served`;
    const joins = `FROM order_lines l LEFT JOIN students s ON s.id = l.student_id LEFT JOIN order_served o ON o.line_id = l.id`;
    this.st = {
      sittings: sqlite.prepare<[], SittingRow>('SELECT id, name, starts_at, ends_at, class_names FROM order_sittings ORDER BY sort, starts_at, id'),
      counts: sqlite.prepare<[string], { sitting_id: string; class_name: string; ordered: number; served: number }>(
        `SELECT l.sitting_id, l.class_name, count(*) AS ordered, count(o.line_id) AS served
         FROM order_lines l LEFT JOIN order_served o ON o.line_id = l.id
         WHERE l.day = ? AND NOT l.reversed GROUP BY l.sitting_id, l.class_name ORDER BY l.class_name`),
      classList: sqlite.prepare<[string, string, string], LineRow>(
        `SELECT ${pupilCols} ${joins} WHERE l.day = ? AND l.sitting_id = ? AND l.class_name = ? ORDER BY s.full_name IS NULL, s.full_name, l.id`),
      byAccount: sqlite.prepare<[string, string, string], LineRow>(
        `SELECT ${pupilCols} ${joins} WHERE l.day = ? AND l.sitting_id = ? AND l.account_number = ?`),
      byId: sqlite.prepare<[string], LineRow & { day: string; sitting_id: string }>(`SELECT ${pupilCols}, l.day, l.sitting_id ${joins} WHERE l.id = ?`),
      insertServed: sqlite.prepare<[string, string, number, string]>(
        'INSERT OR IGNORE INTO order_served (line_id, day, entry_seq, served_at) VALUES (?, ?, ?, ?)'),
    };
  }

  /**
   * The day's sittings with their classes: the classes the school's sittings list (from the pull's config, so a
   * day with no lines still shows them, with 0 ordered) and any class that has lines, each with its counts.
   */
  day(day: string): OrderDay {
    const counts = this.st.counts.all(day);
    return {
      day,
      sittings: this.st.sittings.all().map((s) => {
        const mine = counts.filter((c) => c.sitting_id === s.id);
        const names = [...new Set([...classNamesOf(s.class_names), ...mine.map((c) => c.class_name)])].sort((a, b) => a.localeCompare(b, 'ru'));
        return {
          id: s.id, name: s.name, startsAt: s.starts_at, endsAt: s.ends_at,
          classes: names.map((className) => {
            const c = mine.find((x) => x.class_name === className);
            return { className, ordered: c?.ordered ?? 0, served: c?.served ?? 0 };
          }),
        };
      }).filter((s) => s.classes.length > 0),
    };
  }

  classList(day: string, sittingId: string, className: string): Result<OrderClassList> {
    const sitting = this.st.sittings.all().find((s) => s.id === sittingId);
    if (!sitting) return fail('NOT_FOUND', 'Такой смены питания нет: обновите данные с сервера');
    const pupils = this.st.classList.all(day, sittingId, className).map(pupilOf);
    const live = pupils.filter((p) => !p.reversed);
    return ok({
      day, sittingId, sittingName: sitting.name, className, pupils,
      ordered: live.length, served: live.filter((p) => p.served).length,
    });
  }

  /** Marks the lines the request names (see ServeRequest) served, one orderServed entry each, in one transaction. */
  serve(session: CashierSession, req: ServeRequest, at: { now: Date; day: string; shiftId: string | null }): Result<ServeResult> {
    if (!req || typeof req.sittingId !== 'string' || typeof req.className !== 'string') return badInput('Укажите смену питания и класс');
    const list0 = this.classList(at.day, req.sittingId, req.className);
    if (!list0.ok) return list0;
    let targets: OrderPupil[];
    let pupil: OrderPupil | undefined;
    let cardId: string | null = null;
    let funds: ServeResult['funds'];
    let by: 'card' | 'touch' | 'class';
    if (req.cardId !== undefined) {
      const id = this.cards.resolve(req.cardId);
      if (!id.ok) return id;
      const ctx = this.cards.context(id.value, at.day);
      if (!ctx.ok) return ctx;
      const row = this.st.byAccount.get(at.day, req.sittingId, ctx.value.card.account_number);
      const tapped = { balance: ctx.value.balance, available: ctx.value.balance - Math.max(0, ctx.value.card.reserved) };
      if (!row) {
        // The pupil buys on the sale screen: the cashier sees at once what the account allows.
        return fail('NO_ORDER', `${ctx.value.fullName}: заказа на «${list0.value.sittingName}» сегодня нет. Продажа — на кассе, как обычно`, { funds: tapped });
      }
      pupil = pupilOf(row);
      targets = [pupil];
      cardId = id.value;
      by = 'card';
      funds = tapped;
    } else if (req.all) {
      targets = list0.value.pupils;
      by = 'class';
    } else {
      const ids = req.lineIds ?? [];
      if (!ids.length) return badInput('Отметьте хотя бы одного ученика');
      targets = [];
      for (const lineId of ids) {
        const row = this.st.byId.get(lineId);
        if (!row || row.day !== at.day || row.sitting_id !== req.sittingId) return fail('NOT_FOUND', 'Строки заявки нет в сегодняшней смене питания: обновите список');
        targets.push(pupilOf(row));
      }
      by = 'touch';
    }
    if (pupil?.reversed) return fail('ORDER_REVERSED', `${pupil.fullName}: заказ отменён после фиксации, не выдавать`);
    const todo = targets.filter((p) => !p.served && !p.reversed);
    const createdAt = at.now.toISOString();
    if (todo.length) {
      this.ledger.write(() => {
        for (const p of todo) {
          const seq = this.ledger.append({
            kind: 'orderServed', accountNumber: p.accountNumber, amount: 0, createdAt, schoolDay: at.day, receiptSeq: null,
            shiftId: at.shiftId, cashierId: session.cashierId, cardId,
            payload: JSON.stringify({ orderLineId: p.lineId, day: at.day, by }),
          });
          this.st.insertServed.run(p.lineId, at.day, seq, createdAt);
        }
      });
    }
    const list = this.classList(at.day, req.sittingId, req.className);
    if (!list.ok) return list;
    const message = pupil
      ? (todo.length ? `Выдано: ${pupil.fullName} — ${pupil.mealSetName}` : `${pupil.fullName}: уже выдано (${pupil.mealSetName})`)
      : todo.length ? `Отмечено выданными: ${todo.length}` : 'Все уже отмечены выданными';
    return ok({ marked: todo.length, list: list.value, ...(pupil ? { pupil: { ...pupil, served: true } } : {}), ...(funds ? { funds } : {}), message });
  }
}

function classNamesOf(json: string): string[] {
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch { return []; }   // stored by apply-orders as JSON; a row from before migration 0011 has '[]'
}

function pupilOf(r: LineRow): OrderPupil {
  const paidBy = r.subsidy_amount === 0 ? 'parents' : r.parent_amount === 0 ? 'budget' : 'both';
  let dishes: string[] = [];
  try { dishes = JSON.parse(r.dishes) as string[]; } catch { /* stored by apply-orders as JSON; an old row shows none */ }
  return {
    lineId: r.id, accountNumber: r.account_number, fullName: r.full_name ?? 'Ученик не найден в списке кассы', className: r.class_name,
    mealSetName: r.meal_set_name, dishes, paidBy, served: r.served === 1, reversed: r.reversed === 1,
  };
}
