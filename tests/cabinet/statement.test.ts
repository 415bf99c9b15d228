import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Browser, startCabinet, textOf, saleEntry, type CabinetTest, balanceOf, count } from './helpers.js';

const IVANOV = '0242013137';
const SIDOROV = '0242013153';
const XSS = '<script>alert(1)</script><img src=x onerror=alert(2)> Пицца "125 г"';

let t: CabinetTest;
let b: Browser;
beforeAll(async () => {
  t = await startCabinet();
  // 16.03.2026 09:00 UTC = 12:00 Moscow. Two sales today, one 10 days ago, one for another pupil.
  const day = 86_400_000;
  const res = await t.push([
    saleEntry(t, IVANOV, [{ name: 'Пицца 125 г', amount: 3450 }, { name: 'Сок в ассортименте 200 г', amount: 1320 }], new Date(t.clock.t - 10 * day)),
    saleEntry(t, IVANOV, [{ name: 'Каша гречневая рассыпчатая 150 г', amount: 830 }, { name: XSS, amount: 100 }]),
    saleEntry(t, IVANOV, [{ name: 'Булочка ванильная с изюмом 110 г', amount: 1650 }], new Date(t.clock.t + 60_000)),
    saleEntry(t, SIDOROV, [{ name: 'Секретный обед Сидорова', amount: 5000 }]),
  ]);
  expect(res.status).toBe(200);
  b = new Browser(t.app, '10.5.0.1');
  await b.login(IVANOV, 'demo-0242013137');
}, 60_000);
afterAll(async () => { await t?.close(); });

describe('statement', () => {
  it('shows opening and closing balances, one line per entry, dish lines on request, totals', async () => {
    const res = await b.get('/cabinet/statement?range=2w&details=1');
    expect(res.statusCode).toBe(200);
    const text = textOf(res.body);
    // Opening 677,66 (demo correction before the period), then 47,70 + 9,30 + 16,50 spent.
    expect(text).toContain('Остаток на начало: 677,66 руб.');
    expect(text).toContain('Остаток на конец: 604,16 руб.');
    expect(text).toContain('Итого за период 73,50 руб. 0,00 руб.');
    expect(text).toContain('Пицца 125 г 34,50 руб.');
    expect(text).toContain('Сок в ассортименте 200 г 13,20 руб.');
    expect(text).toMatch(/06\.03\.2026 12:00 Чек №24-\d+/);
    expect((res.body.match(/class="entry entry-sale"/g) ?? []).length).toBe(3);
    expect(await balanceOf(t.handle, IVANOV)).toBe(67766 - 4770 - 930 - 1650);
    expect(textOf(b.lastHtml)).toContain('Текущий остаток: 604,16 руб.');
  });

  it('a running balance column: the opening balance plus each entry, to the kopeck', async () => {
    const res = await b.get('/cabinet/statement?range=2w&details=1');
    const balances = [...res.body.matchAll(/<td class="num balance">([^<]+)<\/td>/g)].map((m) => m[1]);
    // 677,66 − 47,70 = 629,96; − 9,30 = 620,66; − 16,50 = 604,16 (the closing balance).
    expect(balances).toEqual(['629,96 руб.', '620,66 руб.', '604,16 руб.']);
    expect(textOf(res.body)).toContain('Остаток на начало периода 677,66 руб.');
  });

  it('without details lists receipts but not their dishes', async () => {
    const res = await b.get('/cabinet/statement?range=2w');
    expect(textOf(res.body)).not.toContain('Сок в ассортименте');
    expect((res.body.match(/class="entry entry-sale"/g) ?? []).length).toBe(3);
  });

  it('quick ranges and date pickers pick whole days in the school time zone', async () => {
    const two = textOf((await b.get('/cabinet/statement?range=2d&details=1')).body);
    expect(two).toContain('за период с 15.03.2026 по 16.03.2026');
    expect(two).not.toContain('Пицца 125 г');          // 10 days ago
    expect(two).toContain('Остаток на начало: 629,96 руб.');
    const picked = textOf((await b.get('/cabinet/statement?from=2026-03-06&to=2026-03-06&details=1')).body);
    expect(picked).toContain('Пицца 125 г');
    expect(picked).not.toContain('Каша гречневая');
    expect(picked).toContain('Остаток на конец: 629,96 руб.');
  });

  it('shows a dish name with HTML/JS in it as text, escaped', async () => {
    const res = await b.get('/cabinet/statement?range=2d&details=1');
    expect(res.body).not.toContain('<script>alert(1)</script>');
    expect(res.body).not.toContain('<img src=x');
    expect(res.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt; Пицца &quot;125 г&quot;');
    expect(res.body).not.toMatch(/<script/i);
  });

  it('another account named in the URL is refused (not linked to this login); other ids are ignored', async () => {
    for (const url of [`/cabinet/statement?range=30d&details=1&account=${SIDOROV}`, `/cabinet/statement.pdf?range=30d&account=${SIDOROV}`]) {
      const res = await b.get(url);
      expect(res.statusCode).toBe(404);
      expect(textOf(res.body)).toContain('не привязан к вашему личному кабинету');
      expect(textOf(res.body)).not.toContain('Секретный обед');
    }
    const res = await b.get(`/cabinet/statement?range=30d&details=1&accountNumber=${SIDOROV}`);
    expect(res.statusCode).toBe(200);
    expect(textOf(res.body)).not.toContain('Секретный обед');
    expect(textOf(res.body)).toContain(IVANOV);
    expect(textOf(res.body)).not.toContain(SIDOROV);
    // Another account's payment id on the return page: not found.
    const other = await b.get('/cabinet/topup/return?payment=00000000-0000-7000-8000-000000000001');
    expect(other.statusCode).toBe(404);
  });

  it('refuses bad periods with a Russian message', async () => {
    for (const [q, msg] of [
      ['from=2026-03-10&to=2026-03-01', 'Дата начала периода позже даты конца'],
      ['from=2026-02-30&to=2026-03-01', 'Неверная дата начала периода'],
      ['from=2020-01-01&to=2026-03-01', 'не может быть длиннее'],
      ["from=2026-03-01'%20OR%201=1--&to=2026-03-02", 'Неверная дата начала периода'],
    ] as const) {
      const res = await b.get(`/cabinet/statement?${q}`);
      expect(res.statusCode).toBe(400);
      expect(textOf(res.body)).toContain(msg);
    }
  });

  it('exports a PDF', async () => {
    const res = await b.get('/cabinet/statement.pdf?range=2w&details=1');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    expect(res.rawPayload.length).toBeGreaterThan(2000);
    expect(String(res.headers['content-disposition'])).toContain(`statement-${IVANOV}-2026-03-03-2026-03-16.pdf`);
  });

  it('the PDF never draws a wrapped dish name over the next line: pdftotext reads every name whole and in order', async () => {
    const dishes = [
      'Котлета из говядины рубленая с соусом томатным и картофельным пюре на сливочном масле 100 г',
      'Сок яблочный осветлённый восстановленный в индивидуальной упаковке с трубочкой 200 мл',
      'Салат из свежей капусты с морковью, яблоком и растительным маслом 60 г',
      'Хлеб пшеничный 30 г',
      'Компот из смеси сухофруктов с витамином С для детского питания 200 мл',
    ];
    const amounts = [1000, 1125, 1250, 1400, 1500];   // the bread is two at 7,00
    const res0 = await t.push([saleEntry(t, IVANOV, dishes.map((name, i) => ({ name, amount: amounts[i]!, quantity: i === 3 ? 2 : 1 })), new Date(t.clock.t + 120_000))]);
    expect(res0.status).toBe(200);
    const res = await b.get('/cabinet/statement.pdf?range=2d&details=1');
    expect(res.statusCode).toBe(200);
    const dir = mkdtempSync(path.join(tmpdir(), 'canteen-pdf-'));
    try {
      const file = path.join(dir, 's.pdf');
      writeFileSync(file, res.rawPayload);
      const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
      // Amounts, dates and times stand in their own columns; what is left, read line by line, must give each name unbroken.
      const words = text.split(/\s+/).filter((w) => w && !/^(\d+,\d{2}|\d{2}\.\d{2}\.\d{4}|\d{2}:\d{2}|руб\.)$/.test(w));
      const stream = words.join(' ');
      let at = 0;
      for (const [i, dish] of dishes.entries()) {
        const name = i === 3 ? `${dish} × 2` : dish;
        const found = stream.indexOf(name, at);
        expect(found, `«${name}» whole and after the previous dish in:\n${text}`).toBeGreaterThanOrEqual(at);
        at = found + name.length;
      }
      // The prices and the running balance are there, each once per row.
      const totals = text.match(/\d+,\d{2}/g) ?? [];
      for (const a of amounts) expect(totals).toContain((a / 100).toFixed(2).replace('.', ','));
      expect(totals).toContain('541,41');   // 604,16 − 62,75: the running balance after the receipt
      // No line of the layout holds two dishes' words: a line with words of one long name holds none of another's.
      const distinctive = ['Котлета', 'картофельным', 'Сок', 'упаковке', 'Салат', 'растительным', 'Компот', 'витамином'];
      const owner = (w: string) => dishes.findIndex((d) => d.includes(w));
      for (const line of text.split('\n')) {
        const owners = new Set(distinctive.filter((w) => line.includes(w)).map(owner));
        expect(owners.size, line).toBeLessThanOrEqual(1);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the print stylesheet hides navigation and forms', async () => {
    const css = await b.get('/cabinet/assets/cabinet.css');
    expect(css.body).toMatch(/@media print[\s\S]*\.noprint/);
  });

  it('SQL in every statement input changes nothing and leaks nothing', async () => {
    const before = await count(t.handle, 'entries');
    for (const q of ["range=2d'--", "details=1';DROP TABLE entries;--", "from=x');DELETE FROM accounts;--&to=2026-03-01"]) {
      const res = await b.get(`/cabinet/statement?${q}`);
      expect([200, 400]).toContain(res.statusCode);
      expect(textOf(res.body)).not.toContain('Секретный обед');
    }
    expect(await count(t.handle, 'entries')).toBe(before);
    expect(await count(t.handle, 'accounts')).toBeGreaterThan(5);
  });
});
