import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatReaderLine, isCanonicalCardId, parseCardId, parseReaderLine } from '../../src/core/card-id.js';
import { normaliseCardId } from '../../src/server/admin/cards.js';
import { HttpError } from '../../src/server/errors.js';
import { normalizeCardInput } from '../../src/ui/card-input.js';
import { demoTerminal } from './terminal-helpers.js';

/**
 * One table of card ids, and every place that judges them: the core's grammar, the server's
 * card admin (stores EM/MF only), the till (sells with all five kinds), the readers (a Z-2
 * line and the canonical round trip) and the cashier's typed input. They must agree on each.
 */
const CASES: [input: string, canonical: string | null, stored: boolean][] = [
  ['EM:55007EE424', 'EM:55007EE424', true],
  [' em:55007ee424 ', 'EM:55007EE424', true],
  ['EM:0000000000', 'EM:0000000000', true],
  ['MF:BCD14264', 'MF:BCD14264', true],                       // 4-byte UID
  ['mf:04a1b2c3d4e5f6', 'MF:04A1B2C3D4E5F6', true],           // 7-byte UID
  ['MF:0123456789ABCDEF0123', 'MF:0123456789ABCDEF0123', true], // 10-byte UID
  ['MF:0123456789', null, false],                             // 5 bytes: no Mifare UID has that size (the server once took it)
  ['MF:BCD1426', null, false],                                // odd length
  ['MF:BCD142640A', null, false],                             // 5 bytes
  ['MF:0123456789ABCDEF012345', null, false],                 // 11 bytes
  ['MF:ABC', null, false],
  ['EM:55007EE4', null, false],
  ['EM:55007EE424FF', null, false],
  ['EM:55007EE42G', null, false],
  ['EM 55007EE424', null, false],
  ['DEC:0008315940', 'DEC:0008315940', false],
  ['HEX:55007EE424', 'HEX:55007EE424', false],
  ['hex:0042', 'HEX:0042', false],
  ['W26:7EE424', 'W26:7EE424', false],
  ['W26:7EE4', null, false],
  ['DEC:12A', null, false],
  ['DEC:', null, false],
  ['XX:1', null, false],
  ['', null, false],
];

let t: Awaited<ReturnType<typeof demoTerminal>>;
beforeAll(async () => {
  t = await demoTerminal();
  expect((await t.service.login('9999')).ok).toBe(true);
});
afterAll(() => t.close());

describe.each(CASES)('card id %j', (input, canonical, stored) => {
  it('the core parses it', () => {
    const r = parseCardId(input);
    expect(r.ok ? [r.cardId, r.stored] : null).toEqual(canonical === null ? null : [canonical, stored]);
  });

  it('the server stores it only when it is an EM/MF id', () => {
    if (canonical !== null && stored) expect(normaliseCardId(input)).toBe(canonical);
    else expect(() => normaliseCardId(input)).toThrow(HttpError);
  });

  it('the till refuses it as malformed exactly when the core does', async () => {
    const r = await t.service.identifyCard(input);
    const malformed = !r.ok && r.error.code === 'BAD_INPUT';
    expect(malformed).toBe(canonical === null);
  });

  it('the readers give it back, and never produce a malformed one', () => {
    const exact = input.trim().toUpperCase();
    expect(isCanonicalCardId(exact)).toBe(canonical !== null);
    if (canonical === null) {
      expect(formatReaderLine(exact)).toBeNull();
    } else {
      const line = parseReaderLine(formatReaderLine(canonical)!);
      expect(line.kind === 'card' && line.cardId).toBe(canonical);
    }
    // A Z-2 prints a Mifare UID in brackets: its parser agrees on the UID's length.
    const mf = /^MF:([0-9A-F]*)$/.exec(exact);
    if (mf && mf[1]) {
      const z2 = parseReaderLine(`Mifare[${mf[1]}] 1K`);
      expect(z2.kind === 'card' ? z2.cardId : null).toBe(canonical);
    }
  });

  it('the cashier may type it', () => {
    expect(normalizeCardInput(input)).toBe(canonical ?? undefined);
  });
});
