import { randomUUID } from 'node:crypto';
import { fail, ok, type Result } from '../../core/result.js';

/**
 * No charge without a tap: each identification (a card tap or a manual entry) gets an id, and a
 * sale must name the identification it follows; the sale uses it up. Only the newest one is
 * live: the next pupil's tap ends the previous one, so a dish key and Enter after a paid sale
 * can never charge the child who paid before. Kept in memory: after a restart the card is
 * tapped again, which is the safe side.
 */
export class Taps {
  private live: { tapId: string; cardId: string } | undefined;

  issue(cardId: string): string {
    const tapId = randomUUID();
    this.live = { tapId, cardId };
    return tapId;
  }

  /** Whether `tapId` is the live identification of `cardId` (nothing is used up). */
  check(tapId: unknown, cardId: string): Result<null> {
    if (typeof tapId !== 'string' || !this.live || this.live.tapId !== tapId || this.live.cardId !== cardId) {
      return fail('NO_TAP', 'Приложите карту учащегося: продажа только по карте, приложенной для этой покупки');
    }
    return ok(null);
  }

  /** The sale committed: this identification is spent. */
  consume(tapId: string): void {
    if (this.live?.tapId === tapId) this.live = undefined;
  }
}
