import { z } from 'zod';
import { parseMoney } from '../../core/money.js';

/**
 * A sum typed in rubles ("49,61", "1 000") → integer kopecks, with a Russian
 * message when it is not a sum. `negative`: a correction may take money off.
 */
export function rublesField(what: string, opts: { negative?: boolean; zero?: boolean } = {}) {
  return z.string().transform((v, ctx) => {
    try { return parseMoney(v); } catch {
      ctx.addIssue({ code: 'custom', message: `${what}: сумма в рублях, например 49,61` });
      return z.NEVER;
    }
  })
    .refine((k) => opts.negative || k >= 0, `${what} не может быть отрицательной`)
    .refine((k) => opts.zero !== false || k !== 0, `${what} не может быть нулевой`);
}

export function apiMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
