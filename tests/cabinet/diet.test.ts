import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { Browser, csrfOf, textOf, type CabinetTest, startCabinet } from './helpers.js';

// Issue 13: the parent sets the pupil's allergies and bans in the cabinet; the school's tills get them on the next pull.
const SIDOROV = '0242013153';   // demo bans: pizza, the drinks category

let t: CabinetTest;
let b: Browser;

beforeAll(async () => {
  t = await startCabinet();
  b = new Browser(t.app, '10.7.0.2');
  await b.login(SIDOROV, 'demo-0242013153');
}, 60_000);
afterAll(async () => { await t?.close(); });

/** A form with repeated fields (checkboxes), as a browser sends it. */
async function postForm(url: string, pairs: [string, string][]) {
  const body = new URLSearchParams([['_csrf', csrfOf(b.lastHtml) ?? ''], ...pairs]).toString();
  return t.app.inject({
    method: 'POST', url, remoteAddress: b.ip, payload: body,
    headers: { cookie: [...b.cookies].map(([k, v]) => `${k}=${v}`).join('; '), host: 'localhost', 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost' },
  });
}

type Pull = { cursor: string; students: { id: string; allergies?: string[] }[]; barredItems: { accountNumber: string; itemIds: string[]; categoryIds: string[] }[] };
/** Pulls until `want` holds (on a shared PostgreSQL a change may show in a later pull, never lost). */
async function pullUntil(cursor: string | undefined, want: (p: Pull) => boolean): Promise<Pull> {
  for (let i = 0; i < 50; i++) {
    const p = (await t.app.inject({ method: 'GET', url: `/api/v1/sync/pull${cursor ? `?cursor=${cursor}` : ''}`, headers: { authorization: `Bearer ${t.token}` } })).json() as Pull;
    if (want(p)) return p;
    cursor = p.cursor;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the pull never carried the change');
}

describe('cabinet: allergies and bans', () => {
  it('shows the 14 allergen groups and the school\'s menu with the demo bans ticked', async () => {
    const page = await b.get('/cabinet/diet');
    expect(page.statusCode).toBe(200);
    const text = textOf(page.body);
    for (const label of ['Злаки с глютеном', 'Ракообразные', 'Яйца', 'Рыба', 'Арахис', 'Соя', 'Молоко и лактоза', 'Орехи', 'Сельдерей', 'Горчица', 'Кунжут', 'Сульфиты', 'Люпин', 'Моллюски']) {
      expect(text).toContain(label);
    }
    expect(page.body).toMatch(/name="item" value="dish-pizza" checked/);
    expect(page.body).toMatch(/name="category" value="cat-drinks" checked/);
    expect(page.body).not.toMatch(/name="allergen" value="[a-z]+" checked/);
    expect(page.body).not.toContain('<script');
  });

  it('saves allergies; the till gets them with the student row', async () => {
    const cursor = (await pullUntil(undefined, () => true)).cursor;
    const res = await postForm('/cabinet/diet/allergies', [['allergen', 'fish'], ['allergen', 'peanuts'], ['allergen', 'no-such']]);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/cabinet/diet?m=allergies');
    const p = await pullUntil(cursor, (x) => x.students.some((s) => s.id === 'student-sidorov'));
    expect(p.students.find((s) => s.id === 'student-sidorov')!.allergies).toEqual(['fish', 'peanuts']);
    const page = await b.get('/cabinet/diet?m=allergies');
    expect(textOf(page.body)).toContain('Аллергии сохранены');
    expect(page.body).toMatch(/value="fish" checked/);
  });

  it('saves bans (dishes and categories); the till gets the new list', async () => {
    await b.get('/cabinet/diet');
    const cursor = (await pullUntil(undefined, () => true)).cursor;
    const res = await postForm('/cabinet/diet/bans', [['item', 'dish-keks'], ['category', 'cat-bakery']]);
    expect(res.statusCode).toBe(303);
    const p = await pullUntil(cursor, (x) => x.barredItems.some((b) => b.accountNumber === SIDOROV));
    expect(p.barredItems.find((x) => x.accountNumber === SIDOROV)).toEqual({ accountNumber: SIDOROV, itemIds: ['dish-keks'], categoryIds: ['cat-bakery'] });
  });

  it('refuses a dish that is not on the school\'s menu and changes nothing', async () => {
    await b.get('/cabinet/diet');
    const res = await postForm('/cabinet/diet/bans', [['item', 'dish-from-elsewhere']]);
    expect(res.statusCode).toBe(400);
    expect(textOf(res.body)).toContain('запреты не изменены');
    const r = (await t.handle.db.execute(sql`SELECT barred_item_ids FROM accounts WHERE account_number = ${SIDOROV}`)) as unknown as { rows: { barred_item_ids: string[] }[] };
    expect(r.rows[0]!.barred_item_ids).toEqual(['dish-keks']);
  });

  it('refuses a form without the CSRF token', async () => {
    const body = new URLSearchParams([['allergen', 'milk']]).toString();
    const res = await t.app.inject({
      method: 'POST', url: '/cabinet/diet/allergies', remoteAddress: b.ip, payload: body,
      headers: { cookie: [...b.cookies].map(([k, v]) => `${k}=${v}`).join('; '), host: 'localhost', 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    const r = (await t.handle.db.execute(sql`SELECT allergies FROM students WHERE id = 'student-sidorov'`)) as unknown as { rows: { allergies: string[] }[] };
    expect(r.rows[0]!.allergies).toEqual(['fish', 'peanuts']);
  });
});
