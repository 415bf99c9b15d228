import type Database from 'better-sqlite3';
import type { PullOrders } from '../../api/sync.js';

/**
 * Stores a pull's `orders` (fixed order lines for «Выдача по заявке») inside applyPull's transaction:
 * the sittings replaced (with their classes: the till lists them on a day with no lines), each sent day's lines replaced whole, days before `from` dropped, and the lines
 * other tills marked served remembered (entry_seq null). This till's own marks are never removed by a
 * pull: they belong to its ledger (its orderServed entries).
 */
export function applyOrders(sqlite: Database.Database, orders: PullOrders, reset: boolean, at: string): number {
  const st = statements(sqlite);
  st.deleteSittings.run();
  for (const s of orders.sittings) st.insertSitting.run(s.id, s.name, s.kind, s.startsAt, s.endsAt, s.sort, JSON.stringify(s.classNames ?? []));
  if (reset) st.deleteAllLines.run();
  st.dropLinesBefore.run(orders.from);
  st.dropServedBefore.run(orders.from);
  let n = 0;
  for (const d of orders.days) {
    st.deleteDay.run(d.day);
    for (const l of d.lines) {
      st.insertLine.run(l.id, d.day, l.className, l.sittingId, l.studentId, l.accountNumber, l.mealSetId, l.mealSetName,
        JSON.stringify(l.dishes), l.parentAmount, l.subsidyAmount, l.reversed ? 1 : 0);
      n++;
    }
  }
  for (const id of orders.served) n += st.servedElsewhere.run(at, id).changes;
  return n;
}

const cache = new WeakMap<Database.Database, ReturnType<typeof prepare>>();
function statements(sqlite: Database.Database) {
  let st = cache.get(sqlite);
  if (!st) { st = prepare(sqlite); cache.set(sqlite, st); }
  return st;
}

function prepare(s: Database.Database) {
  return {
    deleteSittings: s.prepare('DELETE FROM order_sittings'),
    insertSitting: s.prepare<[string, string, string, string, string, number, string]>(
      'INSERT OR REPLACE INTO order_sittings (id, name, kind, starts_at, ends_at, sort, class_names) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    deleteAllLines: s.prepare('DELETE FROM order_lines'),
    dropLinesBefore: s.prepare<[string]>('DELETE FROM order_lines WHERE day < ?'),
    dropServedBefore: s.prepare<[string]>('DELETE FROM order_served WHERE day < ?'),
    deleteDay: s.prepare<[string]>('DELETE FROM order_lines WHERE day = ?'),
    insertLine: s.prepare<[string, string, string, string, string, string | null, string, string, string, number, number, number]>(
      `INSERT OR REPLACE INTO order_lines (id, day, class_name, sitting_id, student_id, account_number, meal_set_id, meal_set_name,
        dishes, parent_amount, subsidy_amount, reversed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    servedElsewhere: s.prepare<[string, string]>(`INSERT OR IGNORE INTO order_served (line_id, day, entry_seq, served_at)
      SELECT id, day, NULL, ? FROM order_lines WHERE id = ?`),
  };
}
