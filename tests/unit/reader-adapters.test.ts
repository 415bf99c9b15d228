import { describe, expect, it } from 'vitest';
import { AsciiReportDecoder, KeyReportDecoder } from '../../hardware/reader/hid-decode.js';
import { HidReader, type HidDevice, type HidDriver } from '../../hardware/reader/hid.js';
import { createReader, openReader, parseReaderSpec, SimulatedReader, type CardEvent, type ReaderErrorEvent } from '../../hardware/reader/index.js';
import { WedgeDetector } from '../../src/core/wedge.js';

describe('WedgeDetector: a reader burst vs a person typing', () => {
  /** Feeds keys with the given gaps; returns what the renderer would see. */
  function type(d: WedgeDetector, keys: string[], gapMs: number, start = 1000) {
    const typed: string[] = [];
    const cards: unknown[] = [];
    let t = start;
    for (const k of keys) {
      const r = d.key(k, t);
      typed.push(...r.release);
      if (!r.swallow) typed.push(k);
      if (r.card) cards.push(r.card);
      t += gapMs;
    }
    typed.push(...d.idle(t + 1000).release);
    return { typed: typed.join(''), cards };
  }
  const keys = (s: string) => [...s].map((c) => (c === '\n' ? 'Enter' : c));

  it('a fast burst ending in Enter is a card, leading zeros kept, nothing typed', () => {
    const r = type(new WedgeDetector(), keys('0008316964\n'), 8);
    expect(r).toEqual({ typed: '', cards: [{ ok: true, cardId: 'DEC:0008316964', text: '0008316964' }] });
  });

  it('maps series,number and hex bursts', () => {
    expect(type(new WedgeDetector(), keys('126,58404\n'), 10).cards).toEqual([{ ok: true, cardId: 'W26:7EE424', text: '126,58404' }]);
    expect(type(new WedgeDetector(), ['Shift', ...keys('55007EE424\n')], 10).cards).toEqual([{ ok: true, cardId: 'HEX:55007EE424', text: '55007EE424' }]);
  });

  it('a person typing the same digits at human speed gets every key through', () => {
    const r = type(new WedgeDetector(), keys('0008316964\n'), 150);
    expect(r).toEqual({ typed: '0008316964\n'.replace('\n', 'Enter'), cards: [] });
  });

  it('a short fast burst (a quick "12" + Enter) is typing, not a card', () => {
    expect(type(new WedgeDetector(), keys('12\n'), 5)).toEqual({ typed: '12Enter', cards: [] });
  });

  it('a burst interrupted by another key is released as typing', () => {
    expect(type(new WedgeDetector(), [...keys('12345'), 'Backspace', ...keys('6\n')], 5)).toEqual({ typed: '12345Backspace6Enter', cards: [] });
  });

  it('a slow start followed by a burst: the slow key is typing, the burst is a card', () => {
    const d = new WedgeDetector();
    const typed: string[] = [];
    const a = d.key('7', 0);
    expect(a.swallow).toBe(true);
    const b = d.key('0', 500);                  // the reader starts 500 ms later
    typed.push(...b.release);
    let card;
    let t = 500;
    for (const k of keys('008316964\n')) { const r = d.key(k, (t += 7)); typed.push(...r.release); card = r.card ?? card; }
    expect(typed).toEqual(['7']);
    expect(card).toEqual({ ok: true, cardId: 'DEC:0008316964', text: '0008316964' });
  });

  it('a garbled burst is reported as an error, not typed into the form', () => {
    const r = type(new WedgeDetector(), keys('999,999999\n'), 5);
    expect(r.typed).toBe('');
    expect(r.cards).toMatchObject([{ ok: false, text: '999,999999' }]);
    expect((r.cards[0] as { message: string }).message).toMatch(/^Не удалось прочитать карту/);
  });
});

describe('HID report decoders', () => {
  it('ascii: zero-padded reports, CR/LF, report ids and split numbers', () => {
    const d = new AsciiReportDecoder();
    const rep = (s: string, len = 8, id?: number) => {
      const b = new Uint8Array(len);
      let o = 0;
      if (id !== undefined) b[o++] = id;
      for (const c of s) b[o++] = c.charCodeAt(0);
      return b;
    };
    expect(d.push(rep('0008', 8, 1))).toEqual([]);
    expect(d.push(rep('316964\r', 8, 1))).toEqual(['0008316964']);
    expect(d.push(rep('1234'))).toEqual([]);
    expect(d.pending).toBe(true);
    expect(d.flush()).toEqual(['1234']);
  });

  it('keys: boot-keyboard reports with key-up reports between, shift for hex letters, Enter', () => {
    const d = new KeyReportDecoder();
    const down = (usage: number, mod = 0) => Uint8Array.from([mod, 0, usage, 0, 0, 0, 0, 0]);
    const up = Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0]);
    const lines: string[] = [];
    // "0A1\n": 0 = 0x27, A = 0x04 with shift, 1 = 0x1e, Enter = 0x28
    for (const r of [down(0x27), up, down(0x04, 0x02), up, down(0x1e), down(0x1e), up, down(0x28), up]) lines.push(...d.push(r));
    expect(lines).toEqual(['0A1']);   // the repeated report of a held "1" is not a second "1"
  });
});

describe('HidReader over a fake node-hid', () => {
  it('reads lines, survives unplug and reconnects', async () => {
    let plugged = true;
    let dev: (HidDevice & { emit(ev: string, arg: unknown): void }) | null = null;
    const driver: HidDriver = {
      devices: async () => (plugged ? [{ path: '/dev/hidraw3' }] : []),
      open: async () => {
        const handlers: Record<string, ((a: never) => void)[]> = {};
        dev = {
          on: (ev: string, cb: (a: never) => void) => { (handlers[ev] ??= []).push(cb); return dev; },
          close: async () => undefined,
          emit: (ev: string, arg: unknown) => { for (const h of handlers[ev] ?? []) h(arg as never); },
        } as never;
        return dev!;
      },
    };
    const reader = new HidReader({ vendorId: 0xffff, productId: 0x0035, decode: 'ascii', driver, pollMs: 10 });
    const cards: CardEvent[] = [];
    reader.on('card', (c) => cards.push(c));
    await reader.start();
    expect(reader.state).toEqual({ connected: true, simulated: false, port: 'hid:ffff:0035' });
    dev!.emit('data', Buffer.from('0008316964\r\0\0\0', 'latin1'));
    expect(cards.map((c) => c.cardId)).toEqual(['DEC:0008316964']);

    plugged = false;
    dev!.emit('error', new Error('could not read from HID device'));
    expect(reader.state.connected).toBe(false);
    expect(reader.state.lastError).toMatch(/отключён/);
    plugged = true;
    await new Promise<void>((resolve) => { const off = reader.on('state', (s) => { if (s.connected) { off(); resolve(); } }); });
    dev!.emit('data', Buffer.from('Em-Marine[5500] 126,58404\r\n', 'latin1'));
    expect(cards.map((c) => c.cardId)).toEqual(['DEC:0008316964', 'EM:55007EE424']);
    await reader.close();
  });
});

describe('SimulatedReader', () => {
  it('taps go through the real parser, twice in a row counts twice', async () => {
    const r = new SimulatedReader();
    const cards: CardEvent[] = [];
    const errors: ReaderErrorEvent[] = [];
    r.on('card', (c) => cards.push(c));
    r.on('error', (e) => errors.push(e));
    await r.start();
    expect(r.state).toEqual({ connected: true, simulated: true, port: 'simulated' });
    expect(r.tap('EM:55007EE424')).toEqual({ ok: true, value: null });
    expect(r.tap('EM:55007EE424').ok).toBe(true);
    r.tap('MF:BCD14264', { hold: true });
    r.tap('MF:BCD14264', { hold: true });    // still on the reader: a repeat
    r.remove();
    r.feed('Em-Marine[55');                  // noise from the "reader"
    r.feed('00 126,58404\r\n');
    expect(cards.map((c) => [c.cardId, c.raw])).toEqual([
      ['EM:55007EE424', 'Em-Marine[5500] 126,58404'],
      ['EM:55007EE424', 'Em-Marine[5500] 126,58404'],
      ['MF:BCD14264', 'Mifare[BCD14264] 066,53692'],
    ]);
    expect(errors.map((e) => e.raw)).toEqual(['Em-Marine[5500 126,58404']);
  });

  it('refuses a malformed id with a Russian message', async () => {
    const r = new SimulatedReader();
    await r.start();
    const res = r.tap('55007EE424');
    expect(res).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
    expect(!res.ok && res.error.message).toMatch(/Неверный номер карты/);
  });
});

describe('openReader / CANTEEN_READER', () => {
  it.each([
    ['auto', { kind: 'serial', path: 'auto' }],
    [undefined, { kind: 'serial', path: 'auto' }],
    ['/dev/ttyUSB0', { kind: 'serial', path: '/dev/ttyUSB0' }],
    ['COM3', { kind: 'serial', path: 'COM3' }],
    ['simulated', { kind: 'simulated' }],
    ['none', { kind: 'none' }],
    ['hid:ffff:0035', { kind: 'hid', vendorId: 0xffff, productId: 0x35, decode: 'ascii' }],
    ['hid:0C2E:0B61:keys', { kind: 'hid', vendorId: 0x0c2e, productId: 0x0b61, decode: 'keys' }],
  ])('%s', (v, spec) => {
    expect(parseReaderSpec(v)).toEqual(spec);
  });

  it('a malformed value is a reported state, not a crash', async () => {
    expect(parseReaderSpec('hid:zz')).toHaveProperty('error');
    const r = await createReader({ reader: 'hid:zz' });
    expect(r.kind).toBe('none');
    expect(r.state.lastError).toMatch(/hid:VID:PID/);
  });

  it('opens the simulator and none', async () => {
    const sim = await openReader({ reader: 'simulated' });
    expect(sim.kind).toBe('simulated');
    expect(sim.state.connected).toBe(true);
    const none = await openReader({ reader: 'none' });
    expect(none.state).toMatchObject({ connected: false, simulated: false });
  });
});
