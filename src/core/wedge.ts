/**
 * Keyboard-wedge card readers type the card number and Enter, like a very fast
 * person. This tells such a burst from a person typing, by speed: every gap
 * between keys of a burst is at most `maxGapMs`, it is at least `minLength`
 * characters long and it ends with Enter.
 *
 * Pure and DOM-free (the renderer feeds it KeyboardEvent.key and
 * event.timeStamp), no Node modules. The card text goes through the same
 * parser as every other reader, so numbers keep their leading zeros.
 *
 * Usage in the renderer, on keydown:
 *   const r = detector.key(e.key, e.timeStamp);
 *   for (const k of r.release) typeIntoFocusedField(k);   // a person typed these after all
 *   if (r.swallow) e.preventDefault();
 *   if (r.card) onCard(r.card);
 * and a timer calling `detector.idle(performance.now())` (results as above)
 * `maxGapMs` after the last held key, so a person's single digit is not lost.
 */
import { parseReaderLine } from './card-id.js';

export interface WedgeOptions {
  /** The longest pause between two keys of a reader's burst. */
  maxGapMs?: number;
  /** The shortest card number a burst may carry. */
  minLength?: number;
  /** Longer than this is not a card number. */
  maxLength?: number;
}

export type WedgeCard =
  | { ok: true; cardId: string; text: string }
  | { ok: false; message: string; text: string };

export interface WedgeResult {
  /** Keys held back earlier that turned out to be typed by a person: deliver them, in order, before this key. */
  release: string[];
  /** True when this key belongs to a (possible) burst and must not reach the focused field now. */
  swallow: boolean;
  /** A finished burst. */
  card?: WedgeCard;
}

export const WEDGE_DEFAULTS: Required<WedgeOptions> = { maxGapMs: 40, minLength: 6, maxLength: 32 };

const BURST_CHAR = /^[0-9A-Fa-fxX,]$/;
// Keys a reader's virtual keyboard may interleave (upper-case hex) that change nothing.
const IGNORED = new Set(['Shift', 'CapsLock', 'NumLock']);

export class WedgeDetector {
  private readonly opt: Required<WedgeOptions>;
  private held: string[] = [];
  private last = 0;

  constructor(opts: WedgeOptions = {}) {
    this.opt = { ...WEDGE_DEFAULTS, ...opts };
  }

  /** True while keys are held back (the renderer should arm its idle timer). */
  get pending(): boolean { return this.held.length > 0; }

  key(key: string, at: number): WedgeResult {
    if (IGNORED.has(key)) return { release: [], swallow: this.held.length > 0 };
    let release: string[] = [];
    if (this.held.length > 0 && at - this.last > this.opt.maxGapMs) release = this.take();

    if (key === 'Enter' && this.held.length > 0) {
      if (this.held.length >= this.opt.minLength) {
        const text = this.take().join('');
        const parsed = parseReaderLine(text);
        const card: WedgeCard = parsed.kind === 'card'
          ? { ok: true, cardId: parsed.cardId, text }
          : { ok: false, message: parsed.kind === 'garbled' ? parsed.message : `Не удалось прочитать карту: «${text}»`, text };
        return { release, swallow: true, card };
      }
      return { release: [...release, ...this.take()], swallow: false };
    }
    if (BURST_CHAR.test(key)) {
      if (this.held.length >= this.opt.maxLength) return { release: [...release, ...this.take(), key], swallow: true };
      this.held.push(key);
      this.last = at;
      return { release, swallow: true };
    }
    return { release: [...release, ...this.take()], swallow: false };
  }

  /** Called by a timer: keys held longer than a burst allows were typed by a person. */
  idle(now: number): WedgeResult {
    if (this.held.length > 0 && now - this.last > this.opt.maxGapMs) return { release: this.take(), swallow: false };
    return { release: [], swallow: false };
  }

  private take(): string[] {
    const h = this.held;
    this.held = [];
    return h;
  }
}
