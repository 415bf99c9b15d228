import { fail, ok, type Result } from '../../src/core/result.js';
import { formatReaderLine } from '../../src/core/card-id.js';
import type { PipelineOptions } from './pipeline.js';
import { BaseReader } from './reader.js';

/**
 * A reader for the demo and the e2e tests. A tap goes through the same parser as
 * a real Z-2: the canonical id is formatted back into the line the reader would
 * send, followed by `No card` (the card is taken away), so tapping the same
 * card twice gives two events, as at a real counter.
 */
export class SimulatedReader extends BaseReader {
  readonly kind = 'simulated' as const;

  constructor(opts: PipelineOptions = {}) {
    super({ connected: false, simulated: true }, opts);
  }

  async start(): Promise<void> {
    this.setState({ connected: true, simulated: true, port: 'simulated' });
  }

  async close(): Promise<void> {
    this.setState({ connected: false, simulated: true, port: 'simulated' });
  }

  /** A card is tapped (`hold: true` leaves it on the reader: repeats are then ignored until `remove()`). */
  tap(cardId: string, opts: { hold?: boolean } = {}): Result<null> {
    const line = formatReaderLine(cardId);
    if (line === null) return fail('BAD_INPUT', `Неверный номер карты: «${cardId}»`);
    if (!this.state.connected) return fail('INTERNAL', 'Считыватель не подключён');
    this.onBytes(`${line}\r\n${opts.hold ? '' : 'No card\r\n'}`);
    return ok(null);
  }

  /** The held card is taken away. */
  remove(): void { this.onBytes('No card\r\n'); }

  /** Raw bytes as if the reader sent them (garbled lines, noise). */
  feed(bytes: Uint8Array | string): void { this.onBytes(bytes); }
}
