import { describe, expect, it } from 'vitest';
import { createKeyRouter } from '../../src/ui/key-router.js';
import { keyAction, type KeyAction } from '../../src/ui/keys.js';
import { normalizeCardInput } from '../../src/ui/card-input.js';

describe('sale screen keys', () => {
  it('maps digits and F-keys to items, Enter/Esc/Backspace to the sale, and leaves text fields alone', () => {
    expect(keyAction({ key: '5' }, false)).toEqual({ kind: 'item', hotkey: '5' });
    expect(keyAction({ key: 'F1' }, false)).toEqual({ kind: 'item', hotkey: 'F1' });
    expect(keyAction({ key: 'F1' }, true)).toEqual({ kind: 'item', hotkey: 'F1' }); // F-keys sell even from the card field
    expect(keyAction({ key: '5' }, true)).toEqual({ kind: 'none' });
    expect(keyAction({ key: 'Enter' }, false)).toEqual({ kind: 'pay' });
    expect(keyAction({ key: 'Escape' }, false)).toEqual({ kind: 'cancel' });
    expect(keyAction({ key: 'Backspace' }, false)).toEqual({ kind: 'removeLast' });
    expect(keyAction({ key: '/' }, false)).toEqual({ kind: 'manualCard' });
    expect(keyAction({ key: 'm', ctrlKey: true }, false)).toEqual({ kind: 'manager' });
    expect(keyAction({ key: 'ь', ctrlKey: true }, false)).toEqual({ kind: 'manager' }); // Russian layout
    expect(keyAction({ key: '5', ctrlKey: true }, false)).toEqual({ kind: 'none' });
  });

  function router() {
    const actions: KeyAction[] = [];
    const cards: unknown[] = [];
    let timer: (() => void) | undefined;
    let now = 0;
    const r = createKeyRouter({
      onAction: (a) => { actions.push(a); return a.kind !== 'none'; },
      onCard: (c) => cards.push(c),
      setTimer: (fn) => { timer = fn; },
      now: () => now,
    });
    return {
      actions, cards,
      press: (key: string, at: number) => { now = at; return r.keydown({ key, timeStamp: at }, false); },
      idle: (at: number) => { now = at; const t = timer; timer = undefined; t?.(); },
    };
  }

  it('a keyboard-wedge burst ending in Enter is a card tap, not ten hotkeys and a payment', () => {
    const k = router();
    [...'0008316964'].forEach((c, i) => k.press(c, 100 + i * 5));
    k.press('Enter', 160);
    expect(k.cards).toEqual([{ ok: true, cardId: 'DEC:0008316964', text: '0008316964' }]);
    expect(k.actions).toEqual([]);
  });

  it('digits a person types still become hotkeys, just after the burst window', () => {
    const k = router();
    expect(k.press('2', 100)).toBe(true);       // held back for a moment
    expect(k.actions).toEqual([]);
    k.idle(200);
    expect(k.actions).toEqual([{ kind: 'item', hotkey: '2' }]);
    k.press('5', 500);
    k.press('Enter', 800);                      // slow Enter: the 5 is released first, then Enter pays
    expect(k.actions).toEqual([{ kind: 'item', hotkey: '2' }, { kind: 'item', hotkey: '5' }, { kind: 'pay' }]);
  });
});

describe('manual card entry', () => {
  it('accepts canonical ids and what a reader prints, and refuses the rest', () => {
    expect(normalizeCardInput(' em:55007ee424 ')).toBe('EM:55007EE424');
    expect(normalizeCardInput('Em-Marine[5500] 126,58404')).toBe('EM:55007EE424');
    expect(normalizeCardInput('Mifare[BCD14264] 1K (0004,08) 066,53692')).toBe('MF:BCD14264');
    expect(normalizeCardInput('')).toBeUndefined();
    expect(normalizeCardInput('Иванов')).toBeUndefined();
  });
});
