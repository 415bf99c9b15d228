import { describe, expect, it } from 'vitest';
import { formatDate, formatDateTime, formatDateTimeMany, schoolDay, zoneOffsetMinutes } from '../../src/core/datetime.js';
import { startOfDay } from '../../src/core/period.js';

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

  it('zone offsets, and the day starts the cabinet builds on them, across DST and odd offsets', () => {
    expect(zoneOffsetMinutes(Date.UTC(2018, 2, 15), 'Europe/Moscow')).toBe(180);
    expect(zoneOffsetMinutes(Date.UTC(2013, 0, 1), 'Europe/Moscow')).toBe(240); // 2011–2014: UTC+4 all year
    expect(zoneOffsetMinutes(Date.UTC(2026, 0, 1), 'Asia/Kathmandu')).toBe(345);
    expect(zoneOffsetMinutes(Date.UTC(2026, 6, 1), 'America/New_York')).toBe(-240);
    expect(zoneOffsetMinutes(Date.UTC(2026, 0, 1), 'America/New_York')).toBe(-300);
    expect(startOfDay('2018-03-15', 'Europe/Moscow').toISOString()).toBe('2018-03-14T21:00:00.000Z');
    expect(startOfDay('2026-03-08', 'America/New_York').toISOString()).toBe('2026-03-08T05:00:00.000Z'); // DST starts at 02:00 that day
    expect(startOfDay('2026-03-09', 'America/New_York').toISOString()).toBe('2026-03-09T04:00:00.000Z');
    expect(startOfDay('2026-11-24', 'Asia/Kamchatka').toISOString()).toBe('2026-11-23T12:00:00.000Z');
  });
});
