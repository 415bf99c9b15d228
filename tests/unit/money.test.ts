import { describe, expect, it } from 'vitest';
import { formatAmount, formatMoney, parseMoney } from '../../src/core/money.js';
import { shortName } from '../../src/core/receipt.js';

describe('money', () => {
  it('parses the seed formats into kopecks', () => {
    expect(parseMoney('49,61')).toBe(4961);
    expect(parseMoney('49.61')).toBe(4961);
    expect(parseMoney('8,3')).toBe(830);
    expect(parseMoney('500')).toBe(50000);
    expect(parseMoney('-5,43')).toBe(-543);
    expect(parseMoney('1 234,50 ₽')).toBe(123450);
    expect(parseMoney('677,66 руб.')).toBe(67766);
  });
  it('rejects garbage', () => {
    for (const bad of ['', 'abc', '1,234', '1.2.3', '--1', '12,3a']) expect(() => parseMoney(bad)).toThrow(/Неверная сумма/);
  });
  it('formats kopecks', () => {
    expect(formatAmount(4961)).toBe('49,61');
    expect(formatAmount(5)).toBe('0,05');
    expect(formatAmount(-830)).toBe('-8,30');
    expect(formatMoney(123456)).toBe('1\u00a0234,56\u00a0₽');
    expect(() => formatAmount(1.5)).toThrow();
  });
  it('round-trips', () => {
    for (const k of [0, 1, 99, 100, 4961, 58131, -9635]) expect(parseMoney(formatAmount(k))).toBe(k);
  });
  it('prints a pupil as initials only (152-ФЗ), also a name stored before in the old form', () => {
    expect(shortName('Иванов Иван Иванович')).toBe('И. И. И.');
    expect(shortName('Петрова Анна Сергеевна')).toBe('А. С. П.');
    expect(shortName('  ёлкина  мария ')).toBe('М. Ё.');
    expect(shortName('Сидоров')).toBe('С.');
    expect(shortName('Иванов И.И.')).toBe('И. И. И.');
    expect(shortName('А. С. П.')).toBe('А. С. П.');
    expect(shortName('')).toBe('');
  });
});
