import { describe, expect, it } from 'vitest';
import {
  canonicalFromNumber, cardIdAliases, formatReaderLine, formatZ2Line, isCanonicalCardId, parseReaderLine,
} from '../../src/core/card-id.js';
import { CardPipeline } from '../../hardware/reader/pipeline.js';

const card = (line: string) => {
  const r = parseReaderLine(line);
  return r.kind === 'card' ? r.cardId : r.kind;
};

describe('Z-2 line forms → canonical id', () => {
  it.each([
    ['Em-Marine[5500] 126,58404', 'EM:55007EE424'],
    ['Em-Marine[5500] 126,58404,', 'EM:55007EE424'],          // firmware with a trailing comma
    ['  Em-Marine[5500] 126,58404  ', 'EM:55007EE424'],
    ['Em-Marine[00ab] 001,00007', 'EM:00AB010007'],          // leading zeros and lower-case hex
    ['Em-Marine[5] 0,0', 'EM:0005000000'],
    ['Em-Marine[FFFF] 255,65535', 'EM:FFFFFFFFFF'],
    ['Mifare[BCD14264] 1K (0004,08) 066,53692', 'MF:BCD14264'],
    ['Mifare[BCD14264] (0004,08) 066,53692', 'MF:BCD14264'],  // no subtype
    ['Mifare[BCD14264] 1K 066,53692', 'MF:BCD14264'],         // no parentheses
    ['Mifare[BCD14264] 066,53692', 'MF:BCD14264'],            // neither
    ['Mifare[04a1b2c3d4e5f6] UL (0044,00) 195,46497', 'MF:04A1B2C3D4E5F6'], // 7-byte UID, Ultralight
    ['Mifare[BCD14264] DF (0344,20)', 'MF:BCD14264'],
  ])('%s → %s', (line, id) => {
    expect(card(line)).toBe(id);
  });

  it('keeps the bracket: two cards with the same series,number stay apart', () => {
    expect(card('Em-Marine[5500] 126,58404')).not.toBe(card('Em-Marine[5501] 126,58404'));
  });

  it.each(['No card', 'No Card', 'no card '])('%s is the card leaving', (line) => {
    expect(parseReaderLine(line).kind).toBe('noCard');
  });

  it('ignores blank lines', () => {
    expect(parseReaderLine('').kind).toBe('empty');
    expect(parseReaderLine('   ').kind).toBe('empty');
  });
});

describe('plain numbers from wedge and HID readers', () => {
  it.each([
    ['0008316964', 'DEC:0008316964'],   // leading zeros survive
    ['8316964', 'DEC:8316964'],          // and are not invented
    ['007EE424ab', 'HEX:007EE424AB'],
    ['0x0012', 'HEX:0012'],
    ['126,58404', 'W26:7EE424'],         // series,number maps as the Z-2 does
    ['066,53692', 'W26:42D1BC'],
  ])('%s → %s', (text, id) => {
    expect(canonicalFromNumber(text)).toBe(id);
    expect(card(text)).toBe(id);
  });

  it.each(['256,00001', '001,65536', '12-34', ''])('%s is not a card number', (text) => {
    expect(canonicalFromNumber(text)).toBeNull();
  });
});

describe('garbage is reported, never thrown', () => {
  it.each([
    'Em-Marine(5500) 126,58404',          // wrong brackets
    'Em-Marine[5500 126,58404',
    'Em-Marine[55G0] 126,58404',
    'Em-Marine[5500] 300,58404',          // series out of range
    'Em-Marine[5500] 126,70000',          // number out of range
    'Em-Marine[5500]',
    'Mifare[BCD1426] 1K (0004,08) 066,53692',   // odd UID length
    'Mifare[] 1K',
    'Mifare[BCD14264] 1K (0004,08) 999,53692',
    'Em-Mar',                              // a partial line that got a line end
    'Em-Marine[5500] 1\x0026,58404',
    '\xff\xfe\x01\x02',
    'Привет',
    'hello world',
  ])('%j', (line) => {
    const r = parseReaderLine(line);
    expect(r.kind).toBe('garbled');
    if (r.kind === 'garbled') {
      expect(r.message).toMatch(/^Не удалось прочитать карту/);
      expect(r.raw).toBe(line);
      expect(r.message).not.toMatch(/[\x00-\x1f]/);
    }
  });

  it('survives every single byte and random noise', () => {
    for (let b = 0; b < 256; b++) expect(() => parseReaderLine(String.fromCharCode(b))).not.toThrow();
    const p = new CardPipeline();
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 256);
    for (let i = 0; i < 200; i++) {
      const chunk = Uint8Array.from({ length: 1 + (i % 50) }, rnd);
      expect(() => p.push(chunk)).not.toThrow();
    }
    // and a good line after the noise still reads
    const out = p.push('\r\nEm-Marine[5500] 126,58404\r\n');
    expect(out.filter((o) => o.type === 'card').map((o) => o.type === 'card' && o.event.cardId)).toEqual(['EM:55007EE424']);
  });
});

describe('formatting a canonical id back into a reader line', () => {
  it('gives the seed lines', () => {
    expect(formatZ2Line('EM:55007EE424')).toBe('Em-Marine[5500] 126,58404');
    // the Z-2's series,number for Mifare is the UID's first three bytes read little-endian
    expect(formatZ2Line('MF:BCD14264')).toBe('Mifare[BCD14264] 066,53692');
    expect(formatZ2Line('DEC:0008316964')).toBeNull();
  });

  it.each(['EM:55007EE424', 'EM:0000000000', 'MF:BCD14264', 'MF:04A1B2C3D4E5F6', 'DEC:0008316964', 'HEX:00A1', 'HEX:0042', 'W26:7EE424'])(
    'round-trips %s', (id) => {
      expect(isCanonicalCardId(id)).toBe(true);
      expect(card(formatReaderLine(id)!)).toBe(id);
    });

  it.each(['EM:55007ee424', 'EM:55007EE4', 'XX:1', 'MF:ABC', '', 'EM:55007EE424 '])('refuses malformed %j', (id) => {
    expect(isCanonicalCardId(id)).toBe(false);
    expect(formatReaderLine(id)).toBeNull();
  });
});

describe('aliases for readers that print less', () => {
  it('lists what a wedge reader would type for the demo card', () => {
    expect(cardIdAliases('EM:55007EE424')).toEqual(['EM:55007EE424', 'HEX:55007EE424', 'DEC:0008315940', 'W26:7EE424']);
    expect(cardIdAliases('MF:BCD14264')).toContain(card('066,53692'));
    // a hex-mode wedge typing an all-digit EM id produces DEC, which must still find the card
    expect(cardIdAliases('EM:5500123456')).toContain(card('5500123456'));
    expect(cardIdAliases('garbage')).toEqual([]);
  });
});

describe('CardPipeline: bytes to events', () => {
  const ids = (out: ReturnType<CardPipeline['push']>) => out.map((o) => (o.type === 'card' ? o.event.cardId : `error:${o.event.raw}`));

  it('buffers partial lines across chunks, byte by byte', () => {
    const p = new CardPipeline();
    const line = 'Em-Marine[5500] 126,58404\r\n';
    const got: string[] = [];
    for (const ch of line) got.push(...ids(p.push(Buffer.from(ch, 'latin1'))));
    expect(got).toEqual(['EM:55007EE424']);
  });

  it('reports a card once while it is held, again after No card', () => {
    let t = 0;
    const p = new CardPipeline({ now: () => t, repeatTimeoutMs: 1500 });
    const held = 'Em-Marine[5500] 126,58404\r\n';
    const got = [
      ...ids(p.push(held)), ...ids(p.push(held)), ...ids(p.push(held)),
      ...ids(p.push('No card\r\n')),
      ...ids(p.push(held)),
      ...ids(p.push('No Card\r\n')),
    ];
    expect(got).toEqual(['EM:55007EE424', 'EM:55007EE424']);
  });

  it('a held card counts again after the repeat timeout; repeats inside it keep it held', () => {
    let t = 0;
    const p = new CardPipeline({ now: () => t, repeatTimeoutMs: 1500 });
    const got: string[] = [];
    for (const at of [0, 1000, 2000, 3000, 5000]) { t = at; got.push(...ids(p.push('0008316964\n'))); }
    // 0 new; 1000, 2000, 3000 repeats (each within 1500 of the previous); 5000 is 2000 after → new tap
    expect(got).toEqual(['DEC:0008316964', 'DEC:0008316964']);
  });

  it('a different card is reported at once', () => {
    const p = new CardPipeline();
    expect(ids(p.push('Em-Marine[5500] 126,58404\r\nMifare[BCD14264] 1K (0004,08) 066,53692\r\n'))).toEqual(['EM:55007EE424', 'MF:BCD14264']);
  });

  it('reports a garbled line and goes on', () => {
    const p = new CardPipeline();
    const out = p.push('Em-Marine(5500) 126,58404\r\nEm-Marine[5500] 126,58404\r\n');
    expect(ids(out)).toEqual(['error:Em-Marine(5500) 126,58404', 'EM:55007EE424']);
    expect(out[0]!.type === 'error' && out[0]!.event.message).toMatch(/^Не удалось прочитать карту/);
  });

  it('a never-ending line of noise is cut and reported once, then reading resumes', () => {
    const p = new CardPipeline({ maxLineBytes: 64 });
    const out = p.push(Buffer.alloc(200, 0x55));
    expect(out).toHaveLength(1);
    expect(out[0]!.type).toBe('error');
    expect(ids(p.push('\r\nEm-Marine[5500] 126,58404\r\n'))).toEqual(['EM:55007EE424']);
  });

  it('stamps the event with the time and keeps the raw line', () => {
    const p = new CardPipeline({ now: () => Date.UTC(2018, 2, 15, 7, 42) });
    const [o] = p.push('Em-Marine[5500] 126,58404,\r\n');
    expect(o).toEqual({ type: 'card', event: { cardId: 'EM:55007EE424', raw: 'Em-Marine[5500] 126,58404,', at: '2018-03-15T07:42:00.000Z' } });
  });
});
