import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { Browser, count, pushTempPassword, startCabinet, textOf, type CabinetTest } from './helpers.js';
import { BAD_LOGIN } from '../../src/server/cabinet/auth.js';

const PETROVA = '0242013145';   // demo pupil without a permanent password
const VOLKOV = '0242013195';    // another one
const IVANOV = '0242013137';    // demo permanent password "demo-0242013137"

let t: CabinetTest;
/** What throttled logins were made to wait (recorded instead of slept). */
const delays: number[] = [];
beforeAll(async () => {
  t = await startCabinet({ cabinet: { delay: async (ms) => { delays.push(ms); } } });
  await pushTempPassword(t, PETROVA, 'k7mq3xpt');
  await pushTempPassword(t, VOLKOV, 'h4nr8wze');
}, 60_000);
afterAll(async () => { await t?.close(); });

async function row(account: string) {
  const res = (await t.handle.db.execute(sql`SELECT permanent_password_hash AS p, temp_password_hash AS t FROM accounts WHERE account_number = ${account}`)) as unknown as { rows: { p: string | null; t: string | null }[] };
  return res.rows[0]!;
}

describe('login with the receipt password', () => {
  it('logs in with the temporary password and forces a permanent one (twice, rules shown)', async () => {
    const b = new Browser(t.app, '10.1.0.1');
    const res = await b.login(PETROVA, 'k7mq3xpt');
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/cabinet/password');
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/cabinet_sid=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);

    // Every other page sends the parent back to the password form.
    const profile = await b.get('/cabinet/profile');
    expect(profile.headers.location).toBe('/cabinet/password');
    const form = await b.get('/cabinet/password');
    expect(textOf(form.body)).toContain('Установка постоянного пароля');
    expect(textOf(form.body)).toContain('не короче 8 символов');
    expect(textOf(form.body)).toContain('Подтвердите новый пароль');

    const mismatch = await b.post('/cabinet/password', { password: 'Sunflower42', confirm: 'Sunflower43' });
    expect(mismatch.statusCode).toBe(400);
    expect(textOf(mismatch.body)).toContain('Пароли не совпадают');
    const weak = await b.post('/cabinet/password', { password: 'short', confirm: 'short' });
    expect(textOf(weak.body)).toContain('не короче 8 символов');
    const same = await b.post('/cabinet/password', { password: 'k7mq3xpt', confirm: 'k7mq3xpt' });
    expect(textOf(same.body)).toContain('не должен совпадать с временным паролем');
    expect((await row(PETROVA)).p).toBeNull();

    const ok = await b.post('/cabinet/password', { password: 'Sunflower42', confirm: 'Sunflower42' });
    expect(ok.statusCode).toBe(303);
    const r = await row(PETROVA);
    expect(r.p).toMatch(/^\$argon2id\$/);
    expect(r.t).toBeNull();
    const page = await b.get('/cabinet/profile');
    expect(page.statusCode).toBe(200);
    expect(textOf(page.body)).toContain('Петрова Анна Сергеевна');
    expect(textOf(page.body)).toContain('03А');
    expect(textOf(page.body)).toContain('Школа №24');

    // The receipt password no longer works; the permanent one does.
    expect((await new Browser(t.app, '10.1.0.2').login(PETROVA, 'k7mq3xpt')).statusCode).toBe(401);
    expect((await new Browser(t.app, '10.1.0.2').login(PETROVA, 'Sunflower42')).headers.location).toBe('/cabinet/');
  });

  it('a terminal cannot replace a permanent password with a new temporary one', async () => {
    await pushTempPassword(t, PETROVA, 'zzzz2222');
    expect((await row(PETROVA)).t).toBeNull();
    expect((await new Browser(t.app, '10.1.0.3').login(PETROVA, 'zzzz2222')).statusCode).toBe(401);
  });

  it('answers the same for an unknown account, a wrong password and a malformed number', async () => {
    const bodies: string[] = [];
    for (const [acc, pw] of [[IVANOV, 'wrong-pass1'], ['0242099999', 'wrong-pass1'], ['abc', 'x'], [IVANOV, '']]) {
      const res = await new Browser(t.app, `10.2.0.${bodies.length + 1}`).login(acc!, pw!);
      expect(res.statusCode).toBe(401);
      bodies.push(/<div class="error"[^>]*>([\s\S]*?)<\/div>/.exec(res.body)![1]!);
    }
    expect(new Set(bodies).size).toBe(1);
    expect(bodies[0]).toContain(BAD_LOGIN);
  });

  it('logout ends the session on the server', async () => {
    const b = new Browser(t.app, '10.3.0.1');
    await b.login(IVANOV, 'demo-0242013137');
    const sid = b.cookies.get('cabinet_sid')!;
    await b.get('/cabinet/profile');
    const out = await b.post('/cabinet/logout', {});
    expect(out.headers.location).toBe('/cabinet/login?m=bye');
    // Even a copy of the old cookie is worthless now.
    const replay = new Browser(t.app, '10.3.0.1');
    replay.cookies.set('cabinet_sid', sid);
    expect((await replay.get('/cabinet/profile')).headers.location).toBe('/cabinet/login');
  });

  it('sessions expire when idle', async () => {
    const b = new Browser(t.app, '10.3.0.2');
    await b.login(IVANOV, 'demo-0242013137');
    expect((await b.get('/cabinet/profile')).statusCode).toBe(200);
    t.clock.advance(31 * 60_000);
    expect((await b.get('/cabinet/profile')).headers.location).toBe('/cabinet/login');
  });

  it('stores session ids hashed, never as sent', async () => {
    const b = new Browser(t.app, '10.3.0.3');
    await b.login(IVANOV, 'demo-0242013137');
    const sid = b.cookies.get('cabinet_sid')!;
    expect(await count(t.handle, 'cabinet_sessions', `id_hash = '${sid.replace(/'/g, "''")}'`)).toBe(0);
    expect(await count(t.handle, 'cabinet_sessions', `account_number = '${IVANOV}'`)).toBeGreaterThan(0);
  });
});

describe('guessing', () => {
  it('a flood from one address slows that address down, growing, but the right parent gets in from it and from another', async () => {
    const b = new Browser(t.app, '10.9.9.9');
    const statuses: number[] = [];
    const before = delays.length;
    // Numbers next to the demo ones, as an attacker would walk them (none reaches 5 tries: no account lock).
    for (let i = 0; i < 22; i++) {
      const acc = String(242013137 + 8 + i * 8).padStart(10, '0');
      statuses.push((await b.login(acc, '12345678a')).statusCode);
    }
    expect(statuses.every((s) => s === 401)).toBe(true);
    // Ten free failures, then each attempt waits before it is checked: 0.5 s, doubling, up to 10 s.
    expect(delays.slice(before)).toEqual([500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000, 10_000, 10_000, 10_000, 10_000]);

    // Not a wall: the right password from the same address still logs in (after the wait) …
    const same = await b.login(IVANOV, 'demo-0242013137');
    expect(same.headers.location).toBe('/cabinet/');
    expect(delays.at(-1)).toBe(10_000);
    // … and from another address at once.
    const n = delays.length;
    expect((await new Browser(t.app, '10.9.9.10').login(IVANOV, 'demo-0242013137')).headers.location).toBe('/cabinet/');
    expect(delays.length).toBe(n);
    // Guessing from the flooding address is still slowed.
    expect((await b.login('0242000000', 'nope-nope1')).statusCode).toBe(401);
    expect(delays.at(-1)).toBe(10_000);
  });

  it('one account attacked from many addresses is locked for new browsers, but not for the browser its parent logged in from', async () => {
    const parent = new Browser(t.app, '172.16.9.9');
    expect((await parent.login(VOLKOV, 'h4nr8wze')).statusCode).toBe(303);
    expect(parent.cookies.get('cabinet_dev')).toMatch(new RegExp(`^${VOLKOV}\\.`));

    for (let i = 0; i < 5; i++) expect((await new Browser(t.app, `172.16.0.${i}`).login(VOLKOV, `guess${i}guess`)).statusCode).toBe(401);
    const stranger = await new Browser(t.app, '172.16.1.1').login(VOLKOV, 'h4nr8wze');
    expect(stranger.statusCode).toBe(429);
    expect(b(stranger.body)).toContain('Слишком много неудачных попыток');

    // The parent's own phone: the lock does not apply, the password still does.
    expect((await parent.login(VOLKOV, 'wrong-guess1')).statusCode).toBe(401);
    const own = await parent.login(VOLKOV, 'h4nr8wze');
    expect(own.statusCode).toBe(303);
    expect(parent.cookies.has('cabinet_sid')).toBe(true);

    // A forged or another account's device cookie is no exemption.
    const forger = new Browser(t.app, '172.16.1.2');
    forger.cookies.set('cabinet_dev', `${VOLKOV}.${Math.floor(Date.now() / 1000)}.${'A'.repeat(43)}`);
    expect((await forger.login(VOLKOV, 'h4nr8wze')).statusCode).toBe(429);
    const other = new Browser(t.app, '172.16.1.3');
    await other.login(IVANOV, 'demo-0242013137');
    expect((await other.login(VOLKOV, 'h4nr8wze')).statusCode).toBe(429);

    // Unknown numbers lock the same way: a lockout does not reveal that an account exists.
    for (let i = 0; i < 5; i++) await new Browser(t.app, `172.17.0.${i}`).login('0242099991', `guess${i}guess`);
    expect((await new Browser(t.app, '172.17.1.1').login('0242099991', 'whatever1')).statusCode).toBe(429);
  });
});

function b(html: string) { return textOf(html); }


describe('forms and headers', () => {
  it('refuses a login POST without the CSRF token, or from another origin', async () => {
    const b1 = new Browser(t.app, '10.4.0.1');
    await b1.get('/cabinet/login');
    const noToken = await b1.post('/cabinet/login', { account: IVANOV, password: 'demo-0242013137' }, { csrf: null });
    expect(noToken.statusCode).toBe(403);
    const foreign = await b1.post('/cabinet/login', { account: IVANOV, password: 'demo-0242013137' }, { origin: 'https://evil.example' });
    expect(foreign.statusCode).toBe(403);
    expect(b1.cookies.has('cabinet_sid')).toBe(false);
  });

  it('refuses a logged-in form with a token from another session; nothing changes', async () => {
    const victim = new Browser(t.app, '10.4.0.2');
    await victim.login(IVANOV, 'demo-0242013137');
    await victim.get('/cabinet/controls');
    const attacker = new Browser(t.app, '10.4.0.3');
    await attacker.login('0242013153', 'demo-0242013153');
    await attacker.get('/cabinet/controls');
    const attackerToken = /name="_csrf" value="([^"]+)"/.exec(attacker.lastHtml)![1]!;
    const res = await victim.post('/cabinet/controls/limit', { limit: '1,00' }, { csrf: attackerToken });
    expect(res.statusCode).toBe(403);
    const noToken = await victim.post('/cabinet/controls/limit', { limit: '1,00' }, { csrf: null });
    expect(noToken.statusCode).toBe(403);
    const res2 = (await t.handle.db.execute(sql`SELECT daily_limit FROM accounts WHERE account_number = ${IVANOV}`)) as unknown as { rows: { daily_limit: number | null }[] };
    expect(res2.rows[0]!.daily_limit).toBeNull();
  });

  it('sends a strict Content-Security-Policy and the usual headers; pages have no scripts', async () => {
    const res = await new Browser(t.app, '10.4.0.4').get('/cabinet/login');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("form-action 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['referrer-policy']).toBe('same-origin');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).not.toMatch(/<script|\son\w+=/i);
  });

  it('leaves the terminal API alone (no cabinet headers on sync routes)', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/health' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-security-policy']).toBeUndefined();
  });
});
