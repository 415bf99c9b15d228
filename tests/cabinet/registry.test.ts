import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import iconv from 'iconv-lite';
import { balanceOf, count, startCabinet, type CabinetTest } from './helpers.js';
import { importRegistry } from '../../src/server/cabinet/registry-import.js';
import { parseRegistry, decodeRegistry } from '../../src/server/cabinet/registry.js';

const IVANOV = '0242013137';
const PETROVA = '0242013145';

const FILE = [
  'Номер платежа;Дата;Лицевой счёт;Сумма;Плательщик',
  'SB-1001;14.03.2026;0242013137;500,00;Иванова Мария Петровна',
  'SB-1002;14.03.2026 10:15;0242013145;250,50;Петров Сергей',
  'SB-1003;14.03.2026;0249999999;100,00;Неизвестный',       // unknown account
  'SB-1004;14.03.2026;0242013137;-50,00;Иванова М.П.',       // bad amount
  'SB-1005;14.03.2026;0242013137;сто;Иванова М.П.',          // bad amount
  'SB-1002;14.03.2026;0242013145;250,50;Петров Сергей',      // duplicate within the file
  'SB-1006;31.02.2026;0242013137;10,00;Иванова М.П.',        // bad date
  'SB-1007;15.03.2026;02420131;10,00;Иванова М.П.',          // bad account number
  "SB-1008';DROP TABLE entries;--;15.03.2026;0242013137;10,00;x", // SQL as payment id
  'SB-1009;2026-03-15;0242013137;1 000;Иванова М.П.',
].join('\r\n');

let t: CabinetTest;
beforeAll(async () => { t = await startCabinet(); }, 60_000);
afterAll(async () => { await t?.close(); });

describe('bank registry import', () => {
  it('detects UTF-8 and Windows-1251', () => {
    expect(decodeRegistry(Buffer.from(FILE, 'utf8')).encoding).toBe('utf-8');
    expect(decodeRegistry(Buffer.from('\uFEFF' + FILE, 'utf8')).text.startsWith('Номер')).toBe(true);
    const cp = iconv.encode(FILE, 'win1251');
    const d = decodeRegistry(cp);
    expect(d.encoding).toBe('windows-1251');
    expect(d.text).toContain('Иванова Мария Петровна');
  });

  it('credits good lines once, reports bad, unknown and duplicate ones without stopping (UTF-8)', async () => {
    const ivanov = await balanceOf(t.handle, IVANOV);
    const petrova = await balanceOf(t.handle, PETROVA);
    const entries = await count(t.handle, 'entries');
    const r = await importRegistry(t.handle.db, Buffer.from(FILE, 'utf8'), { source: 'sber', now: t.clock.now });
    expect(r.encoding).toBe('utf-8');
    expect(r.credited.map((c) => c.paymentId)).toEqual(['SB-1001', 'SB-1002', 'SB-1009']);
    expect(r.totalCredited).toBe(50000 + 25050 + 100000);
    expect(r.rejected.map((x) => [x.line, x.reason])).toEqual([
      [4, 'unknownAccount'], [5, 'badAmount'], [6, 'badAmount'], [7, 'duplicate'], [8, 'badDate'], [9, 'badAccount'], [10, 'badPaymentId'],
    ]);
    for (const x of r.rejected) expect(x.message).toMatch(/[а-я]/);
    expect(await balanceOf(t.handle, IVANOV)).toBe(ivanov + 150000);
    expect(await balanceOf(t.handle, PETROVA)).toBe(petrova + 25050);
    expect(await count(t.handle, 'entries')).toBe(entries + 3);
    expect(await count(t.handle, 'entries', "kind = 'topUp'")).toBe(3);
  });

  it('the same file again credits nothing: every good line is a duplicate', async () => {
    const ivanov = await balanceOf(t.handle, IVANOV);
    const r = await importRegistry(t.handle.db, Buffer.from(FILE, 'utf8'), { source: 'sber', now: t.clock.now });
    expect(r.credited).toEqual([]);
    expect(r.rejected.filter((x) => x.reason === 'duplicate').map((x) => x.paymentId)).toEqual(['SB-1001', 'SB-1002', 'SB-1002', 'SB-1009']);
    expect(await balanceOf(t.handle, IVANOV)).toBe(ivanov);
  });

  it('the same file in Windows-1251 is read the same way and is also all duplicates', async () => {
    const r = await importRegistry(t.handle.db, iconv.encode(FILE, 'win1251'), { source: 'sber', now: t.clock.now });
    expect(r.encoding).toBe('windows-1251');
    expect(r.credited).toEqual([]);
    expect(r.rejected).toHaveLength(10);
  });

  it('a new Windows-1251 file with good, bad and duplicate lines, comma-separated with quoted amounts', async () => {
    const text = [
      'W-1;15.03.2026;0242013137;"120,00";"Иванова, Мария"',
      'W-2;15.03.2026;0242013137;"0,00";Иванова',
      'W-1;15.03.2026;0242013137;"120,00";"Иванова, Мария"',
    ].join('\n').replace(/;/g, ',');
    const before = await balanceOf(t.handle, IVANOV);
    const r = await importRegistry(t.handle.db, iconv.encode(text, 'win1251'), { source: 'vtb', now: t.clock.now });
    expect(r.encoding).toBe('windows-1251');
    expect(r.credited).toHaveLength(1);
    expect(r.rejected.map((x) => x.reason)).toEqual(['badAmount', 'duplicate']);
    expect(await balanceOf(t.handle, IVANOV)).toBe(before + 12000);
    const [payer] = (await t.handle.db.execute((await import('drizzle-orm')).sql`SELECT payer FROM cabinet_payments WHERE external_id = 'W-1'`) as unknown as { rows: { payer: string }[] }).rows;
    expect(payer!.payer).toBe('Иванова, Мария');
  });

  it('parses dates in the school time zone', () => {
    const p = parseRegistry(Buffer.from('X-1;14.03.2026 10:15;0242013137;5;Я'), 'Europe/Moscow');
    expect(p.lines[0]!.paidAt).toBe('2026-03-14T07:15:00.000Z');
  });

  it('the sample file in docs parses without rejections', async () => {
    const { readFileSync } = await import('node:fs');
    const p = parseRegistry(readFileSync('docs/samples/registry-sample.csv'), 'Europe/Moscow');
    expect(p.rejected).toEqual([]);
    expect(p.lines.length).toBeGreaterThan(1);
  });
});
