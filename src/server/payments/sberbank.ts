import {
  GatewayRefused, GatewayUnavailable,
  type CallbackRequest, type CreatedPayment, type NewPayment, type OrderState, type PaymentGateway, type VerifyResult,
} from '../cabinet/gateway.js';
import { checksumValid, fromOrderNumber, toOrderNumber } from './sberbank-checksum.js';

/**
 * Sberbank internet acquiring (the "payment/rest" API of its payment gateway):
 * form-encoded POSTs to `<apiUrl>register.do`, `getOrderStatusExtended.do`,
 * `paymentOrderBinding.do`, `refund.do`; JSON answers that carry `errorCode`
 * ("0" or absent = fine) and `errorMessage`. The callback is a GET or POST with
 * `mdOrder`, `orderNumber`, `operation`, `status` and a `checksum`
 * (sberbank-checksum.ts); it is only a reason to ask `getOrderStatusExtended.do`,
 * whose `orderStatus` 2 is the one thing that credits money.
 */
export interface SberbankSettings {
  /** Base URL ending "/payment/rest/" (the bank's test or production server). */
  apiUrl: string;
  userName?: string;
  password?: string;
  /** Instead of userName/password, when the bank issued a token. */
  token?: string;
  /** Key of the callback checksum (the merchant's personal area shows it). */
  callbackKey: string;
  /** 54-ФЗ fiscal receipt through the bank's cloud cash register; null = the merchant fiscalises elsewhere. */
  receipt: { taxSystem: number; paymentMethod: 'advance' | 'full_prepayment' } | null;
  /** Offer to save the card (bindings) so parents can turn on auto top-up. */
  bindings: boolean;
  /** Per request (ms). */
  timeoutMs?: number;
}

/** orderStatus of getOrderStatusExtended.do. */
export const ORDER_STATUS = {
  registered: 0, preauthorised: 1, deposited: 2, reversed: 3, refunded: 4, acsStarted: 5, declined: 6,
} as const;

/** 54-ФЗ tag 1214 as Sberbank numbers it (itemAttributes.paymentMethod). */
const PAYMENT_METHOD = { full_prepayment: '1', advance: '3' } as const;
/** paymentObject 10: «платёж» (a payment, not goods: the meals are sold later at the till). */
const PAYMENT_OBJECT_PAYMENT = '10';
/** tax.taxType 0: «без НДС». */
const TAX_NONE = 0;

type Json = Record<string, unknown>;

export class SberbankGateway implements PaymentGateway {
  readonly id = 'sberbank';
  readonly title = 'Сбербанк';
  readonly origin: string;
  private readonly timeoutMs: number;

  constructor(private readonly s: SberbankSettings) {
    this.origin = new URL(s.apiUrl).origin;
    this.timeoutMs = s.timeoutMs ?? 20_000;
  }

  get bindingsEnabled(): boolean { return this.s.bindings; }

  /** One API call: form-encoded POST, JSON answer, errorCode checked. */
  private async call(method: string, fields: Record<string, string | undefined>): Promise<Json> {
    const form = new URLSearchParams();
    if (this.s.token) form.set('token', this.s.token);
    else { form.set('userName', this.s.userName ?? ''); form.set('password', this.s.password ?? ''); }
    for (const [k, v] of Object.entries(fields)) if (v !== undefined) form.set(k, v);
    let res: Response;
    try {
      res = await fetch(new URL(method, this.s.apiUrl), {
        method: 'POST', body: form, signal: AbortSignal.timeout(this.timeoutMs),
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', accept: 'application/json' },
      });
    } catch (err) {
      throw new GatewayUnavailable(`банк не отвечает (${method}): ${(err as Error).message}`);
    }
    if (!res.ok) throw new GatewayUnavailable(`банк ответил HTTP ${res.status} (${method})`);
    let json: Json;
    try { json = (await res.json()) as Json; } catch { throw new GatewayUnavailable(`ответ банка не JSON (${method})`); }
    if (!json || typeof json !== 'object') throw new GatewayUnavailable(`ответ банка не JSON (${method})`);
    const code = json.errorCode === undefined || json.errorCode === null ? '0' : String(json.errorCode as string | number);
    if (code !== '0') {
      const message = String((json.errorMessage ?? json.error ?? 'ошибка без описания') as string);
      // 7: the bank's own system error — worth retrying, unlike a refusal.
      if (code === '7') throw new GatewayUnavailable(`банк: ${message} (код ${code}, ${method})`);
      throw new GatewayRefused(`банк: ${message} (код ${code})`, code);
    }
    return json;
  }

  /** The fiscal receipt: one position, the top-up of this account, as an advance without VAT. */
  orderBundle(p: NewPayment): string {
    const r = this.s.receipt!;
    return JSON.stringify({
      ...(p.email ? { customerDetails: { email: p.email } } : {}),
      cartItems: {
        items: [{
          positionId: '1',
          name: `Пополнение лицевого счёта №${p.accountNumber}`,
          quantity: { value: 1, measure: 'шт' },
          itemAmount: p.amount,
          itemPrice: p.amount,
          itemCode: `topup-${p.accountNumber}`,
          tax: { taxType: TAX_NONE },
          itemAttributes: { attributes: [
            { name: 'paymentMethod', value: PAYMENT_METHOD[r.paymentMethod] },
            { name: 'paymentObject', value: PAYMENT_OBJECT_PAYMENT },
          ] },
        }],
      },
    });
  }

  private registerFields(p: NewPayment, extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
    return {
      orderNumber: toOrderNumber(p.orderId),
      amount: String(p.amount),
      currency: '643',
      returnUrl: p.returnUrl,
      failUrl: p.returnUrl,
      description: p.description.slice(0, 512),
      language: 'ru',
      dynamicCallbackUrl: p.callbackUrl,
      ...(p.email ? { email: p.email } : {}),
      ...(this.s.receipt ? { orderBundle: this.orderBundle(p), taxSystem: String(this.s.receipt.taxSystem) } : {}),
      ...(p.clientId ? { clientId: p.clientId } : {}),
      ...extra,
    };
  }

  async createPayment(p: NewPayment): Promise<CreatedPayment> {
    const json = await this.call('register.do', this.registerFields(p, this.s.bindings ? {} : { clientId: undefined }));
    const orderId = typeof json.orderId === 'string' ? json.orderId : '';
    const formUrl = typeof json.formUrl === 'string' ? json.formUrl : '';
    if (!orderId || !/^https:\/\/|^http:\/\/(127\.0\.0\.1|localhost)[:/]/.test(formUrl)) {
      throw new GatewayUnavailable('банк не вернул номер заказа и адрес страницы оплаты');
    }
    return { externalId: orderId, redirectUrl: formUrl };
  }

  verifyCallback(req: CallbackRequest): VerifyResult {
    const p = req.params;
    for (const name of ['mdOrder', 'orderNumber', 'operation', 'status', 'checksum'] as const) {
      if (typeof p[name] !== 'string' || p[name] === '') return { ok: false, reason: `нет поля ${name}` };
    }
    if (!checksumValid(p, this.s.callbackKey)) return { ok: false, reason: 'контрольная сумма неверна' };
    const orderId = fromOrderNumber(p.orderNumber!);
    if (!orderId) return { ok: false, reason: 'номер заказа в неверном формате' };
    let amount: number | null = null;
    if (p.amount !== undefined) {
      if (!/^\d{1,12}$/.test(p.amount)) return { ok: false, reason: 'сумма в неверном формате' };
      amount = Number(p.amount);
    }
    const ok = p.status === '1';
    const status = p.operation === 'deposited' && ok ? 'paid'
      : (p.operation === 'declinedByTimeout' || !ok) ? 'failed' : 'other';
    return { ok: true, notice: { orderId, externalId: p.mdOrder!, amount, status } };
  }

  async orderStatus(o: { orderId: string; externalId: string | null }): Promise<OrderState> {
    let json: Json;
    try {
      json = await this.call('getOrderStatusExtended.do', {
        ...(o.externalId ? { orderId: o.externalId } : { orderNumber: toOrderNumber(o.orderId) }), language: 'ru',
      });
    } catch (err) {
      // 6: the bank has no such order (registration never reached it).
      if (err instanceof GatewayRefused && err.code === '6') return { state: 'failed', externalId: o.externalId, reason: 'банк не знает такого заказа' };
      throw err;
    }
    if (typeof json.orderNumber === 'string' && json.orderNumber !== toOrderNumber(o.orderId)) {
      throw new GatewayRefused('банк ответил о другом заказе', 'orderNumber');
    }
    const status = Number(json.orderStatus);
    const externalId = o.externalId ?? (Array.isArray(json.attributes)
      ? String((json.attributes as { name: string; value: string }[]).find((a) => a.name === 'mdOrder')?.value ?? '') || null : null);
    if (status === ORDER_STATUS.deposited) {
      const info = (json.paymentAmountInfo ?? {}) as Json;
      const amount = Number(info.depositedAmount ?? json.amount);
      if (!Number.isSafeInteger(amount)) throw new GatewayUnavailable('банк не сообщил сумму оплаченного заказа');
      const b = (json.bindingInfo ?? null) as Json | null;
      const card = (json.cardAuthInfo ?? {}) as Json;
      const binding = b && typeof b.bindingId === 'string' && typeof b.clientId === 'string'
        ? { clientId: b.clientId, bindingId: b.bindingId, cardMask: typeof card.maskedPan === 'string' ? card.maskedPan : typeof card.pan === 'string' ? card.pan : null }
        : undefined;
      return { state: 'paid', amount, externalId: externalId ?? '', ...(binding ? { binding } : {}) };
    }
    if (status === ORDER_STATUS.declined || status === ORDER_STATUS.reversed || status === ORDER_STATUS.refunded) {
      const why = typeof json.actionCodeDescription === 'string' && json.actionCodeDescription ? json.actionCodeDescription : 'платёж отклонён';
      return { state: 'failed', externalId, reason: why };
    }
    return { state: 'pending', externalId };
  }

  async chargeBinding(p: NewPayment & { clientId: string; bindingId: string; ip: string }): Promise<{ externalId: string }> {
    const reg = await this.call('register.do', this.registerFields(p, { clientId: p.clientId, features: 'AUTO_PAYMENT' }));
    const externalId = typeof reg.orderId === 'string' ? reg.orderId : '';
    if (!externalId) throw new GatewayUnavailable('банк не вернул номер заказа');
    try {
      await this.call('paymentOrderBinding.do', { mdOrder: externalId, bindingId: p.bindingId, ip: p.ip, language: 'ru' });
    } catch (err) {
      // A refusal, or no answer: the order exists at the bank either way, and what
      // getOrderStatusExtended.do says about it decides (the caller settles it, the poller retries).
      if (!(err instanceof GatewayRefused || err instanceof GatewayUnavailable)) throw err;
    }
    return { externalId };
  }

  async refund(p: { externalId: string; amount: number }): Promise<void> {
    await this.call('refund.do', { orderId: p.externalId, amount: String(p.amount), language: 'ru' });
  }

  async refundedAmount(externalId: string): Promise<number> {
    const json = await this.call('getOrderStatusExtended.do', { orderId: externalId, language: 'ru' });
    const info = (json.paymentAmountInfo ?? {}) as Json;
    const refunded = Number(info.refundedAmount ?? 0);
    if (!Number.isSafeInteger(refunded) || refunded < 0) throw new GatewayUnavailable('банк не сообщил сумму возвратов по заказу');
    return refunded;
  }
}
