/** An error that becomes an HTTP answer `{ error: { code, message, details } }`; `message` is Russian. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: 'BAD_INPUT' | 'UNAUTHORIZED' | 'FORBIDDEN' | 'NOT_FOUND' | 'CONFLICT' | 'RATE_LIMITED' | 'INTERNAL',
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'HttpError';
  }

  body() {
    return { error: this.details === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, details: this.details } };
  }
}

/** zod issues → one Russian line per problem, with the path ("entries.3.seq: …"). */
export function describeIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string[] {
  return issues.slice(0, 20).map((i) => (i.path.length ? `${i.path.map(String).join('.')}: ${i.message}` : i.message));
}
