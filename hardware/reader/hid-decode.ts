/**
 * Turns HID input reports from a generic (non-keyboard-class) card reader into
 * text lines. Two report styles exist in the wild:
 *  - `ascii`: the report carries the card number as ASCII, maybe zero-padded,
 *    maybe ending in CR/LF, maybe one report per card with no terminator;
 *  - `keys`: the reader sends boot-keyboard-style reports
 *    `[modifiers, 0, key1..key6]` (HID usage ids) on a vendor usage page.
 * Pure: the reader supplies the timer that calls `flush()` after a quiet spell.
 */
export interface HidDecoder {
  /** Feeds one input report; returns the lines it completed. */
  push(report: Uint8Array): string[];
  /** Ends a line that had no terminator (the reader went quiet). */
  flush(): string[];
  /** True while part of a line is waiting. */
  readonly pending: boolean;
}

export class AsciiReportDecoder implements HidDecoder {
  private buf = '';
  get pending(): boolean { return this.buf.length > 0; }

  push(report: Uint8Array): string[] {
    const out: string[] = [];
    for (const b of report) {
      if (b === 0x0d || b === 0x0a) { if (this.buf) out.push(this.buf); this.buf = ''; }
      else if (b >= 0x20 && b <= 0x7e) this.buf += String.fromCharCode(b);
      // anything else: a report id, zero padding or noise; the parser would only call it garbled
    }
    if (this.buf.length > 128) { out.push(this.buf); this.buf = ''; }
    return out;
  }

  flush(): string[] {
    const line = this.buf;
    this.buf = '';
    return line ? [line] : [];
  }
}

const SHIFT = 0x02 | 0x20;

function usageToChar(usage: number, shift: boolean): string | null {
  if (usage >= 0x04 && usage <= 0x1d) { const c = String.fromCharCode(0x61 + usage - 0x04); return shift ? c.toUpperCase() : c; }
  if (usage >= 0x1e && usage <= 0x26) return String.fromCharCode(0x31 + usage - 0x1e);   // 1..9
  if (usage === 0x27 || usage === 0x62) return '0';
  if (usage >= 0x59 && usage <= 0x61) return String.fromCharCode(0x31 + usage - 0x59);   // keypad 1..9
  if (usage === 0x28 || usage === 0x58) return '\n';                                    // Enter, keypad Enter
  if (usage === 0x36) return ',';
  if (usage === 0x2c) return ' ';
  return null;
}

export class KeyReportDecoder implements HidDecoder {
  private buf = '';
  private down = new Set<number>();
  get pending(): boolean { return this.buf.length > 0; }

  push(report: Uint8Array): string[] {
    // 9-byte reports carry a report id in front of the 8-byte boot layout.
    const r = report.length === 9 ? report.subarray(1) : report;
    if (r.length < 3) return [];
    const shift = (r[0]! & SHIFT) !== 0;
    const now = new Set<number>();
    const out: string[] = [];
    for (const usage of r.subarray(2)) {
      if (usage === 0 || usage === 1) continue;       // no key / rollover error
      now.add(usage);
      if (this.down.has(usage)) continue;             // still held from the last report: not a new key
      const ch = usageToChar(usage, shift);
      if (ch === '\n') { if (this.buf) out.push(this.buf); this.buf = ''; }
      else if (ch !== null) this.buf += ch;
    }
    this.down = now;
    return out;
  }

  flush(): string[] {
    const line = this.buf;
    this.buf = '';
    return line ? [line] : [];
  }
}
