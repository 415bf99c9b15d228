import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FIRST_LOCK_MS, FREE_ATTEMPTS, MAX_LOCK_MS, formatWait, initialPinThrottle, pinFailed, pinWaitMs } from '../../src/core/pin-throttle.js';
import { openTerminal } from '../../src/terminal/index.js';
import { demoTerminal } from './terminal-helpers.js';

type T = Awaited<ReturnType<typeof demoTerminal>>;

describe('PIN throttle rule (pure)', () => {
  it('five wrong PINs lock for 30 s, each further wrong PIN doubles it, capped', () => {
    let s = initialPinThrottle;
    for (let i = 1; i < FREE_ATTEMPTS; i++) { s = pinFailed(s, 0); expect(pinWaitMs(s, 0)).toBe(0); }
    s = pinFailed(s, 0);
    expect(pinWaitMs(s, 0)).toBe(FIRST_LOCK_MS);
    let now = FIRST_LOCK_MS;
    const locks: number[] = [];
    for (let i = 0; i < 8; i++) { s = pinFailed(s, now); locks.push(pinWaitMs(s, now)); now += pinWaitMs(s, now); }
    expect(locks).toEqual([60_000, 120_000, 240_000, 480_000, MAX_LOCK_MS, MAX_LOCK_MS, MAX_LOCK_MS, MAX_LOCK_MS]);
  });

  it('says how long to wait in Russian', () => {
    expect(formatWait(30_000)).toBe('30 с');
    expect(formatWait(29_001)).toBe('30 с');
    expect(formatWait(60_000)).toBe('1 мин');
    expect(formatWait(150_000)).toBe('2 мин 30 с');
  });
});

describe('terminal login with PIN throttling (injected clock)', () => {
  let t: T;
  beforeEach(async () => { t = await demoTerminal(); });
  afterEach(() => t.close());

  const wrong = async (n: number) => {
    const out = [];
    for (let i = 0; i < n; i++) out.push(await t.service.login('0000'));
    return out;
  };

  it('locks after 5 wrong PINs, refuses even the right PIN while locked, then doubles', async () => {
    const first = await wrong(4);
    expect(first.every((r) => !r.ok && r.error.code === 'BAD_PIN' && r.error.message === 'Неверный PIN-код')).toBe(true);
    const [fifth] = await wrong(1);
    expect(fifth!.ok).toBe(false);
    if (fifth!.ok) return;
    expect(fifth!.error).toMatchObject({ code: 'BAD_PIN', message: 'Слишком много неверных PIN-кодов. Повторите через 30 с', details: { lockedForMs: 30_000 } });

    t.clock.advance(10_000);
    const right = await t.service.login('1111');
    expect(right.ok).toBe(false);
    expect(!right.ok && right.error.message).toBe('Слишком много неверных PIN-кодов. Повторите через 20 с');

    t.clock.advance(20_000);
    const [again] = await wrong(1);
    expect(!again!.ok && again!.error.message).toBe('Слишком много неверных PIN-кодов. Повторите через 1 мин');
    t.clock.advance(60_000);
    const [third] = await wrong(1);
    expect(!third!.ok && third!.error.message).toBe('Слишком много неверных PIN-кодов. Повторите через 2 мин');
    t.clock.advance(120_000);
    expect((await t.service.login('1111')).ok).toBe(true);
  });

  it('a right PIN resets the count', async () => {
    await wrong(4);
    expect((await t.service.login('1111')).ok).toBe(true);
    const after = await wrong(4);
    expect(after.every((r) => !r.ok && r.error.message === 'Неверный PIN-код')).toBe(true);
  });

  it('malformed PINs are refused without counting', async () => {
    for (let i = 0; i < 10; i++) expect((await t.service.login('12')).ok).toBe(false);
    expect((await t.service.login('1111')).ok).toBe(true);
  });

  it('the lockout survives a restart of the terminal', async () => {
    await wrong(5);
    t.close();
    t = Object.assign(await openTerminal({ requireTap: false, dbPath: t.dbPath, clock: t.clock }), { clock: t.clock, dbPath: t.dbPath });
    const r = await t.service.login('1111');
    expect(!r.ok && r.error.message).toBe('Слишком много неверных PIN-кодов. Повторите через 30 с');
    t.clock.advance(30_000);
    expect((await t.service.login('1111')).ok).toBe(true);
  });
});
