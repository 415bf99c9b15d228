import type { ReaderState } from '../../src/core/types.js';
import { CardPipeline, type CardEvent, type PipelineOptions, type PipelineOutput, type ReaderErrorEvent } from './pipeline.js';

export type { CardEvent, ReaderErrorEvent, ReaderState };

/** Typed events of every reader adapter. The terminal forwards them as PosEvent `card`, `cardError`, `reader`. */
export interface ReaderEvents {
  card: CardEvent;
  error: ReaderErrorEvent;
  state: ReaderState;
}

export type ReaderKind = 'serial' | 'hid' | 'simulated' | 'none';

export interface CardReader {
  readonly kind: ReaderKind;
  /** The current state (the last `state` event). */
  readonly state: ReaderState;
  /** Subscribes; returns the unsubscribe function. */
  on<E extends keyof ReaderEvents>(event: E, listener: (payload: ReaderEvents[E]) => void): () => void;
  /** Opens the device (or starts looking for it). Never rejects: failures become `state.lastError`. */
  start(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Event plumbing and the card pipeline shared by every adapter. Hand-written
 * rather than node:events so the module stays importable anywhere and a
 * throwing listener cannot break the port's data handler.
 */
export abstract class BaseReader implements CardReader {
  abstract readonly kind: ReaderKind;
  private listeners: { [E in keyof ReaderEvents]: Set<(p: ReaderEvents[E]) => void> } = {
    card: new Set(), error: new Set(), state: new Set(),
  };
  protected readonly pipeline: CardPipeline;
  private current: ReaderState;

  constructor(initial: ReaderState, pipelineOptions?: PipelineOptions) {
    this.current = initial;
    this.pipeline = new CardPipeline(pipelineOptions);
  }

  get state(): ReaderState { return this.current; }

  on<E extends keyof ReaderEvents>(event: E, listener: (payload: ReaderEvents[E]) => void): () => void {
    const set = this.listeners[event] as Set<(p: ReaderEvents[E]) => void>;
    set.add(listener);
    return () => { set.delete(listener); };
  }

  abstract start(): Promise<void>;
  abstract close(): Promise<void>;

  protected emit<E extends keyof ReaderEvents>(event: E, payload: ReaderEvents[E]): void {
    for (const l of [...this.listeners[event]] as ((p: ReaderEvents[E]) => void)[]) {
      try { l(payload); } catch (err) { console.error(`reader ${event} listener failed:`, err); }
    }
  }

  /** Emits `state` only when something the UI shows changed. */
  protected setState(next: ReaderState): void {
    const c = this.current;
    if (c.connected === next.connected && c.port === next.port && c.simulated === next.simulated && c.lastError === next.lastError) return;
    this.current = next;
    this.emit('state', next);
  }

  protected deliver(outputs: PipelineOutput[]): void {
    for (const o of outputs) {
      if (o.type === 'card') this.emit('card', o.event);
      else this.emit('error', o.event);
    }
  }

  /** Raw bytes from the device. */
  protected onBytes(bytes: Uint8Array | string): void {
    this.deliver(this.pipeline.push(bytes));
  }
}

/** `CANTEEN_READER=none`: no reader; the cashier types or picks pupils by hand. */
export class NoReader extends BaseReader {
  readonly kind = 'none' as const;
  constructor(reason = 'Считыватель не настроен') { super({ connected: false, simulated: false, lastError: reason }); }
  async start(): Promise<void> {}
  async close(): Promise<void> {}
}
