import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { Browser, balanceOf, count, pullUntil, saleEntry, startCabinet, textOf, type CabinetTest } from './helpers.js';
import { startSmtpSink, bodyOf } from './smtp-sink.js';
import { SmtpMailer } from '../../src/server/cabinet/mailer.js';

const IVANOV = '0242013137';
const SIDOROV = '0242013153';
const IVANOV_CARD = 'EM:55007EE424';

let t: CabinetTest;
let sink: Awaited<ReturnType<typeof startSmtpSink>>;
let b: Browser;

beforeAll(async () => {
  sink = await startSmtpSink();
  t = await startCabinet({
    mailer: new SmtpMailer({ host: '127.0.0.1', port: sink.port, from: 'Кабинет <no-reply@canteen.local>', ignoreTLS: true }),
  });
  b = new Browser(t.app, '10.7.0.1');
  await b.login(IVANOV, 'demo-0242013137');
}, 60_000);
afterAll(async () => { await t?.close(); await sink?.close(); });

async function pull(cursor?: string) {
  const res = await t.app.inject({ method: 'GET', url: `/api/v1/sync/pull${cursor ? `?cursor=${cursor}` : ''}`, headers: { authorization: `Bearer ${t.token}` } });
  return res.json() as { cursor: string; accounts: { accountNumber: string; balance: number; dailyLimit: number | null }[]; cards: { cardId: string; state: string }[] };
}

async function cardState(id: string): Promise<string> {
  const r = (await t.handle.db.execute(sql`SELECT state FROM cards WHERE id = ${id}`)) as unknown as { rows: { state: string }[] };
  return r.rows[0]!.state;
}

describe('parent controls', () => {
  it('reporting a lost card blocks it at once; the terminal gets it on its next pull', async () => {
    const first = await pull();
    const page = await b.get('/cabinet/controls');
    expect(textOf(page.body)).toContain(IVANOV_CARD);
    const res = await b.post('/cabinet/controls/card-lost', { card: IVANOV_CARD });
    expect(res.headers.location).toBe('/cabinet/controls?m=lost');
    expect(await cardState(IVANOV_CARD)).toBe('lost');
    const next = await pullUntil(t, first.cursor, (p) => p.cards.some((c) => c.cardId === IVANOV_CARD));
    expect(next.cards.find((c) => c.cardId === IVANOV_CARD)?.state).toBe('lost');
    expect(textOf((await b.get('/cabinet/controls?m=lost')).body)).toContain('утеряна, заблокирована');
  });

  it("cannot report another account's card (id changed in the form); nothing changes", async () => {
    const cards = (await t.handle.db.execute(sql`SELECT id FROM cards WHERE account_number = ${SIDOROV}`)) as unknown as { rows: { id: string }[] };
    const other = cards.rows[0]!.id;
    await b.get('/cabinet/controls');
    for (const card of [other, "x' OR '1'='1", `${other}'; UPDATE cards SET state='lost';--`]) {
      const res = await b.post('/cabinet/controls/card-lost', { card });
      expect(res.statusCode).toBe(404);
      expect(textOf(res.body)).toContain('Такой карты у этого лицевого счёта нет');
    }
    expect(await cardState(other)).toBe('active');
    expect(await count(t.handle, 'cards', "state = 'lost'")).toBe(1 + (await count(t.handle, 'cards', `state = 'lost' AND account_number <> '${IVANOV}'`)));
  });

  it('sets and clears a daily limit; terminals get it on their next pull; bad input changes nothing', async () => {
    const first = await pull();
    await b.get('/cabinet/controls');
    expect((await b.post('/cabinet/controls/limit', { limit: '150,50' })).statusCode).toBe(303);
    const next = await pullUntil(t, first.cursor, (p) => p.accounts.some((a) => a.accountNumber === IVANOV));
    expect(next.accounts.find((a) => a.accountNumber === IVANOV)?.dailyLimit).toBe(15050);
    await b.get('/cabinet/controls');
    for (const bad of ['-1', 'abc', "1; DROP TABLE accounts", '0']) {
      const res = await b.post('/cabinet/controls/limit', { limit: bad });
      expect(res.statusCode).toBe(400);
      expect(textOf(res.body)).toContain('Неверная сумма лимита');
    }
    const r = (await t.handle.db.execute(sql`SELECT daily_limit FROM accounts WHERE account_number = ${IVANOV}`)) as unknown as { rows: { daily_limit: number }[] };
    expect(Number(r.rows[0]!.daily_limit)).toBe(15050);
    await b.get('/cabinet/controls');
    await b.post('/cabinet/controls/limit', { limit: '' });
    const last = await pullUntil(t, next.cursor, (p) => p.accounts.some((a) => a.accountNumber === IVANOV));
    expect(last.accounts.find((a) => a.accountNumber === IVANOV)?.dailyLimit).toBeNull();
  });

  it('e-mail change needs the current password; SQL and HTML in it are refused or kept as text', async () => {
    await b.get('/cabinet/profile');
    const wrong = await b.post('/cabinet/profile/email', { email: 'parent@example.ru', current: 'not-my-password1' });
    expect(wrong.statusCode).toBe(400);
    expect(textOf(wrong.body)).toContain('Текущий пароль введён неверно');
    const bad = await b.post('/cabinet/profile/email', { email: "a'--@x.ru<script>", current: 'demo-0242013137' });
    expect(textOf(bad.body)).toContain('Неверный адрес эл. почты');
    expect(await count(t.handle, 'cabinet_profiles', "email IS NOT NULL")).toBe(0);
    const ok = await b.post('/cabinet/profile/email', { email: 'parent@example.ru', current: 'demo-0242013137' });
    expect(ok.headers.location).toBe('/cabinet/profile?m=email');
    expect(textOf((await b.get('/cabinet/profile')).body)).toContain('parent@example.ru');
  });

  it('sends one low-balance letter through SMTP when a sale takes the balance below the threshold', async () => {
    const balance = await balanceOf(t.handle, IVANOV);
    await b.get('/cabinet/controls');
    await b.post('/cabinet/controls/threshold', { threshold: String((balance - 1000) / 100) });
    await t.app.cabinet.checkLowBalances();
    expect(sink.mails).toHaveLength(0);   // still above
    await t.push([saleEntry(t, IVANOV, [{ name: 'Пицца 125 г', amount: 3450 }])]);
    expect(await t.app.cabinet.checkLowBalances()).toBe(1);
    await sink.waitFor(1);
    expect(sink.mails).toHaveLength(1);
    expect(sink.mails[0]!.to).toEqual(['parent@example.ru']);
    const text = bodyOf(sink.mails[0]!.data);
    expect(text).toContain(`Остаток на лицевом счёте ${IVANOV}`);
    expect(text).toContain('Пополнить счёт');
    // A second sale below the threshold: no second letter for the same dip.
    await t.push([saleEntry(t, IVANOV, [{ name: 'Сок', amount: 1320 }])]);
    expect(await t.app.cabinet.checkLowBalances()).toBe(0);
    expect(sink.mails).toHaveLength(1);
  });
});

describe('forgot password', () => {
  it('mails a single-use, expiring link only when account and e-mail match; the page says the same either way', async () => {
    const before = sink.mails.length;
    const anon = new Browser(t.app, '10.8.0.1');
    await anon.get('/cabinet/forgot');
    const miss = await anon.post('/cabinet/forgot', { account: IVANOV, email: 'someone@else.ru' });
    await anon.get('/cabinet/forgot');
    const hit = await anon.post('/cabinet/forgot', { account: IVANOV, email: 'Parent@Example.ru' });
    expect(miss.headers.location).toBe(hit.headers.location);
    await sink.waitFor(before + 1);
    expect(sink.mails).toHaveLength(before + 1);
    const link = /http:\/\/localhost\/cabinet\/reset\?token=([A-Za-z0-9_-]+)/.exec(bodyOf(sink.mails.at(-1)!.data));
    expect(link).not.toBeNull();
    const token = link![1]!;
    expect(await count(t.handle, 'cabinet_reset_tokens', `token_hash = '${token}'`)).toBe(0);   // stored hashed

    const form = await anon.get(`/cabinet/reset?token=${token}`);
    expect(form.statusCode).toBe(200);
    const done = await anon.post('/cabinet/reset', { token, password: 'NewSecret77', confirm: 'NewSecret77' });
    expect(done.headers.location).toBe('/cabinet/login?m=reset');
    // The old session is gone, the new password works, the link is used up.
    expect((await b.get('/cabinet/profile')).headers.location).toBe('/cabinet/login');
    expect((await new Browser(t.app, '10.8.0.2').login(IVANOV, 'NewSecret77')).headers.location).toBe('/cabinet/');
    const again = await anon.get(`/cabinet/reset?token=${token}`);
    expect(again.statusCode).toBe(400);
    await anon.get('/cabinet/forgot');
    const reuse = await anon.post('/cabinet/reset', { token, password: 'Another777x', confirm: 'Another777x' });
    expect(reuse.statusCode).toBe(400);
    expect((await new Browser(t.app, '10.8.0.3').login(IVANOV, 'Another777x')).statusCode).toBe(401);
  });

  it('reset links expire', async () => {
    const anon = new Browser(t.app, '10.8.1.1');
    const before = sink.mails.length;
    await anon.get('/cabinet/forgot');
    await anon.post('/cabinet/forgot', { account: IVANOV, email: 'parent@example.ru' });
    await sink.waitFor(before + 1);
    const token = /token=([A-Za-z0-9_-]+)/.exec(bodyOf(sink.mails.at(-1)!.data))![1]!;
    t.clock.advance(61 * 60_000);
    expect((await anon.get(`/cabinet/reset?token=${token}`)).statusCode).toBe(400);
  });

  it('a forged Host header does not get into the letter', async () => {
    const before = sink.mails.length;
    const anon = new Browser(t.app, '10.8.2.1');
    await anon.get('/cabinet/forgot');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(anon.lastHtml)![1]!;
    await t.app.inject({
      method: 'POST', url: '/cabinet/forgot', remoteAddress: '10.8.2.1',
      headers: { host: 'evil.example', origin: 'http://evil.example', cookie: [...anon.cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: csrf, account: IVANOV, email: 'parent@example.ru' }).toString(),
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(sink.mails.slice(before).some((m) => bodyOf(m.data).includes('evil.example'))).toBe(false);
  });
});
