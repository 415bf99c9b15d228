import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { Browser, balanceOf, count, pushTempPassword, saleEntry, startCabinet, textOf, type CabinetTest } from './helpers.js';

/**
 * Families: one parent login opens several children. Иванов's parent links
 * Петрова (only the receipt's temporary password) and Сидоров (permanent
 * password); Волков is never linked and is the target of every IDOR attempt.
 */
const IVANOV = '0242013137';
const PETROVA = '0242013145';
const SIDOROV = '0242013153';
const VOLKOV = '0242013195';
const VOLKOV_CARD = 'EM:55007E1006';
const PETROVA_TEMP = 'k7mq3xpt';
const DAY = 86_400_000;

let t: CabinetTest;
let b: Browser;

async function q<T>(text: ReturnType<typeof sql>): Promise<T[]> {
  return ((await t.handle.db.execute(text)) as unknown as { rows: T[] }).rows;
}

beforeAll(async () => {
  t = await startCabinet();
  await pushTempPassword(t, PETROVA, PETROVA_TEMP);
  // 16.03.2026 12:00 Moscow: Петрова ate today and yesterday, Сидоров three days ago, Волков today.
  const res = await t.push([
    saleEntry(t, PETROVA, [{ name: 'Каша пшённая молочная 200 г', amount: 2150 }]),
    saleEntry(t, PETROVA, [{ name: 'Котлета куриная 100 г', amount: 4400 }], new Date(t.clock.t - DAY)),
    saleEntry(t, SIDOROV, [{ name: 'Запеканка творожная 150 г', amount: 3900 }], new Date(t.clock.t - 3 * DAY)),
    saleEntry(t, VOLKOV, [{ name: 'Обед Волкова', amount: 7000 }]),
  ]);
  expect(res.status).toBe(200);
  b = new Browser(t.app, '10.9.0.1');
  expect((await b.login(IVANOV, 'demo-0242013137')).headers.location).toBe('/cabinet/');
}, 180_000);
afterAll(async () => { await t?.close(); });

async function link(br: Browser, child: string, password: string) {
  await br.get('/cabinet/profile');
  return br.post('/cabinet/family/link', { child, password });
}

describe('families', () => {
  it('links children by their temporary or permanent password; the first page shows each child\'s meals of today and yesterday', async () => {
    const before = textOf((await b.get('/cabinet/')).body);
    expect(before).not.toContain('Петрова');
    expect((await link(b, PETROVA, PETROVA_TEMP)).headers.location).toBe('/cabinet/profile?m=linked#family');
    expect((await link(b, SIDOROV, 'demo-0242013153')).statusCode).toBe(303);
    expect(await count(t.handle, 'cabinet_family_links', `owner_account = '${IVANOV}'`)).toBe(2);

    const profile = textOf((await b.get('/cabinet/profile')).body);
    expect(profile).toContain('Петрова Анна Сергеевна');
    expect(profile).toContain(SIDOROV);

    const home = await b.get('/cabinet/');
    expect(home.statusCode).toBe(200);
    const sections = home.body.split('<section class="card child"').slice(1).map(textOf);
    expect(sections.map((s) => s.match(/Л\/С (\d{10})/)?.[1])).toEqual([IVANOV, PETROVA, SIDOROV]);
    const petrova = sections[1]!;
    expect(petrova).toMatch(/Сегодня, 16\.03\.2026 12:00 Чек №24-\d+ Каша пшённая молочная 200 г −21,50 руб\. Вчера, 15\.03\.2026 12:00 Чек №24-\d+ Котлета куриная 100 г −44,00 руб\./);
    expect(petrova).toContain(`остаток ${(await balanceOf(t.handle, PETROVA) / 100).toFixed(2).replace('.', ',')} руб.`);
    // Сидоров ate three days ago: nothing today or yesterday.
    expect(sections[2]).toContain('Сегодня, 16.03.2026 Покупок в столовой не было. Вчера, 15.03.2026 Покупок в столовой не было.');
    expect(textOf(home.body)).not.toContain('Обед Волкова');
  });

  it('opens a linked child\'s statement, controls and top-up; each acts on that child only', async () => {
    const st = await b.get(`/cabinet/statement?range=2d&details=1&account=${PETROVA}`);
    expect(st.statusCode).toBe(200);
    expect(textOf(st.body)).toContain('Каша пшённая молочная 200 г');
    expect(textOf(st.body)).toContain(`Лицевой счёт: ${PETROVA}`);
    // Links on the child's pages keep the child.
    expect(st.body).toContain(`href="/cabinet/controls?account=${PETROVA}"`);
    expect(st.body).toContain(`name="account" value="${PETROVA}"`);
    const pdf = await b.get(`/cabinet/statement.pdf?range=2d&account=${PETROVA}`);
    expect(String(pdf.headers['content-disposition'])).toContain(`statement-${PETROVA}-`);

    await b.get(`/cabinet/controls?account=${PETROVA}`);
    expect((await b.post(`/cabinet/controls/limit?account=${PETROVA}`, { limit: '120' })).statusCode).toBe(303);
    const limits = await q<{ account_number: string; daily_limit: number | null }>(sql`SELECT account_number, daily_limit FROM accounts WHERE account_number IN (${IVANOV}, ${PETROVA}) ORDER BY account_number`);
    expect(limits.map((r) => [r.account_number, r.daily_limit === null ? null : Number(r.daily_limit)])).toEqual([[IVANOV, null], [PETROVA, 12000]]);

    // The top-up form lets the family choose the child; the payment is the chosen child's.
    const form = await b.get(`/cabinet/topup?account=${PETROVA}`);
    expect(textOf(form.body)).toContain(`Пополняется счёт ${PETROVA}`);
    expect(textOf(form.body)).toContain('Без комиссии');
    for (const preset of ['300 ₽', '500 ₽', '1 000 ₽']) expect(textOf(form.body)).toContain(preset);
    const res = await b.post('/cabinet/topup', { account: PETROVA, amount: '500,00' });
    expect(res.statusCode).toBe(303);
    const pays = await q<{ account_number: string; amount: number }>(sql`SELECT account_number, amount FROM cabinet_payments`);
    expect(pays.map((p) => [p.account_number, Number(p.amount)])).toEqual([[PETROVA, 50000]]);
  });

  it('a linked child\'s low balance is mailed to the family\'s address (the child has none of its own)', async () => {
    await b.get('/cabinet/profile');
    expect((await b.post('/cabinet/profile/email', { email: 'family@example.ru', current: 'demo-0242013137' })).statusCode).toBe(303);
    const balance = await balanceOf(t.handle, SIDOROV);
    await b.get(`/cabinet/controls?account=${SIDOROV}`);
    expect((await b.post(`/cabinet/controls/threshold?account=${SIDOROV}`, { threshold: String((balance + 10000) / 100) })).statusCode).toBe(303);
    await t.app.cabinet.checkLowBalances();   // saving the threshold also starts a check of its own: either sends
    const letters = () => (t.mailer.sent ?? []).filter((m) => m.subject.includes(SIDOROV));
    await expect.poll(() => letters().map((m) => m.to), { timeout: 10_000 }).toEqual(['family@example.ru']);
    expect(letters()[0]!.text).toContain(`Остаток на лицевом счёте ${SIDOROV}`);
    expect(await t.app.cabinet.checkLowBalances()).toBe(0);   // one letter per dip
    expect(letters()).toHaveLength(1);
  });

  it('refuses every account route for an account not linked to this login; nothing changes', async () => {
    const state = async () => ({
      balance: await balanceOf(t.handle, VOLKOV),
      card: (await q<{ state: string }>(sql`SELECT state FROM cards WHERE id = ${VOLKOV_CARD}`))[0]!.state,
      limit: (await q<{ daily_limit: number | null }>(sql`SELECT daily_limit FROM accounts WHERE account_number = ${VOLKOV}`))[0]!.daily_limit,
      profile: await count(t.handle, 'cabinet_profiles', `account_number = '${VOLKOV}'`),
      payments: await count(t.handle, 'cabinet_payments'),
      entries: await count(t.handle, 'entries'),
      links: await count(t.handle, 'cabinet_family_links'),
    });
    const before = await state();
    await b.get('/cabinet/profile');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(b.lastHtml)![1]!;
    const gets = ['/cabinet/profile', '/cabinet/statement', '/cabinet/statement?range=2d&details=1', '/cabinet/statement.pdf?range=2d',
      '/cabinet/controls', '/cabinet/topup', '/cabinet/topup/return?payment=00000000-0000-7000-8000-000000000001'];
    const posts: [string, Record<string, string>][] = [
      ['/cabinet/controls/card-lost', { card: VOLKOV_CARD }],
      ['/cabinet/controls/limit', { limit: '1' }],
      ['/cabinet/controls/threshold', { threshold: '1000' }],
      ['/cabinet/topup', { amount: '500' }],
    ];
    for (const named of [VOLKOV, '0242013196', "0242013195' OR '1'='1", '']) {
      for (const path of gets) {
        const url = `${path}${path.includes('?') ? '&' : '?'}account=${encodeURIComponent(named || VOLKOV)}`;
        const res = await b.get(url);
        expect(res.statusCode, url).toBe(404);
        expect(textOf(res.body), url).toContain('не привязан к вашему личному кабинету');
        expect(textOf(res.body), url).not.toContain('Волков');
      }
      for (const [path, form] of posts) {
        // Named in the query, in the form, and both differently (a linked child in one, the stranger in the other).
        const variants: [string, Record<string, string>][] = named
          ? [[`${path}?account=${encodeURIComponent(named)}`, form], [path, { ...form, account: named }]]
          : [[`${path}?account=${PETROVA}`, { ...form, account: VOLKOV }], [`${path}?account=${VOLKOV}`, { ...form, account: PETROVA }]];
        for (const [url, body] of variants) {
          const res = await b.post(url, body, { csrf });
          expect(res.statusCode, `${url} ${JSON.stringify(body)}`).toBe(404);
          expect(textOf(res.body)).not.toContain('Волков');
        }
      }
    }
    expect(await state()).toEqual(before);
    expect(await count(t.handle, 'cabinet_events', `kind = 'familyRefused' AND account_number = '${IVANOV}'`)).toBeGreaterThan(20);
  });

  it('a wrong password is refused like a failed login, throttled per account and per address; an unknown number answers the same', async () => {
    const intruder = new Browser(t.app, '10.9.0.2');
    await intruder.login(SIDOROV, 'demo-0242013153');
    const links = await count(t.handle, 'cabinet_family_links');
    const unknown = await link(intruder, '0242019999', 'whatever1');
    expect(unknown.statusCode).toBe(401);
    expect(textOf(unknown.body)).toContain('Неверный номер лицевого счёта или пароль');
    for (let i = 0; i < 5; i++) {
      const res = await link(intruder, VOLKOV, `guess${i}`);
      expect(res.statusCode).toBe(401);
      expect(textOf(res.body)).toContain('Неверный номер лицевого счёта или пароль');
    }
    // Five failures for Волков's number: locked, and the lock is the login's (another address cannot log in either).
    const locked = await link(intruder, VOLKOV, 'guess6');
    expect(locked.statusCode).toBe(429);
    expect(textOf(locked.body)).toContain('Слишком много неудачных попыток');
    const viaLogin = await new Browser(t.app, '10.9.0.3').login(VOLKOV, 'anything1');
    expect(viaLogin.statusCode).toBe(429);
    expect(await count(t.handle, 'cabinet_family_links')).toBe(links);
    expect(await count(t.handle, 'cabinet_events', `kind = 'familyLinkFailed'`)).toBe(6);   // the locked try checks nothing
  });

  it('links are one-way: the linked child\'s own login does not open the parent\'s account', async () => {
    const other = new Browser(t.app, '10.9.0.4');
    expect((await other.login(SIDOROV, 'demo-0242013153')).headers.location).toBe('/cabinet/');
    const home = textOf((await other.get('/cabinet/')).body);
    expect(home).toContain(SIDOROV);
    expect(home).not.toContain(IVANOV);
    expect((await other.get(`/cabinet/statement?account=${IVANOV}`)).statusCode).toBe(404);
  });

  it('linking itself, twice or with a malformed number is refused with a clear message', async () => {
    expect(textOf((await link(b, IVANOV, 'demo-0242013137')).body)).toContain('Это счёт, с которым вы вошли');
    expect(textOf((await link(b, SIDOROV, 'demo-0242013153')).body)).toContain('Этот счёт уже добавлен в кабинет');
    expect((await link(b, 'abc', 'x')).statusCode).toBe(401);
  });

  it('own pages (password, e-mail) ignore a named child and act on the login account', async () => {
    const page = await b.get(`/cabinet/password?account=${PETROVA}`);
    expect(page.body).toContain(`name="username" value="${IVANOV}"`);
  });

  it('unlinking removes the child from the cabinet at once; another family\'s link cannot be removed', async () => {
    await b.get('/cabinet/profile');
    expect((await b.post('/cabinet/family/unlink', { child: SIDOROV })).headers.location).toBe('/cabinet/profile?m=unlinked#family');
    expect((await b.get(`/cabinet/statement?account=${SIDOROV}`)).statusCode).toBe(404);
    expect(textOf((await b.get('/cabinet/')).body)).not.toContain(SIDOROV);
    // Сидоров's own login has no links; removing a link that is not in this family changes nothing.
    const other = new Browser(t.app, '10.9.0.5');
    await other.login(SIDOROV, 'demo-0242013153');
    await other.get('/cabinet/profile');
    const res = await other.post('/cabinet/family/unlink', { child: PETROVA });
    expect(res.statusCode).toBe(404);
    expect(await count(t.handle, 'cabinet_family_links', `owner_account = '${IVANOV}' AND linked_account = '${PETROVA}'`)).toBe(1);
  });
});
