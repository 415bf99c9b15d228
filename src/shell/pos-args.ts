import { z } from 'zod';
import type { PosApi } from '../api/pos-api.js';
import { POS_API_METHODS } from '../api/pos-api.js';
import { fail, type Result } from '../api/result.js';

/**
 * Argument schemas for every PosApi method, checked at the process boundary
 * (HTTP in the browser shell, IPC in Electron main) before the core sees
 * anything. The core validates again; this layer only stops garbage early and
 * keeps unexpected shapes (prototype tricks, huge payloads) out.
 */
const cardId = z.string().min(1).max(64);
const id = z.string().min(1).max(100);
const text = z.string().max(500);
const kopecks = z.number().int().safe();

const saleRequest = z.strictObject({
  saleId: id,
  cardId,
  lines: z.array(z.strictObject({ itemId: id, quantity: z.number().int().min(1).max(999) })).max(100),
  tapId: id.optional(),
  allergenConfirmed: z.array(id).max(100).optional(),
});
/** A manager's PIN typed in place (opening or closing the shift from a cashier's session). */
const optionalPin = z.union([z.tuple([]), z.tuple([z.string().max(32)])]);

const shiftReport = z.object({
  kind: z.enum(['X', 'Z']),
  shift: z.object({ id, number: z.number().int(), openedAt: z.string(), openedBy: z.string(), closedAt: z.string().optional() }),
  generatedAt: z.string(),
  salesCount: z.number().int(), salesTotal: kopecks, subsidyTotal: kopecks,
  refundsCount: z.number().int(), refundsTotal: kopecks, net: kopecks,
  firstReceipt: z.string().optional(), lastReceipt: z.string().optional(),
  perItem: z.array(z.object({ itemId: z.string(), name: z.string(), quantity: z.number().int(), amount: kopecks })).max(1000),
  text: z.array(z.string().max(200)).max(2000),
});

export const POS_ARGS = {
  status: z.tuple([]),
  login: z.tuple([z.string().max(32)]),
  logout: z.tuple([]),
  menu: z.tuple([]),
  identifyCard: z.tuple([cardId]),
  quote: z.tuple([saleRequest]),
  sell: z.tuple([saleRequest]),
  lastReceipts: z.tuple([z.number().int().min(1).max(500)]),
  receipt: z.tuple([id]),
  reprint: z.tuple([id]),
  openShift: optionalPin,
  xReport: z.tuple([]),
  closeShift: optionalPin,
  printReport: z.tuple([shiftReport]),
  refund: z.tuple([id, text]),
  blockCard: z.tuple([cardId, text]),
  newCabinetPassword: z.tuple([z.string().max(32)]),
  orderDay: z.tuple([]),
  orderClass: z.tuple([id, z.string().min(1).max(20)]),
  serveOrders: z.tuple([z.strictObject({
    sittingId: id, className: z.string().min(1).max(20), lineIds: z.array(id).max(200).optional(), cardId: cardId.optional(), all: z.boolean().optional(),
  })]),
  simulateTap: z.tuple([cardId]),
} satisfies { [M in keyof PosApi]: z.ZodType<Parameters<PosApi[M]>> };

export type PosMethod = keyof typeof POS_ARGS;

export function isPosMethod(name: string): name is PosMethod {
  return (POS_API_METHODS as readonly string[]).includes(name);
}

/**
 * Validates and forwards one call. Never throws: a throw inside the core
 * becomes INTERNAL, bad arguments become BAD_INPUT with a Russian message.
 */
export async function callPos(api: PosApi, method: string, args: unknown): Promise<Result<unknown>> {
  if (!isPosMethod(method)) return fail('BAD_INPUT', `Неизвестная операция: ${method.slice(0, 40)}`);
  const parsed = POS_ARGS[method].safeParse(args ?? []);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return fail('BAD_INPUT', `Неверный запрос (${method}): ${issue ? `${issue.path.join('.') || 'аргументы'} — ${issue.message}` : 'аргументы'}`);
  }
  try {
    const fn = (api[method] as (...a: unknown[]) => Promise<Result<unknown>>).bind(api);
    const result = await fn(...(parsed.data as unknown[]));
    if (!result || typeof result !== 'object' || typeof (result as { ok?: unknown }).ok !== 'boolean') {
      return fail('INTERNAL', 'Внутренняя ошибка терминала: неверный ответ');
    }
    return result;
  } catch (err) {
    return fail('INTERNAL', 'Внутренняя ошибка терминала. Повторите операцию', { cause: String((err as Error)?.message ?? err) });
  }
}
