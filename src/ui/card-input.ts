import { isCanonicalCardId, parseReaderLine } from '../../hardware/reader/card-id.js';

/**
 * What a cashier may type for a card that will not read: the canonical id
 * ("EM:55007EE424", "MF:BCD14264") or anything a reader would send
 * ("Em-Marine[5500] 126,58404", "126,58404"), parsed by the reader's own
 * pure parser so the two can never disagree. Returns the canonical id, or undefined.
 */
export function normalizeCardInput(input: string): string | undefined {
  const text = input.trim();
  if (!text) return undefined;
  const upper = text.toUpperCase().replace(/\s+/g, '');
  if (isCanonicalCardId(upper)) return upper;
  const line = parseReaderLine(text);
  return line.kind === 'card' ? line.cardId : undefined;
}
