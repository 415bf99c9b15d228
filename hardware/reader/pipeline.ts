import { parseReaderLine } from '../../src/core/card-id.js';

/** Events every reader adapter emits. */
export interface CardEvent { cardId: string; raw: string; at: string }
export interface ReaderErrorEvent { message: string; raw: string }

export type PipelineOutput =
  | { type: 'card'; event: CardEvent }
  | { type: 'error'; event: ReaderErrorEvent };

export interface PipelineOptions {
  /**
   * A held card is reported once; it counts as a new tap after `No card`, a
   * different card, or this long without a repeat of its line (readers that
   * never send `No card`: wedge, most HID readers).
   */
  repeatTimeoutMs?: number;
  /** A line longer than this without CR/LF is noise, not a card. */
  maxLineBytes?: number;
  now?: () => number;
}

export const DEFAULT_REPEAT_TIMEOUT_MS = 1500;
const DEFAULT_MAX_LINE = 128;

/**
 * Bytes in, card events out: buffers partial lines, parses each complete line,
 * drops repeats of a held card. Pure (no I/O, no timers), so the serial, HID
 * and simulated readers share it and the tests drive it byte by byte.
 */
export class CardPipeline {
  private buf = '';
  private held: { cardId: string; lastSeen: number } | null = null;
  private readonly repeatTimeoutMs: number;
  private readonly maxLine: number;
  private readonly now: () => number;

  constructor(opts: PipelineOptions = {}) {
    this.repeatTimeoutMs = opts.repeatTimeoutMs ?? DEFAULT_REPEAT_TIMEOUT_MS;
    this.maxLine = opts.maxLineBytes ?? DEFAULT_MAX_LINE;
    this.now = opts.now ?? Date.now;
  }

  /** Feeds raw bytes as they came from the port. */
  push(bytes: Uint8Array | string): PipelineOutput[] {
    const out: PipelineOutput[] = [];
    // latin1: every byte maps to one char, so binary noise can never throw a decoding error.
    const text = typeof bytes === 'string' ? bytes : latin1(bytes);
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== 0x0d && c !== 0x0a) continue;
      this.buf += text.slice(start, i);
      start = i + 1;
      this.lineDone(out);
    }
    this.buf += text.slice(start);
    if (this.buf.length > this.maxLine) {
      const raw = this.buf;
      this.buf = '';
      out.push({ type: 'error', event: { message: 'Не удалось прочитать карту (помехи на линии: строка без конца)', raw: raw.slice(0, this.maxLine) } });
    }
    return out;
  }

  /** Feeds one complete line (HID and wedge readers deliver whole lines). */
  pushLine(line: string): PipelineOutput[] {
    const out: PipelineOutput[] = [];
    this.buf = line;
    this.lineDone(out);
    return out;
  }

  /** Forgets the partial line and the held card (port reopened, reader replugged). */
  reset(): void {
    this.buf = '';
    this.held = null;
  }

  private lineDone(out: PipelineOutput[]): void {
    const raw = this.buf;
    this.buf = '';
    const parsed = parseReaderLine(raw);
    const now = this.now();
    switch (parsed.kind) {
      case 'empty':
        return;
      case 'noCard':
        this.held = null;
        return;
      case 'garbled':
        out.push({ type: 'error', event: { message: parsed.message, raw: parsed.raw } });
        return;
      case 'card': {
        const h = this.held;
        const repeat = h !== null && h.cardId === parsed.cardId && now - h.lastSeen <= this.repeatTimeoutMs;
        this.held = { cardId: parsed.cardId, lastSeen: now };
        if (!repeat) out.push({ type: 'card', event: { cardId: parsed.cardId, raw: parsed.raw.trim(), at: new Date(now).toISOString() } });
      }
    }
  }
}

function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]!);
  return s;
}
