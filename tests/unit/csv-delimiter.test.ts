import iconv from 'iconv-lite';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { decodeText } from '../../src/server/admin/text.js';
import { detectCsvDelimiter } from '../../src/server/csv.js';

const rows = (text: string) => parse(text, { delimiter: detectCsvDelimiter(text), relax_column_count: true, skip_empty_lines: true, bom: true }) as string[][];

describe('detectCsvDelimiter', () => {
  it('a Windows-1251 bank registry with ";" and decimal commas in every amount', () => {
    const file = iconv.encode([
      'Номер платежа;Дата;Лицевой счёт;Сумма;Плательщик',
      '100045871;14.03.2026;0242013137;500,00;Иванова Мария Петровна',
      '100045872;14.03.2026 18:40;0242013145;1 000,00;Петров Сергей Иванович',
    ].join('\r\n'), 'win1251');
    const text = decodeText(file);
    expect(detectCsvDelimiter(text)).toBe(';');
    expect(rows(text)[1]).toEqual(['100045871', '14.03.2026', '0242013137', '500,00', 'Иванова Мария Петровна']);
  });

  it('";" without a header, even when a payer\'s address has more commas than the line has fields', () => {
    const text = [
      '1;14.03.2026;0242013137;500,00;Иванова М.П., г. Тверь, ул. Ленина, д. 5, кв. 3',
      '2;14.03.2026;0242013145;250,50;Петров С.И.',
    ].join('\n');
    expect(detectCsvDelimiter(text)).toBe(';');
  });

  it('a district file with ";" and benefits separated by commas', () => {
    expect(detectCsvDelimiter('ФИО;Школа;Класс;Льготы\nБеляев Кирилл;24;2б;1-4 классы, многодетные\n')).toBe(';');
  });

  it('comma-separated, amounts and names with commas quoted', () => {
    const text = 'W-1,15.03.2026,0242013137,"120,00","Иванова, Мария"\nW-2,15.03.2026,0242013137,"0,00",Иванова\n';
    expect(detectCsvDelimiter(text)).toBe(',');
    expect(rows(text)[0]).toEqual(['W-1', '15.03.2026', '0242013137', '120,00', 'Иванова, Мария']);
  });

  it('comma-separated with a quoted ";" in the header', () => {
    expect(detectCsvDelimiter('"Категория; раздел",Наименование,Цена\nВыпечка,Пицца,"36,00"\n')).toBe(',');
  });

  it('tab-separated, with commas in amounts and names', () => {
    const text = 'Номер\tДата\tСчёт\tСумма\tПлательщик\n1\t14.03.2026\t0242013137\t500,00\tИванова, Мария\n';
    expect(detectCsvDelimiter(text)).toBe('\t');
    expect(rows(text)[1]).toEqual(['1', '14.03.2026', '0242013137', '500,00', 'Иванова, Мария']);
  });

  it('quoted fields full of other delimiters, escaped quotes and line breaks do not count', () => {
    const text = 'a;"b, c, d, e";"f ""g, h"", i"\n"x,\ny,z";2;3\n';
    expect(detectCsvDelimiter(text)).toBe(';');
    expect(rows(text)).toEqual([['a', 'b, c, d, e', 'f "g, h", i'], ['x,\ny,z', '2', '3']]);
  });

  it('skips blank lines and a BOM; a title line above the table goes by the totals', () => {
    expect(detectCsvDelimiter('\uFEFF\r\n\r\nФИО;Школа;Класс\r\n')).toBe(';');
    expect(detectCsvDelimiter('Реестр платежей за 14.03.2026\n1;14.03.2026;0242013137;5;Я\n2;14.03.2026;0242013137;5;Я\n')).toBe(';');
  });

  it('ties go to ";" then tab; a file with no candidate is read with ","', () => {
    expect(detectCsvDelimiter('a;b,c\n')).toBe(';');
    expect(detectCsvDelimiter('a\tb,c\n')).toBe('\t');
    expect(detectCsvDelimiter('a;b\tc\n')).toBe(';');
    expect(detectCsvDelimiter('ФИО\nИванов Иван\n')).toBe(',');
    expect(detectCsvDelimiter('')).toBe(',');
  });

  it('looks only at the first five lines', () => {
    const text = ['a;b', 'c;d', 'e;f', 'g;h', 'i;j', ...Array.from({ length: 20 }, () => 'k,l,m,n,o')].join('\n');
    expect(detectCsvDelimiter(text)).toBe(';');
  });
});
