import { describe, expect, it } from 'vitest';
import { formatDate, formatDateTime, formatDateTimeMany, schoolDay } from '../../src/core/datetime.js';

describe('datetime at the edges', () => {
  it('formats the seed receipt time in the school zone', () => {
    const at = '2018-03-15T07:42:10Z'; // 10:42 in Moscow (UTC+3)
    expect(formatDateTime(at, 'Europe/Moscow')).toBe('15.03.2018 10:42');
    expect(formatDate(at, 'Europe/Moscow')).toBe('15.03.2018');
    expect(schoolDay(at, 'Europe/Moscow')).toBe('2018-03-15');
    expect(formatDateTime(at, 'Asia/Vladivostok')).toBe('15.03.2018 17:42');
  });

  it('puts an instant near midnight on the school day of its zone', () => {
    const at = '2026-11-23T21:30:00Z';
    expect(schoolDay(at, 'Europe/Moscow')).toBe('2026-11-24');
    expect(schoolDay(at, 'Europe/Kaliningrad')).toBe('2026-11-23');
  });

  it('the fast statement formatter agrees with formatDateTime across zones, DST and odd offsets', () => {
    const zones = ['Europe/Moscow', 'Europe/Kaliningrad', 'Asia/Yekaterinburg', 'Asia/Kamchatka', 'Europe/Berlin', 'Asia/Kolkata', 'Asia/Kathmandu'];
    let t = Date.UTC(2010, 0, 1);
    const step = 7 * 3600_000 + 13 * 60_000 + 17_000; // walks through every hour and minute
    for (let i = 0; i < 4000; i++, t += step) {
      for (const z of zones) expect(formatDateTimeMany(new Date(t), z)).toBe(formatDateTime(new Date(t), z));
    }
  });
});
