/**
 * Receipt numbers in the seed's form `<school>-<sequence>` ("24-001983").
 * The sequence is gapless per terminal. Several terminals in one school keep
 * printed numbers unique through a per-terminal series prefix: terminal 1 has
 * the empty series ("24-001983"), terminal 2 series "2" ("24-2001983").
 */
export function formatReceiptNumber(schoolCode: string, seq: number, series = ''): string {
  if (!Number.isSafeInteger(seq) || seq < 1) throw new RangeError(`bad receipt sequence: ${seq}`);
  return `${schoolCode}-${series}${String(seq).padStart(6, '0')}`;
}

/** The inverse, for checks: "24-001983" → { schoolCode: "24", series: "", seq: 1983 }. */
export function parseReceiptNumber(number: string, series = ''): { schoolCode: string; seq: number } | null {
  const m = /^(\d+)-(\d+)$/.exec(number);
  if (!m || !m[2]!.startsWith(series)) return null;
  const seq = Number(m[2]!.slice(series.length));
  return Number.isSafeInteger(seq) && seq > 0 ? { schoolCode: m[1]!, seq } : null;
}
