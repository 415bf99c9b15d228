import { sql } from 'drizzle-orm';
import { query, type Tx } from '../db/open.js';
import type { ProductionSheet } from '../../api/admin/orders.js';
import type { ReportFile } from '../reports/export.js';
import { ruDay } from '../../core/period.js';

/**
 * The kitchen's production sheet of a fixed day: portions per meal set per class and sitting (lines a manager reversed
 * left out; a line the «not eaten» policy gave back after the day was still cooked, so it stays).
 */
export async function productionSheet(db: Tx, schoolId: string, day: string): Promise<ProductionSheet> {
  const rows = await query<{ sitting_id: string; sitting_name: string | null; sort: number | null; class_name: string; meal_set_id: string; meal_set_name: string; n: number | string }>(db, sql`
    SELECT l.sitting_id, m.name AS sitting_name, m.sort, l.class_name, l.meal_set_id, l.meal_set_name, count(*) AS n
    FROM order_lines l LEFT JOIN meal_sittings m ON m.school_id = l.school_id AND m.id = l.sitting_id
    WHERE l.school_id = ${schoolId} AND l.day = ${day} AND NOT EXISTS (SELECT 1 FROM order_reversals r WHERE r.line_id = l.id AND r.decided_by <> 'notEaten')
    GROUP BY l.sitting_id, m.name, m.sort, l.class_name, l.meal_set_id, l.meal_set_name
    ORDER BY m.sort, l.sitting_id, l.class_name, l.meal_set_name`);
  const totals = new Map<string, { mealSetId: string; mealSetName: string; portions: number }>();
  for (const r of rows) {
    const t = totals.get(r.meal_set_id) ?? { mealSetId: r.meal_set_id, mealSetName: r.meal_set_name, portions: 0 };
    t.portions += Number(r.n);
    totals.set(r.meal_set_id, t);
  }
  return {
    day,
    rows: rows.map((r) => ({ sittingId: r.sitting_id, sittingName: r.sitting_name ?? r.sitting_id, className: r.class_name, mealSetId: r.meal_set_id, mealSetName: r.meal_set_name, portions: Number(r.n) })),
    totals: [...totals.values()],
  };
}

export function productionFile(p: ProductionSheet): ReportFile {
  return {
    fileName: `производство-${p.day}`, title: `Заявка на производство на ${ruDay(p.day)}`,
    sheets: [
      { name: 'По классам', title: 'Порции по приёмам пищи и классам', columns: [
        { key: 'sittingName', header: 'Приём пищи', width: 18 }, { key: 'className', header: 'Класс', width: 8 },
        { key: 'mealSetName', header: 'Комплекс', width: 40 }, { key: 'portions', header: 'Порций', width: 10 },
      ], rows: p.rows },
      { name: 'Итого', title: 'Итого по комплексам', columns: [
        { key: 'mealSetName', header: 'Комплекс', width: 40 }, { key: 'portions', header: 'Порций', width: 10 },
      ], rows: p.totals },
    ],
  };
}
