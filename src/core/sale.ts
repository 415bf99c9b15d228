import type { ApiError, Result } from './result.js';
import { fail, ok } from './result.js';
import type { CardState, CartLine } from './types.js';
import type { Kopecks } from './money.js';
import { formatAmount } from './money.js';

/**
 * The sale rule, pure: prices a cart for one pupil and decides whether the
 * account may pay for it. The terminal feeds it what it knows offline.
 */

export interface CatalogItem {
  id: string;
  kind: 'dish' | 'mealSet';
  name: string;
  price: Kopecks;
  categoryId: string;
}

export interface Entitlement {
  ruleId: string;
  mealSetId: string;
  parentPays: Kopecks;
}

export interface PupilContext {
  cardState: CardState;
  /** serverBalance + local entries not yet in it. */
  balance: Kopecks;
  /** Positive kopecks the balance may go below zero now (see allowedOverdraft). */
  overdraft: Kopecks;
  /** Kopecks the parents' open meal pre-orders hold (docs/orders.md): a sale may not spend them (fundsShortfall). */
  reserved?: Kopecks;
  dailyLimit?: Kopecks | null;
  spentToday: Kopecks;
  barredItemIds: ReadonlySet<string>;
  barredCategoryIds: ReadonlySet<string>;
  /** Every entitlement the pupil's categories give (several may cover one meal set). */
  entitlements: readonly Entitlement[];
  /** Meal sets whose benefit was already used this school day. */
  usedToday: ReadonlySet<string>;
}

export interface PricedLine {
  itemId: string;
  kind: 'dish' | 'mealSet';
  name: string;
  quantity: number;
  unitPrice: Kopecks;
  amount: Kopecks;
  subsidy: Kopecks;
  ruleId?: string;
  note?: string;
}

export interface PricedSale {
  lines: PricedLine[];
  total: Kopecks;
  subsidy: Kopecks;
  balanceAfter: Kopecks;
}

export const MAX_QUANTITY = 99;
export const MAX_LINES = 50;

/** The school's overdraft applies only while the terminal cannot reach the server. */
export function allowedOverdraft(schoolLimit: Kopecks, online: boolean): Kopecks {
  return online ? 0 : Math.max(0, schoolLimit);
}

/**
 * The balance rule of a debit, in one place for the till (priceSale refuses) and the server (the push
 * flags, src/server/ledger/push.ts): after it, доступно = balance − reserved must stay ≥ −overdraft.
 * Money the parents' open pre-orders reserve is theirs for the order (the cabinet says so), so a sale at
 * the till may not spend it. 'overdraft': below what the balance itself may reach; 'reserved': the
 * balance would stay within it, but only by eating into the reservation.
 */
export function fundsShortfall(balanceAfter: Kopecks, reserved: Kopecks, overdraft: Kopecks): 'overdraft' | 'reserved' | null {
  if (balanceAfter < -overdraft) return 'overdraft';
  if (balanceAfter - Math.max(0, reserved) < -overdraft) return 'reserved';
  return null;
}

/** The best (cheapest for parents) entitlement per meal set. */
export function bestEntitlements(all: readonly Entitlement[]): Map<string, Entitlement> {
  const best = new Map<string, Entitlement>();
  for (const e of all) {
    const cur = best.get(e.mealSetId);
    if (!cur || e.parentPays < cur.parentPays) best.set(e.mealSetId, e);
  }
  return best;
}

/** Checks the cart's shape and merges repeated items, keeping first-seen order. */
export function normalizeCart(lines: unknown): Result<CartLine[]> {
  if (!Array.isArray(lines)) return fail('BAD_INPUT', 'Неверный состав покупки');
  if (lines.length === 0) return fail('EMPTY_SALE', 'Покупка пуста: выберите блюда');
  if (lines.length > MAX_LINES) return fail('BAD_INPUT', `Слишком много строк в покупке (не больше ${MAX_LINES})`);
  const merged = new Map<string, number>();
  for (const l of lines as unknown[]) {
    const line = l as Partial<CartLine> | null;
    if (!line || typeof line !== 'object' || typeof line.itemId !== 'string' || line.itemId.length === 0 || line.itemId.length > 100) {
      return fail('BAD_INPUT', 'Неверная строка покупки');
    }
    const q = line.quantity;
    if (typeof q !== 'number' || !Number.isInteger(q) || q < 1 || q > MAX_QUANTITY) {
      return fail('BAD_INPUT', `Количество должно быть целым числом от 1 до ${MAX_QUANTITY}`);
    }
    merged.set(line.itemId, (merged.get(line.itemId) ?? 0) + q);
  }
  const out: CartLine[] = [];
  for (const [itemId, quantity] of merged) {
    if (quantity > MAX_QUANTITY) return fail('BAD_INPUT', `Количество должно быть целым числом от 1 до ${MAX_QUANTITY}`);
    out.push({ itemId, quantity });
  }
  return ok(out);
}

export function cardStateError(state: CardState): ApiError | null {
  if (state === 'blocked') return { code: 'CARD_BLOCKED', message: 'Карта заблокирована. Продажа невозможна' };
  if (state === 'lost') return { code: 'CARD_LOST', message: 'Карта числится утерянной. Продажа невозможна' };
  return null;
}

/**
 * Prices the cart and applies the balance rule, overdraft, daily limit,
 * barred items and once-a-day benefits. A benefit covers one portion of its
 * meal set per school day; further portions (and a second use) cost the full price.
 */
export function priceSale(
  cart: readonly CartLine[],
  catalog: ReadonlyMap<string, CatalogItem>,
  pupil: PupilContext,
): Result<PricedSale> {
  const cardErr = cardStateError(pupil.cardState);
  if (cardErr) return { ok: false, error: cardErr };
  if (cart.length === 0) return fail('EMPTY_SALE', 'Покупка пуста: выберите блюда');

  const best = bestEntitlements(pupil.entitlements);
  const lines: PricedLine[] = [];
  for (const { itemId, quantity } of cart) {
    const item = catalog.get(itemId);
    if (!item) return fail('UNKNOWN_ITEM', 'Блюдо не найдено в меню', { itemId });
    if (pupil.barredItemIds.has(item.id) || pupil.barredCategoryIds.has(item.categoryId)) {
      return fail('BARRED_ITEM', `Родители запретили: «${item.name}»`, { itemId });
    }
    let fullQty = quantity;
    const ent = item.kind === 'mealSet' ? best.get(item.id) : undefined;
    if (ent && !pupil.usedToday.has(item.id)) {
      const parentPays = Math.min(ent.parentPays, item.price);
      lines.push({
        itemId: item.id, kind: item.kind, name: item.name, quantity: 1, unitPrice: item.price,
        amount: parentPays, subsidy: item.price - parentPays, ruleId: ent.ruleId,
        note: parentPays === 0 ? 'льгота: бесплатно' : 'льгота: родительская плата',
      });
      fullQty -= 1;
    }
    if (fullQty > 0) {
      lines.push({
        itemId: item.id, kind: item.kind, name: item.name, quantity: fullQty, unitPrice: item.price,
        amount: item.price * fullQty, subsidy: 0,
      });
    }
  }
  let total = 0;
  let subsidy = 0;
  for (const l of lines) { total += l.amount; subsidy += l.subsidy; }
  const balanceAfter = pupil.balance - total;

  const reserved = Math.max(0, pupil.reserved ?? 0);
  const short = total > 0 ? fundsShortfall(balanceAfter, reserved, pupil.overdraft) : null;
  if (short === 'overdraft') {
    return fail('INSUFFICIENT_FUNDS',
      `Недостаточно средств: на счёте ${formatAmount(pupil.balance)} ₽, к оплате ${formatAmount(total)} ₽`,
      { balance: pupil.balance, total, overdraft: pupil.overdraft });
  }
  if (short === 'reserved') {
    return fail('INSUFFICIENT_FUNDS',
      `Недостаточно средств: доступно ${formatAmount(Math.max(0, pupil.balance - reserved))} ₽ (ещё ${formatAmount(reserved)} ₽ зарезервировано под заказ питания), к оплате ${formatAmount(total)} ₽`,
      { balance: pupil.balance, reserved, total, overdraft: pupil.overdraft });
  }
  if (total > 0 && pupil.dailyLimit != null && pupil.spentToday + total > pupil.dailyLimit) {
    const left = Math.max(0, pupil.dailyLimit - pupil.spentToday);
    return fail('DAILY_LIMIT',
      `Превышен дневной лимит родителей ${formatAmount(pupil.dailyLimit)} ₽: сегодня осталось ${formatAmount(left)} ₽`,
      { dailyLimit: pupil.dailyLimit, spentToday: pupil.spentToday, total });
  }
  return ok({ lines, total, subsidy, balanceAfter });
}
