/** Russian agreement with a number: `one` for 1, 21, 101; `few` for 2–4, 22–24; `many` for 0, 5–20, 25 … */
export function plural(n: number, one: string, few: string, many: string): string {
  const m10 = Math.abs(n) % 10, m100 = Math.abs(n) % 100;
  if (m10 === 1 && m100 !== 11) return one;
  if (m10 >= 2 && m10 <= 4 && (m100 < 12 || m100 > 14)) return few;
  return many;
}

/** "1 чек", "3 чека", "6 чеков" */
export function receiptsCount(n: number): string {
  return `${n} ${plural(n, 'чек', 'чека', 'чеков')}`;
}
