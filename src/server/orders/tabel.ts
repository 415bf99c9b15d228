import { sql } from 'drizzle-orm';
import { query, type Tx } from '../db/open.js';
import type { Tabel } from '../../api/admin/orders.js';
import type { Column, ReportFile } from '../reports/export.js';
import { addDays } from '../../core/period.js';

/**
 * The табель учёта питания of a class and month: who ate what each day (by order), what the
 * parents paid and the budget subsidised. Reversed lines count nothing (their reversal entries
 * give back exactly what the line took), unless a served mark re-charged a line the «not eaten»
 * policy had given back (order_recharges: it was eaten after all), so the totals equal the ledger's
 * entries of the lines.
 */
const SHORT: Record<string, string> = { breakfast: 'З', lunch: 'О', snack: 'П' };

export async function tabel(db: Tx, schoolId: string, className: string, month: string): Promise<Tabel> {
  const from = `${month}-01`;
  const next = addDays(`${month}-28`, 4).slice(0, 7);
  const rows = await query<{ student_id: string; full_name: string | null; day: string; kind: string | null; parent_amount: number | string; subsidy_amount: number | string }>(db, sql`
    SELECT l.student_id, s.full_name, l.day::text AS day, m.kind, l.parent_amount, l.subsidy_amount
    FROM order_lines l
    LEFT JOIN students s ON s.id = l.student_id
    LEFT JOIN meal_sittings m ON m.school_id = l.school_id AND m.id = l.sitting_id
    WHERE l.school_id = ${schoolId} AND l.class_name = ${className} AND l.day >= ${from} AND l.day < ${`${next}-01`}
      AND (NOT EXISTS (SELECT 1 FROM order_reversals r WHERE r.line_id = l.id)
        OR EXISTS (SELECT 1 FROM order_recharges c WHERE c.line_id = l.id))
    ORDER BY s.full_name, l.student_id, l.day, m.sort`);
  const days = [...new Set(rows.map((r) => r.day))].sort();
  const byPupil = new Map<string, Tabel['pupils'][number]>();
  for (const r of rows) {
    let p = byPupil.get(r.student_id);
    if (!p) {
      p = { studentId: r.student_id, fullName: r.full_name ?? r.student_id, marks: days.map(() => ''), meals: 0, paid: 0, subsidised: 0 };
      byPupil.set(r.student_id, p);
    }
    const i = days.indexOf(r.day);
    p.marks[i] += SHORT[r.kind ?? ''] ?? '•';
    p.meals++;
    p.paid += Number(r.parent_amount);
    p.subsidised += Number(r.subsidy_amount);
  }
  const pupils = [...byPupil.values()];
  return {
    className, month, days, pupils,
    totals: pupils.reduce((t, p) => ({ meals: t.meals + p.meals, paid: t.paid + p.paid, subsidised: t.subsidised + p.subsidised }), { meals: 0, paid: 0, subsidised: 0 }),
  };
}

export function tabelFile(t: Tabel, schoolName: string): ReportFile {
  const columns: Column[] = [
    { key: 'n', header: '№', width: 4 }, { key: 'fullName', header: 'ФИО', width: 28 },
    ...t.days.map((d) => ({ key: `d${d}`, header: d.slice(8, 10), width: 4 })),
    { key: 'meals', header: 'Питаний', width: 8 }, { key: 'paid', header: 'Оплачено родителями', money: true, width: 12 },
    { key: 'subsidised', header: 'Бюджет', money: true, width: 12 },
  ];
  const rows: Record<string, unknown>[] = t.pupils.map((p, i) => ({
    n: i + 1, fullName: p.fullName, meals: p.meals, paid: p.paid, subsidised: p.subsidised,
    ...Object.fromEntries(t.days.map((d, j) => [`d${d}`, p.marks[j]])),
  }));
  rows.push({ n: '', fullName: 'Итого', meals: t.totals.meals, paid: t.totals.paid, subsidised: t.totals.subsidised });
  const [y, m] = t.month.split('-');
  return {
    fileName: `табель-${t.className}-${t.month}`, title: `Табель учёта питания, ${schoolName}, класс ${t.className}, ${m}.${y}`,
    sheets: [{ name: 'Табель', title: `Класс ${t.className}, ${m}.${y} (З — завтрак, О — обед, П — полдник)`, columns, rows }],
  };
}
