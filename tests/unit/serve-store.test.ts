import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CARDS } from '../../src/core/demo-school.js';
import { schoolDay } from '../../src/core/datetime.js';
import { openRuntime, type Runtime } from '../../src/shell/runtime.js';
import { createServeStore } from '../../src/ui/serve-store.js';

// «Выдача по заявке»'s screen state over the real till (as ui-store.test.ts): the demo school with two
// fixed lunch lines of 03Б written into the till's tables as a pull would, the cashier logged in.
let runtime: Runtime;
const dataDir = mkdtempSync(path.join(tmpdir(), 'canteen-serve-store-'));

beforeAll(async () => {
  runtime = await openRuntime({ dataDir, seedDemo: true, reader: 'simulated', printer: 'memory', server: false, dbKeyStore: false });
  const day = schoolDay(new Date(), 'Europe/Moscow');
  const db = new Database(path.join(dataDir, 'terminal.sqlite'));
  db.prepare(`INSERT INTO order_sittings (id, name, kind, starts_at, ends_at, sort) VALUES ('lunch', 'Обед', 'lunch', '12:40', '13:10', 1)`).run();
  const line = db.prepare(`INSERT INTO order_lines (id, day, class_name, sitting_id, student_id, account_number, meal_set_id, meal_set_name, dishes,
    parent_amount, subsidy_amount) VALUES (?, ?, '03Б', 'lunch', ?, ?, 'set-lunch', 'Обед', '["Суп","Компот"]', ?, ?)`);
  line.run('l-ivanov', day, 'student-ivanov', '0242013137', 9000, 0);
  line.run('l-other', day, 'student-x', null, 0, 9000);
  db.close();
  const r = await runtime.api.login('1111');
  if (!r.ok) throw new Error(r.error.message);
}, 180_000);
afterAll(async () => { await runtime.close(); rmSync(dataDir, { recursive: true, force: true }); });

describe('serve store', () => {
  it('loads the day, picks a class, serves by card then the rest of the class; the list follows the core', async () => {
    const store = createServeStore({ ...runtime.api, onEvent: () => () => {} });
    await store.getState().load();
    expect(store.getState().day?.sittings).toMatchObject([{ id: 'lunch', classes: [{ className: '03Б', ordered: 2, served: 0 }] }]);
    await store.getState().pick('lunch', '03Б');
    expect(store.getState().list?.pupils.map((p) => [p.fullName, p.paidBy, p.dishes])).toEqual([
      ['Иванов Иван Иванович', 'parents', ['Суп', 'Компот']],
      ['Ученик не найден в списке кассы', 'budget', ['Суп', 'Компот']],
    ]);
    await store.getState().serveCard(DEMO_CARDS.ivanov);
    expect(store.getState().message).toBe('Выдано: Иванов Иван Иванович — Обед');
    expect(store.getState().list?.served).toBe(1);
    await store.getState().serveAll();
    expect(store.getState()).toMatchObject({ message: 'Отмечено выданными: 1', list: { ordered: 2, served: 2 } });
    await store.getState().serveCard(DEMO_CARDS.freeBreakfast);
    expect(store.getState().error).toMatch(/заказа на «Обед» сегодня нет/);
  });
});
