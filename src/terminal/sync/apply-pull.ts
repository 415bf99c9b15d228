import type Database from 'better-sqlite3';
import type { PullResponse } from '../../api/sync.js';
import { SETTING } from '../seed.js';
import { SYNC_KEY, setSyncValue } from './store.js';
import { cardAliasWriter } from '../card-aliases.js';
import type { SqlParams, SqlRow } from '../db/rows.js';
import {
  ledgerCursor, type accounts, type barredItems, type cards, type cashiers, type dishes, type entitlementRules, type entries,
  type mealSets, type menuCategories, type schools, type settings, type students,
} from '../db/schema.js';
import { applyOrders } from './apply-orders.js';

export interface PullSummary {
  reset: boolean;
  cursor: string;
  lastSeq: number;
  accounts: number;
  cards: number;
  students: number;
  menu: number;
  cashiers: number;
  /** Fixed order lines stored and served marks learnt («Выдача по заявке»). */
  orders: number;
  /** False when the answer held nothing but settings (no need to tell the UI). */
  changed: boolean;
  /** The school's or this terminal's settings changed (the service reloads them; most pulls change nothing). */
  settingsChanged: boolean;
}

/** Tables a full reset replaces. Ledger tables (receipts, entries, shifts, ledger_cursors) are never touched by a pull. */
const REFERENCE_TABLES = [
  'students', 'student_benefits', 'accounts', 'cards', 'card_aliases', 'menu_categories', 'dishes', 'meal_sets',
  'benefit_categories', 'entitlement_rules', 'barred_items', 'cashiers',
] as const;

/**
 * Applies a pull answer to the terminal's reference tables in ONE SQLite
 * transaction, together with the new cursor: a crash leaves either the old
 * data with the old cursor or the new data with the new cursor, never a mix
 * that would make the next pull skip something.
 *
 * Balance rule: each account row gets the server's balance and the seq of
 * this terminal that balance includes (server_seq). Accounts the answer does
 * not mention keep their older pair, which stays correct: any entry of ours
 * the server applied to them since would have put them in the change log.
 */
export function applyPull(sqlite: Database.Database, res: PullResponse, at: string): PullSummary {
  const st = statements(sqlite);
  const s = res.settings;
  let settingsChanged = false;
  let orders = 0;
  sqlite.transaction(() => {
    const before = st.settingsFingerprint.get();
    st.upsertSchool.run({
      id: s.schoolId, code: s.schoolCode, name: s.schoolName, timeZone: s.timeZone,
      overdraftLimit: s.overdraftLimit, staleAfterMinutes: s.staleAfterMinutes, cabinetUrl: s.cabinetUrl,
      allergenPolicy: s.allergenPolicy ?? 'confirm',
    });
    st.deleteOtherSchools.run(s.schoolId);
    st.setting.run(SETTING.schoolId, s.schoolId);
    st.setting.run(SETTING.terminalId, s.terminalId);
    st.setting.run(SETTING.terminalName, s.terminalName);
    // The series the server gave this till, unique in its school; taken only before the first
    // receipt, so the numbers a till has printed always read back under one series.
    if (s.receiptSeries !== undefined && !sqlite.prepare('SELECT 1 FROM receipts LIMIT 1').get()) st.setting.run(SETTING.receiptSeries, s.receiptSeries);

    if (res.reset) {
      for (const t of REFERENCE_TABLES) if (t !== 'accounts') sqlite.prepare(`DELETE FROM ${t}`).run();
      // Accounts are upserted, not re-created: their trigger-kept local sums must survive a reset.
      st.deleteAccountsNotIn.run(JSON.stringify(res.accounts.filter((a) => a.active).map((a) => a.accountNumber)));
    }

    for (const stu of res.students) {
      st.deleteStudentBenefits.run(stu.id);
      if (!stu.active) { st.deleteStudent.run(stu.id); continue; }
      st.upsertStudent.run({
        id: stu.id, schoolId: s.schoolId, fullName: stu.fullName, className: stu.className, accountNumber: stu.accountNumber,
        allergies: JSON.stringify(stu.allergies ?? []),
      });
      // Absent: a server that does not send photos (keep ours); null: the photo was removed.
      if (stu.photo !== undefined) st.setPhoto.run(stu.photo ? Buffer.from(stu.photo.data, 'base64') : null, stu.photo?.mime ?? null, stu.id);
      for (const b of stu.benefitCategoryIds) st.insertStudentBenefit.run(stu.id, b);
    }
    const created: string[] = [];
    for (const a of res.accounts) {
      if (!a.active) {
        st.deleteAccount.run(a.accountNumber);
        for (const id of st.cardsOf.all(a.accountNumber)) st.aliases.remove(id);
        st.deleteCardsOf.run(a.accountNumber);
        continue;
      }
      if (!st.accountExists.get(a.accountNumber)) created.push(a.accountNumber);
      st.upsertAccount.run({
        number: a.accountNumber, studentId: a.studentId ?? '', serverBalance: a.balance, serverSeq: a.lastSeq,
        dailyLimit: a.dailyLimit, hasPermanentPassword: a.hasPermanentPassword ? 1 : 0, reserved: a.reserved ?? 0, updatedAt: at,
      });
      if (a.today) st.setElsewhere.run(a.today.day, a.today.spentElsewhere, a.today.benefitUsedElsewhere ? 1 : 0, a.accountNumber);
    }
    // An account new to this table may still have entries here (a full reset dropped it while
    // its sales were waiting to be sent): its sums come from them, as the triggers would have kept them.
    if (created.length > 0) {
      for (const number of st.withEntries.all(JSON.stringify(created))) {
        st.recomputeSums.run(number);
        st.recomputeSpent.run(number);
      }
    }
    for (const c of res.cards) {
      st.upsertCard.run({ id: c.cardId, accountNumber: c.accountNumber, state: c.state, updatedAt: at });
      // Same transaction: a wedge reader's DEC:/HEX:/W26: read finds the card as soon as the card is there.
      st.aliases.add(c.cardId);
    }

    for (const c of res.menu.categories) {
      if (!c.active) st.deleteCategory.run(c.id);
      else st.upsertCategory.run({ id: c.id, name: c.name, sort: c.sort });
    }
    for (const d of res.menu.dishes) {
      st.upsertDish.run({
        id: d.id, name: d.name, price: d.price, categoryId: d.categoryId, hotkey: d.hotkey, sort: d.sort, active: d.active ? 1 : 0,
        allergens: JSON.stringify(d.allergens ?? []),
      });
    }
    for (const m of res.menu.mealSets) {
      st.upsertMealSet.run({
        id: m.id, name: m.name, price: m.price, categoryId: m.categoryId, hotkey: m.hotkey, sort: m.sort,
        active: m.active ? 1 : 0, dishIds: JSON.stringify(m.dishIds), allergens: JSON.stringify(m.allergens ?? []),
      });
    }
    for (const b of res.benefitCategories) {
      if (!b.active) st.deleteBenefitCategory.run(b.id);
      else st.upsertBenefitCategory.run(b.id, b.name);
    }
    for (const r of res.benefitRules) {
      if (!r.active) st.deleteRule.run(r.id);
      else st.upsertRule.run({ id: r.id, benefitCategoryId: r.benefitCategoryId, mealSetId: r.mealSetId, parentPays: r.parentPays });
    }
    for (const b of res.barredItems) {
      st.deleteBarred.run(b.accountNumber);
      for (const id of b.itemIds) st.insertBarred.run(b.accountNumber, 'item', id);
      for (const id of b.categoryIds) st.insertBarred.run(b.accountNumber, 'category', id);
    }
    for (const c of res.cashiers) {
      st.upsertCashier.run({ id: c.id, name: c.name, role: c.role, pinHash: c.pinHash, active: c.active ? 1 : 0 });
    }

    if (res.orders) orders = applyOrders(sqlite, res.orders, res.reset, at);

    settingsChanged = st.settingsFingerprint.get() !== before;
    setSyncValue(sqlite, SYNC_KEY.cursor, res.cursor, at);
    setSyncValue(sqlite, SYNC_KEY.pulledSeq, String(res.lastSeq), at);
    setSyncValue(sqlite, SYNC_KEY.lastPullAt, at, at);
  })();

  const menu = res.menu.categories.length + res.menu.dishes.length + res.menu.mealSets.length
    + res.benefitCategories.length + res.benefitRules.length;
  return {
    reset: res.reset,
    cursor: res.cursor,
    lastSeq: res.lastSeq,
    accounts: res.accounts.length,
    cards: res.cards.length,
    students: res.students.length,
    menu,
    cashiers: res.cashiers.length,
    orders,
    settingsChanged,
    changed: res.reset || res.accounts.length + res.cards.length + res.students.length + menu
      + res.barredItems.length + res.cashiers.length + orders > 0,
  };
}

const cache = new WeakMap<Database.Database, ReturnType<typeof prepare>>();
function statements(sqlite: Database.Database) {
  let st = cache.get(sqlite);
  if (!st) { st = prepare(sqlite); cache.set(sqlite, st); }
  return st;
}

const FOLDED = ledgerCursor('sums_through_seq');

type Key = string;
type Account = SqlRow<typeof accounts>;
type Student = SqlRow<typeof students>;

function prepare(s: Database.Database) {
  return {
    upsertSchool: s.prepare<[SqlParams<typeof schools, 'id' | 'code' | 'name' | 'timeZone' | 'overdraftLimit' | 'staleAfterMinutes' | 'cabinetUrl' | 'allergenPolicy'>]>(`INSERT INTO schools (id, code, name, time_zone, overdraft_limit, stale_after_minutes, cabinet_url, allergen_policy)
      VALUES (@id, @code, @name, @timeZone, @overdraftLimit, @staleAfterMinutes, @cabinetUrl, @allergenPolicy)
      ON CONFLICT (id) DO UPDATE SET code = excluded.code, name = excluded.name, time_zone = excluded.time_zone,
        overdraft_limit = excluded.overdraft_limit, stale_after_minutes = excluded.stale_after_minutes, cabinet_url = excluded.cabinet_url,
        allergen_policy = excluded.allergen_policy`),
    deleteOtherSchools: s.prepare<[Key]>(`DELETE FROM schools WHERE id != ?`),
    settingsFingerprint: s.prepare<[], string>(`SELECT json_array((SELECT json_group_array(json_array(id, code, name, time_zone, overdraft_limit, stale_after_minutes, cabinet_url, allergen_policy)) FROM schools),
      (SELECT json_group_array(json_array(key, value)) FROM settings WHERE key IN ('${SETTING.schoolId}', '${SETTING.terminalId}', '${SETTING.terminalName}', '${SETTING.receiptSeries}')))`).pluck(),
    setting: s.prepare<[SqlRow<typeof settings>['key'], SqlRow<typeof settings>['value']]>(`INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)`),
    upsertStudent: s.prepare<[SqlParams<typeof students, 'id' | 'schoolId' | 'fullName' | 'className' | 'accountNumber' | 'allergies'>]>(`INSERT INTO students (id, school_id, full_name, class_name, account_number, allergies)
      VALUES (@id, @schoolId, @fullName, @className, @accountNumber, @allergies)
      ON CONFLICT (id) DO UPDATE SET school_id = excluded.school_id, full_name = excluded.full_name,
        class_name = excluded.class_name, account_number = excluded.account_number, allergies = excluded.allergies`),
    setPhoto: s.prepare<[Student['photo'], Student['photo_mime'], Key]>(`UPDATE students SET photo = ?, photo_mime = ? WHERE id = ?`),
    setElsewhere: s.prepare<[Account['elsewhere_day'], Account['spent_elsewhere'], Account['benefit_elsewhere'], Key]>(`UPDATE accounts SET elsewhere_day = ?, spent_elsewhere = ?, benefit_elsewhere = ? WHERE number = ?`),
    deleteStudent: s.prepare<[Key]>(`DELETE FROM students WHERE id = ?`),
    deleteStudentBenefits: s.prepare<[Key]>(`DELETE FROM student_benefits WHERE student_id = ?`),
    insertStudentBenefit: s.prepare<[Key, Key]>(`INSERT OR IGNORE INTO student_benefits (student_id, benefit_category_id) VALUES (?, ?)`),
    // An account's running sums are kept from its first row on (the terminal core folds entries in;
    // a trigger recomputes local_sum when server_seq moves in the DO UPDATE branch). A row this pull
    // creates starts at zero: recomputeSums() fills in the rare one that already has entries here.
    accountExists: s.prepare<[Key], 1>(`SELECT 1 FROM accounts WHERE number = ?`).pluck(),
    upsertAccount: s.prepare<[SqlParams<typeof accounts, 'number' | 'studentId' | 'serverBalance' | 'serverSeq' | 'dailyLimit' | 'hasPermanentPassword' | 'reserved' | 'updatedAt'>]>(`INSERT INTO accounts (number, student_id, server_balance, server_seq, daily_limit, has_permanent_password, reserved, updated_at)
      VALUES (@number, @studentId, @serverBalance, @serverSeq, @dailyLimit, @hasPermanentPassword, @reserved, @updatedAt)
      ON CONFLICT (number) DO UPDATE SET student_id = excluded.student_id, server_balance = excluded.server_balance,
        server_seq = excluded.server_seq, daily_limit = excluded.daily_limit,
        has_permanent_password = excluded.has_permanent_password, reserved = excluded.reserved, updated_at = excluded.updated_at`),
    // One pass over the ledger (entries has no per-account index since migration 0008).
    withEntries: s.prepare<[string], NonNullable<SqlRow<typeof entries>['account_number']>>(`SELECT DISTINCT account_number FROM entries WHERE account_number IN (SELECT value FROM json_each(?))`).pluck(),
    // The stored sums cover the entries up to ledger_cursors.sums_through_seq; the service adds newer ones.
    recomputeSums: s.prepare<[Key]>(`UPDATE accounts SET
        local_sum = (SELECT coalesce(sum(e.amount), 0) FROM entries e WHERE e.seq > accounts.server_seq AND e.seq <= ${FOLDED}
                      AND e.account_number = accounts.number),
        spent_day = (SELECT max(e.school_day) FROM entries e WHERE e.seq <= ${FOLDED} AND e.account_number = accounts.number
                      AND e.kind IN ('sale', 'refund'))
      WHERE number = ?`),
    recomputeSpent: s.prepare<[Key]>(`UPDATE accounts SET spent_today = coalesce((SELECT -sum(e.amount) FROM entries e
        WHERE e.seq <= ${FOLDED} AND e.account_number = accounts.number AND e.kind IN ('sale', 'refund') AND e.school_day = accounts.spent_day), 0)
      WHERE number = ?`),
    deleteAccountsNotIn: s.prepare<[string]>(`DELETE FROM accounts WHERE number NOT IN (SELECT value FROM json_each(?))`),
    deleteAccount: s.prepare<[Key]>(`DELETE FROM accounts WHERE number = ?`),
    deleteCardsOf: s.prepare<[Key]>(`DELETE FROM cards WHERE account_number = ?`),
    cardsOf: s.prepare<[Key], SqlRow<typeof cards>['id']>(`SELECT id FROM cards WHERE account_number = ?`).pluck(),
    aliases: cardAliasWriter(s),
    upsertCard: s.prepare<[SqlParams<typeof cards, 'id' | 'accountNumber' | 'state' | 'updatedAt'>]>(`INSERT INTO cards (id, account_number, state, updated_at) VALUES (@id, @accountNumber, @state, @updatedAt)
      ON CONFLICT (id) DO UPDATE SET account_number = excluded.account_number, state = excluded.state, updated_at = excluded.updated_at`),
    upsertCategory: s.prepare<[SqlParams<typeof menuCategories, 'id' | 'name' | 'sort'>]>(`INSERT INTO menu_categories (id, name, sort) VALUES (@id, @name, @sort)
      ON CONFLICT (id) DO UPDATE SET name = excluded.name, sort = excluded.sort`),
    deleteCategory: s.prepare<[Key]>(`DELETE FROM menu_categories WHERE id = ?`),
    upsertDish: s.prepare<[SqlParams<typeof dishes, 'id' | 'name' | 'price' | 'categoryId' | 'hotkey' | 'sort' | 'active' | 'allergens'>]>(`INSERT INTO dishes (id, name, price, category_id, hotkey, sort, active, allergens)
      VALUES (@id, @name, @price, @categoryId, @hotkey, @sort, @active, @allergens)
      ON CONFLICT (id) DO UPDATE SET name = excluded.name, price = excluded.price, category_id = excluded.category_id,
        hotkey = excluded.hotkey, sort = excluded.sort, active = excluded.active, allergens = excluded.allergens`),
    upsertMealSet: s.prepare<[SqlParams<typeof mealSets, 'id' | 'name' | 'price' | 'categoryId' | 'hotkey' | 'sort' | 'active' | 'dishIds' | 'allergens'>]>(`INSERT INTO meal_sets (id, name, price, category_id, hotkey, sort, active, dish_ids, allergens)
      VALUES (@id, @name, @price, @categoryId, @hotkey, @sort, @active, @dishIds, @allergens)
      ON CONFLICT (id) DO UPDATE SET name = excluded.name, price = excluded.price, category_id = excluded.category_id,
        hotkey = excluded.hotkey, sort = excluded.sort, active = excluded.active, dish_ids = excluded.dish_ids,
        allergens = excluded.allergens`),
    upsertBenefitCategory: s.prepare<[Key, string]>(`INSERT INTO benefit_categories (id, name) VALUES (?, ?)
      ON CONFLICT (id) DO UPDATE SET name = excluded.name`),
    deleteBenefitCategory: s.prepare<[Key]>(`DELETE FROM benefit_categories WHERE id = ?`),
    upsertRule: s.prepare<[SqlParams<typeof entitlementRules, 'id' | 'benefitCategoryId' | 'mealSetId' | 'parentPays'>]>(`INSERT INTO entitlement_rules (id, benefit_category_id, meal_set_id, parent_pays)
      VALUES (@id, @benefitCategoryId, @mealSetId, @parentPays)
      ON CONFLICT (id) DO UPDATE SET benefit_category_id = excluded.benefit_category_id,
        meal_set_id = excluded.meal_set_id, parent_pays = excluded.parent_pays`),
    deleteRule: s.prepare<[Key]>(`DELETE FROM entitlement_rules WHERE id = ?`),
    deleteBarred: s.prepare<[Key]>(`DELETE FROM barred_items WHERE account_number = ?`),
    insertBarred: s.prepare<[Key, SqlRow<typeof barredItems>['target_kind'], Key]>(`INSERT OR IGNORE INTO barred_items (account_number, target_kind, target_id) VALUES (?, ?, ?)`),
    upsertCashier: s.prepare<[SqlParams<typeof cashiers, 'id' | 'name' | 'role' | 'pinHash' | 'active'>]>(`INSERT INTO cashiers (id, name, role, pin_hash, active) VALUES (@id, @name, @role, @pinHash, @active)
      ON CONFLICT (id) DO UPDATE SET name = excluded.name, role = excluded.role, pin_hash = excluded.pin_hash, active = excluded.active`),
  };
}
