import type Database from 'better-sqlite3';
import type { Menu, MenuItem } from '../../api/pos-api.js';
import type { CatalogItem } from '../../core/sale.js';
import type { SqlPick, SqlRow } from '../db/rows.js';
import type { dishes, menuCategories, schools, settings } from '../db/schema.js';
import type { ReceiptHeader } from '../receipt-doc.js';
import { SETTING } from '../seed.js';

export type SchoolRow = SqlPick<typeof schools, 'id' | 'code' | 'name' | 'time_zone' | 'overdraft_limit' | 'stale_after_minutes' | 'cabinet_url'>;
type MenuRow = SqlPick<typeof dishes, 'id' | 'name' | 'price' | 'category_id' | 'hotkey' | 'sort' | 'allergens'> & { kind: 'dish' | 'mealSet' };

/**
 * What the till knows about itself and its school, read once and again after every pull that
 * brought data (reload): the school, the terminal's name and receipt series, the receipt
 * header and the menu (as the UI shows it and as the sale rule prices it).
 */
export class TerminalConfig {
  school!: SchoolRow;
  terminalId = '';
  terminalName = '';
  receiptSeries = '';
  /** The school's and terminal's names on every receipt. */
  header!: ReceiptHeader;
  catalog = new Map<string, CatalogItem>();
  menu: Menu = { categories: [], items: [] };

  private readonly getSetting;

  constructor(private readonly sqlite: Database.Database) {
    this.getSetting = sqlite.prepare<[string], SqlRow<typeof settings>['value']>(`SELECT value FROM settings WHERE key = ?`).pluck();
  }

  load(): void {
    const get = (k: string) => this.getSetting.get(k);
    const schoolId = get(SETTING.schoolId);
    const school = schoolId
      ? this.sqlite.prepare<[string], SchoolRow>('SELECT * FROM schools WHERE id = ?').get(schoolId)
      : this.sqlite.prepare<[], SchoolRow>('SELECT * FROM schools LIMIT 1').get();
    if (!school) throw new Error('terminal database has no school: load one first (loadSchool) or configure the terminal');
    this.school = school;
    this.terminalId = get(SETTING.terminalId) ?? 'terminal';
    this.terminalName = get(SETTING.terminalName) ?? 'Касса';
    this.receiptSeries = get(SETTING.receiptSeries) ?? '';
    this.header = { schoolName: school.name, terminalName: this.terminalName, timeZone: school.time_zone };

    const categories = this.sqlite.prepare<[], SqlPick<typeof menuCategories, 'id' | 'name'>>('SELECT id, name FROM menu_categories ORDER BY sort, name').all();
    const rows = this.sqlite.prepare<[], MenuRow>(
      `SELECT id, 'dish' AS kind, name, price, category_id, hotkey, sort, allergens FROM dishes WHERE active = 1
       UNION ALL SELECT id, 'mealSet' AS kind, name, price, category_id, hotkey, sort, allergens FROM meal_sets WHERE active = 1`,
    ).all();
    rows.sort((a, b) => (a.kind === b.kind ? a.sort - b.sort : a.kind === 'dish' ? -1 : 1));
    this.catalog = new Map(rows.map((r) => [r.id, { id: r.id, kind: r.kind, name: r.name, price: r.price, categoryId: r.category_id }]));
    const items: MenuItem[] = rows.map((r) => ({
      id: r.id, kind: r.kind, name: r.name, price: r.price, categoryId: r.category_id, ...(r.hotkey ? { hotkey: r.hotkey } : {}),
      ...(r.allergens && r.allergens !== '[]' ? { allergens: JSON.parse(r.allergens) as string[] } : {}),
    }));
    this.menu = { categories, items };
  }
}
