import type { FetchFn } from '../../src/terminal/sync/transport.js';

/** A network cable the test can pull: while `down`, every request fails like a refused connection. */
export class Cable {
  down = false;
  requests = 0;
  refused = 0;
  /** Base URL rewrite, e.g. to follow a restarted server to its new port. */
  target: string | undefined;
  /** Times (ms, from `now`) of the requests made while down. */
  readonly refusedAt: number[] = [];
  constructor(private readonly now: () => number = Date.now) {}

  readonly fetch: FetchFn = async (input, init) => {
    this.requests++;
    if (this.down) {
      this.refused++;
      this.refusedAt.push(this.now());
      throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    }
    const url = this.target ? input.replace(/^http:\/\/[^/]+/, this.target) : input;
    return fetch(url, init);
  };
}
