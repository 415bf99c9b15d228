import { parseCardId, parseReaderLine } from '../core/card-id.js';

/**
 * What a cashier may type for a card that will not read: the canonical id
 * ("EM:55007EE424", "MF:BCD14264") or anything a reader would send
 * ("Em-Marine[5500] 126,58404", "126,58404"), parsed by the reader's own
 * pure parser so the two can never disagree. Returns the canonical id, or undefined.
 */
export function normalizeCardInput(input: string): string | undefined {
  const text = input.trim();
  if (!text) return undefined;
  const id = parseCardId(text.replace(/\s+/g, ''));
  if (id.ok) return id.cardId;
  const line = parseReaderLine(text);
  return line.kind === 'card' ? line.cardId : undefined;
}
