import { sql } from 'drizzle-orm';
import { XMLBuilder } from 'fast-xml-parser';
import { query, type Tx } from '../db/open.js';
import { dayRange, num, schoolOf } from './range.js';

/**
 * The school's day for 1C as CommerceML 2 (urn:1C.ru:commerceml_2, schema version 2.10), which the
 * standard 1C configurations load with their built-in exchange — no custom code in 1C (docs/reports.md
 * says why this and not EnterpriseData). Up to four documents a day, each «Отпуск товара» or «Возврат
 * товара» with the school as seller, the dishes and meal sets as goods (quantity, price, sum):
 * - to the families (paid from the pupils' personal accounts), and the refunds to them;
 * - to the budget (its subsidy for benefit meals), and the refunds of it.
 * Sums are the lines' kopecks added up in the database and written as rubles with two decimals, so
 * the documents' totals equal the day's sale, refund and subsidy entries to the kopeck.
 */
export interface CmlLine { itemId: string; name: string; quantity: number; sum: number }
export interface CmlDocument { id: string; number: string; operation: 'Отпуск товара' | 'Возврат товара'; buyer: 'families' | 'budget'; sum: number; lines: CmlLine[] }

const BUYERS = {
  families: { id: 'families', name: 'Родители (лицевые счета учеников)' },
  budget: { id: 'budget', name: 'Бюджет (дотация на льготное питание)' },
} as const;

const rubles = (k: number) => `${k < 0 ? '-' : ''}${Math.trunc(Math.abs(k) / 100)}.${String(Math.abs(k) % 100).padStart(2, '0')}`;

/** The day's documents of one school, from its receipts' lines (sales and refunds that applied). */
export async function dayDocuments(db: Tx, schoolId: string, day: string): Promise<{ school: { id: string; code: string; name: string }; documents: CmlDocument[] }> {
  const school = await schoolOf(db, schoolId);
  const r = dayRange(day, day, school.time_zone);
  const rows = await query<{ kind: 'sale' | 'refund'; item_id: string; name: string; quantity: unknown; amount: unknown; subsidy: unknown;
    sub_quantity: unknown }>(db, sql`
    SELECT r.kind, l.item_id, min(l.name) AS name, sum(l.quantity) AS quantity, sum(l.amount) AS amount, sum(l.subsidy) AS subsidy,
           sum(l.quantity) FILTER (WHERE l.subsidy <> 0) AS sub_quantity
    FROM entries e
    JOIN receipts r ON r.school_id = e.school_id AND r.id = e.receipt_id AND r.entry_uuid = e.uuid
    JOIN receipt_lines l ON l.school_id = r.school_id AND l.receipt_id = r.id
    WHERE e.school_id = ${schoolId} AND e.created_at >= ${r.lo}::timestamptz AND e.created_at < ${r.hi}::timestamptz AND e.applied
      AND e.kind IN ('sale', 'refund')
    GROUP BY 1, 2 ORDER BY 1, 2`);
  const documents: CmlDocument[] = [];
  const compact = day.replace(/-/g, '');
  let no = 0;
  for (const kind of ['sale', 'refund'] as const) {
    for (const buyer of ['families', 'budget'] as const) {
      const lines = rows.filter((x) => x.kind === kind).map((x) => ({
        itemId: x.item_id, name: x.name,
        quantity: buyer === 'families' ? num(x.quantity) : num(x.sub_quantity),
        sum: buyer === 'families' ? num(x.amount) : num(x.subsidy),
      })).filter((l) => l.sum !== 0);
      if (!lines.length) continue;
      no++;
      documents.push({
        id: `${school.code}-${compact}-${kind === 'sale' ? 'S' : 'R'}-${buyer === 'families' ? 'F' : 'B'}`,
        number: `${school.code}-${compact}-${no}`,
        operation: kind === 'sale' ? 'Отпуск товара' : 'Возврат товара', buyer,
        sum: lines.reduce((a, l) => a + l.sum, 0), lines,
      });
    }
  }
  return { school: { id: school.id, code: school.code, name: school.name }, documents };
}

/** The documents as a CommerceML 2.10 file (UTF-8). */
export function commerceMl(day: string, school: { id: string; code: string; name: string }, documents: CmlDocument[], generatedAt: Date): string {
  const doc = (d: CmlDocument) => ({
    'Ид': d.id,
    'Номер': d.number,
    'Дата': day,
    'ХозОперация': d.operation,
    'Роль': 'Продавец',
    'Валюта': 'RUB',
    'Курс': '1',
    'Сумма': rubles(d.sum),
    'Контрагенты': {
      'Контрагент': [
        { 'Ид': `school-${school.code}`.slice(0, 40), 'Наименование': school.name, 'ОфициальноеНаименование': school.name, 'Роль': 'Продавец' },
        { 'Ид': BUYERS[d.buyer].id, 'Наименование': BUYERS[d.buyer].name, 'ОфициальноеНаименование': BUYERS[d.buyer].name, 'Роль': 'Покупатель' },
      ],
    },
    'Комментарий': `Школьное питание, ${school.name}, ${day}: ${d.buyer === 'families' ? 'оплата с лицевых счетов' : 'дотация бюджета'}`,
    'Товары': {
      'Товар': d.lines.map((l) => ({
        'Ид': l.itemId.slice(0, 40),
        'Наименование': l.name,
        'БазоваяЕдиница': { '#text': 'шт', '@_Код': '796', '@_НаименованиеПолное': 'Штука', '@_МеждународноеСокращение': 'PCE' },
        'ЦенаЗаЕдиницу': l.quantity ? (l.sum / 100 / l.quantity).toFixed(2) : '0.00',
        'Количество': String(l.quantity),
        'Сумма': rubles(l.sum),
      })),
    },
  });
  const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', format: true, suppressEmptyNode: true });
  const body = builder.build({
    'КоммерческаяИнформация': {
      '@_xmlns': 'urn:1C.ru:commerceml_2', '@_ВерсияСхемы': '2.10', '@_ДатаФормирования': generatedAt.toISOString().slice(0, 19),
      'Документ': documents.map(doc),
    },
  }) as string;
  return `<?xml version="1.0" encoding="UTF-8"?>\n${body}`;
}
