import { describe, expect, it } from 'vitest';
import { cycleDayOf } from '../../src/core/menu-cycle.js';

describe('cycle menu day of a date', () => {
  const tenDays = { startsOn: '2026-09-01', lengthDays: 10, weekdays: [1, 2, 3, 4, 5] }; // Tuesday 1 September 2026

  it('counts school days only and wraps after the last day', () => {
    expect(cycleDayOf(tenDays, '2026-09-01')).toBe(1);
    expect(cycleDayOf(tenDays, '2026-09-04')).toBe(4);   // Friday
    expect(cycleDayOf(tenDays, '2026-09-05')).toBeNull(); // Saturday: no school
    expect(cycleDayOf(tenDays, '2026-09-07')).toBe(5);   // Monday
    expect(cycleDayOf(tenDays, '2026-09-14')).toBe(10);
    expect(cycleDayOf(tenDays, '2026-09-15')).toBe(1);
    expect(cycleDayOf(tenDays, '2026-08-31')).toBeNull(); // before the start
  });

  it('a holiday is skipped: the cycle resumes where it stopped', () => {
    const spec = { ...tenDays, holidays: new Set(['2026-09-02']) };
    expect(cycleDayOf(spec, '2026-09-02')).toBeNull();
    expect(cycleDayOf(spec, '2026-09-03')).toBe(2);
  });

  it('a 14-day cycle over a six-day week', () => {
    const spec = { startsOn: '2026-09-01', lengthDays: 14, weekdays: [1, 2, 3, 4, 5, 6] };
    expect(cycleDayOf(spec, '2026-09-05')).toBe(5);
    expect(cycleDayOf(spec, '2026-09-16')).toBe(14);
    expect(cycleDayOf(spec, '2026-09-17')).toBe(1);
  });
});
