import type Database from 'better-sqlite3';
import { hash } from '@node-rs/argon2';
import type { DemoSchool } from '../core/demo-school.js';
import { DEMO_SCHOOL } from '../core/demo-school.js';
import { cardAliasWriter } from './card-aliases.js';

/** Settings keys the terminal reads at open. */
export const SETTING = {
  terminalId: 'terminal_id',
  terminalName: 'terminal_name',
  schoolId: 'school_id',
  receiptSeries: 'receipt_series',
  /** PinThrottleState as JSON (src/core/pin-throttle.ts): survives a restart of the terminal. */
  pinThrottle: 'pin_throttle',
} as const;

export function isEmpty(sqlite: Database.Database): boolean {
  return sqlite.prepare<[], number>('SELECT count(*) FROM schools').pluck().get() === 0;
}

/**
 * Loads a school (the demo one by default) into an EMPTY terminal database:
 * opening balances become server_balance with server_seq 0, PINs are stored
 * as argon2id hashes. Refuses a database that already has a school.
 */
export async function loadSchool(sqlite: Database.Database, data: DemoSchool = DEMO_SCHOOL): Promise<void> {
  if (!isEmpty(sqlite)) throw new Error('database already has a school; refusing to load demo data over it');
  const pinHashes = await Promise.all(data.cashiers.map((c) => hash(c.pin)));
  const now = new Date().toISOString();
  sqlite.transaction(() => {
    const s = data.school;
    const setting = sqlite.prepare('INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)');
    setting.run(SETTING.terminalId, data.terminal.id);
    setting.run(SETTING.terminalName, data.terminal.name);
    setting.run(SETTING.schoolId, s.id);
    setting.run(SETTING.receiptSeries, data.terminal.receiptSeries);
    sqlite.prepare(`INSERT INTO schools (id, code, name, time_zone, overdraft_limit, stale_after_minutes, cabinet_url) VALUES (?,?,?,?,?,?,?)`)
      .run(s.id, s.code, s.name, s.timeZone, s.overdraftLimit, s.staleAfterMinutes, s.cabinetUrl);
    const cat = sqlite.prepare('INSERT INTO menu_categories (id, name, sort) VALUES (?,?,?)');
    for (const c of data.categories) cat.run(c.id, c.name, c.sort);
    const dish = sqlite.prepare('INSERT INTO dishes (id, name, price, category_id, hotkey, sort, active) VALUES (?,?,?,?,?,?,1)');
    for (const d of data.dishes) dish.run(d.id, d.name, d.price, d.categoryId, d.hotkey ?? null, d.sort);
    const set = sqlite.prepare('INSERT INTO meal_sets (id, name, price, category_id, hotkey, sort, active, dish_ids) VALUES (?,?,?,?,?,?,1,?)');
    for (const m of data.mealSets) set.run(m.id, m.name, m.price, m.categoryId, m.hotkey ?? null, m.sort, JSON.stringify(m.dishIds));
    const ben = sqlite.prepare('INSERT INTO benefit_categories (id, name) VALUES (?,?)');
    for (const b of data.benefitCategories) ben.run(b.id, b.name);
    const rule = sqlite.prepare('INSERT INTO entitlement_rules (id, benefit_category_id, meal_set_id, parent_pays) VALUES (?,?,?,?)');
    for (const r of data.entitlementRules) rule.run(r.id, r.benefitCategoryId, r.mealSetId, r.parentPays);
    const student = sqlite.prepare('INSERT INTO students (id, school_id, full_name, class_name, account_number) VALUES (?,?,?,?,?)');
    const account = sqlite.prepare(`INSERT INTO accounts (number, student_id, server_balance, server_seq, daily_limit, has_permanent_password, updated_at) VALUES (?,?,?,0,?,?,?)`);
    const sb = sqlite.prepare('INSERT INTO student_benefits (student_id, benefit_category_id) VALUES (?,?)');
    const barred = sqlite.prepare('INSERT INTO barred_items (account_number, target_kind, target_id) VALUES (?,?,?)');
    for (const st of data.students) {
      student.run(st.id, s.id, st.fullName, st.className, st.accountNumber);
      account.run(st.accountNumber, st.id, st.openingBalance, st.dailyLimit ?? null, st.hasPermanentPassword ? 1 : 0, now);
      for (const b of st.benefitCategoryIds) sb.run(st.id, b);
      for (const i of st.barredItemIds) barred.run(st.accountNumber, 'item', i);
      for (const c of st.barredCategoryIds) barred.run(st.accountNumber, 'category', c);
    }
    const card = sqlite.prepare('INSERT INTO cards (id, account_number, state, updated_at) VALUES (?,?,?,?)');
    const aliases = cardAliasWriter(sqlite);
    for (const c of data.cards) { card.run(c.id, c.accountNumber, c.state, now); aliases.add(c.id); }
    const cashier = sqlite.prepare('INSERT INTO cashiers (id, name, role, pin_hash, active) VALUES (?,?,?,?,1)');
    data.cashiers.forEach((c, i) => cashier.run(c.id, c.name, c.role, pinHashes[i]!));
    // Allergens (migration 0009); a test may load a school into a file made by an older migration.
    if (hasColumn(sqlite, 'students', 'allergies')) loadAllergens(sqlite, data);
  })();
}

function hasColumn(sqlite: Database.Database, table: string, column: string): boolean {
  return sqlite.prepare<[string], string>(`SELECT name FROM pragma_table_info(?)`).pluck().all(table).includes(column);
}

/** The school's allergen policy, dishes' and meal sets' allergens (a set's: its own and its dishes', as the pull sends them), pupils' allergies. */
function loadAllergens(sqlite: Database.Database, data: DemoSchool): void {
  sqlite.prepare('UPDATE schools SET allergen_policy = ? WHERE id = ?').run(data.school.allergenPolicy ?? 'confirm', data.school.id);
  const dish = sqlite.prepare('UPDATE dishes SET allergens = ? WHERE id = ?');
  for (const d of data.dishes) dish.run(JSON.stringify(d.allergens ?? []), d.id);
  const dishAllergens = new Map(data.dishes.map((d) => [d.id, d.allergens ?? []]));
  const set = sqlite.prepare('UPDATE meal_sets SET allergens = ? WHERE id = ?');
  for (const m of data.mealSets) {
    set.run(JSON.stringify([...new Set([...(m.allergens ?? []), ...m.dishIds.flatMap((id) => dishAllergens.get(id) ?? [])])]), m.id);
  }
  const student = sqlite.prepare('UPDATE students SET allergies = ? WHERE id = ?');
  for (const st of data.students) student.run(JSON.stringify(st.allergies ?? []), st.id);
}
