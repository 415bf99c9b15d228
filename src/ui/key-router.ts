import { WedgeDetector, WEDGE_DEFAULTS, type WedgeCard, type WedgeOptions } from '../core/wedge.js';
import { keyAction, type KeyAction, type KeyLike } from './keys.js';

export interface KeyRouterDeps {
  /** Returns true when the action did something (the key event is then consumed). */
  onAction(action: KeyAction, target: EventTarget | null): boolean;
  onCard(card: WedgeCard): void;
  /** One pending timer at most: a new call replaces the previous one. */
  setTimer(fn: () => void, ms: number): void;
  now(): number;
}

/**
 * The sale screen's keyboard. Digits are hotkeys, and a keyboard-wedge card
 * reader also "types" digits then Enter, so every digit goes through the
 * reader's wedge detector first: a fast burst ending in Enter is a card; keys
 * a person typed come out a few tens of milliseconds later as hotkeys.
 */
export function createKeyRouter(deps: KeyRouterDeps, opts: WedgeOptions = {}) {
  const wedge = new WedgeDetector(opts);
  const gap = opts.maxGapMs ?? WEDGE_DEFAULTS.maxGapMs;
  const deliver = (keys: string[]) => { for (const key of keys) deps.onAction(keyAction({ key }, false), null); };
  const arm = () => deps.setTimer(() => {
    deliver(wedge.idle(deps.now()).release);
    if (wedge.pending) arm();
  }, gap + 5);

  return {
    /** Returns true when the event should be consumed (preventDefault). */
    keydown(e: KeyLike & { timeStamp: number; target?: EventTarget | null }, inTextField: boolean): boolean {
      const target = e.target ?? null;
      if (inTextField || e.ctrlKey || e.altKey || e.metaKey || /^F\d+$/.test(e.key)) {
        return deps.onAction(keyAction(e, inTextField), target);
      }
      const r = wedge.key(e.key, e.timeStamp);
      deliver(r.release);
      if (r.card) { deps.onCard(r.card); return true; }
      if (r.swallow) { arm(); return true; }
      return deps.onAction(keyAction(e, false), target);
    },
  };
}
