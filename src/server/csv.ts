/**
 * The field delimiter of a CSV file that came from a district, a canteen or a
 * bank: ';' (Excel on Russian Windows, bank registries), tab, or ','. One rule
 * for every importer (pupils, menus, bank registries):
 *
 * - count each candidate outside double quotes on the first few non-blank
 *   lines (the header, or the first data lines when there is none);
 * - the candidate that stands most often in every one of those lines wins
 *   (a delimiter is on every line; commas in "500,00" or in a payer's
 *   address come and go from line to line);
 * - a tie goes to ';', then tab, then ',': in a ';' or tab file commas are
 *   data (amounts, names), while a ',' file must quote such fields;
 * - when no candidate is on every line (a title line above the table), the
 *   most frequent one over those lines wins, with the same tie order; a file
 *   with none at all is read with ','.
 */
export type CsvDelimiter = ';' | '\t' | ',';

/** Tie order, most preferred first. */
const CANDIDATES: readonly CsvDelimiter[] = [';', '\t', ','];

/** How many non-blank lines (records: a quoted field may span lines) are looked at. */
export const DELIMITER_SAMPLE_LINES = 5;

export function detectCsvDelimiter(text: string): CsvDelimiter {
  const lines = countDelimiters(text, DELIMITER_SAMPLE_LINES);
  if (lines.length === 0) return ',';
  const pick = (score: (d: CsvDelimiter) => number): CsvDelimiter | null => {
    let best: CsvDelimiter | null = null;
    let bestScore = 0;
    for (const d of CANDIDATES) {
      const s = score(d);
      if (s > bestScore) { best = d; bestScore = s; }
    }
    return best;
  };
  return pick((d) => Math.min(...lines.map((l) => l[d])))
    ?? pick((d) => lines.reduce((sum, l) => sum + l[d], 0))
    ?? ',';
}

/** Per non-blank record, how often each candidate stands outside quotes; at most `max` records. */
function countDelimiters(text: string, max: number): Record<CsvDelimiter, number>[] {
  const out: Record<CsvDelimiter, number>[] = [];
  let current: Record<CsvDelimiter, number> = { ';': 0, '\t': 0, ',': 0 };
  let blank = true;
  let quoted = false;
  const end = () => {
    if (!blank) out.push(current);
    current = { ';': 0, '\t': 0, ',': 0 };
    blank = true;
  };
  for (let i = 0; i < text.length && out.length < max; i++) {
    const ch = text[i]!;
    if (ch === '"') { quoted = !quoted; blank = false; continue; } // "" inside a quoted field toggles twice
    if (quoted) continue;
    if (ch === '\n' || ch === '\r') { end(); continue; }
    if (ch === ';' || ch === '\t' || ch === ',') current[ch]++;
    if (ch !== ' ' && ch !== '\uFEFF') blank = false;
  }
  if (out.length < max) end();
  return out;
}
