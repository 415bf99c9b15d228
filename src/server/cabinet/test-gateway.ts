import { createHmac, timingSafeEqual } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';
import type { CallbackRequest, CreatedPayment, NewPayment, OrderState, PaymentGateway, PaymentNotice, VerifyResult } from './gateway.js';

/**
 * The built-in test gateway: a payment page of its own (served by the cabinet
 * under /test-gateway/) and an HMAC-SHA256 signed callback in the style of
 * Stripe's: header `X-Test-Gateway-Signature: t=<unix seconds>,v1=<hex>` over
 * "<t>.<raw body>". Notices older than the tolerance are refused, so a
 * captured notice cannot be replayed later; within it, the cabinet's
 * idempotent crediting makes a repeat harmless.
 */
export const SIGNATURE_HEADER = 'x-test-gateway-signature';
export const TOLERANCE_SECONDS = 300;

const noticeSchema = z.object({
  orderId: z.string().min(1).max(100),
  paymentId: z.string().min(1).max(100),
  amount: z.number().int().positive().safe(),
  status: z.enum(['paid', 'failed']),
});

export interface TestOrder extends NewPayment { externalId: string; state: 'open' | 'paid' | 'failed' }

/** Sends a signed notice to the callback URL; the cabinet wires it to an in-process request. */
export type Deliver = (url: string, body: string, headers: Record<string, string>) => Promise<{ status: number; body: string }>;

export class TestGateway implements PaymentGateway {
  readonly id = 'test';
  readonly title = 'Тестовый платёжный шлюз';
  readonly origin = null;               // same origin as the cabinet
  private readonly orders = new Map<string, TestOrder>();
  deliver: Deliver | null = null;

  constructor(private readonly secret: string, private readonly pagePrefix = '/test-gateway', private readonly now = () => new Date()) {}

  async createPayment(p: NewPayment): Promise<CreatedPayment> {
    const order: TestOrder = { ...p, externalId: `tg_${uuidv7()}`, state: 'open' };
    this.orders.set(order.externalId, order);
    return { externalId: order.externalId, redirectUrl: `${this.pagePrefix}/pay/${encodeURIComponent(order.externalId)}` };
  }

  /** Orders live in this process's memory: after a restart the test bank knows none (they stay pending, then expire). */
  async orderStatus(o: { orderId: string; externalId: string | null }): Promise<OrderState> {
    const order = o.externalId ? this.orders.get(o.externalId) : [...this.orders.values()].find((x) => x.orderId === o.orderId);
    if (!order || order.orderId !== o.orderId) return { state: 'pending', externalId: o.externalId };
    if (order.state === 'paid') return { state: 'paid', amount: order.amount, externalId: order.externalId };
    if (order.state === 'failed') return { state: 'failed', externalId: order.externalId, reason: 'платёж отменён' };
    return { state: 'pending', externalId: order.externalId };
  }

  order(externalId: string): TestOrder | undefined {
    return this.orders.get(externalId);
  }

  /** Signs a notice body the way the gateway does (also used by tests to forge-check). */
  sign(body: string, at = this.now()): string {
    const t = Math.floor(at.getTime() / 1000);
    return `t=${t},v1=${createHmac('sha256', this.secret).update(`${t}.${body}`).digest('hex')}`;
  }

  noticeBody(order: TestOrder, status: 'paid' | 'failed'): string {
    return JSON.stringify({ orderId: order.orderId, paymentId: order.externalId, amount: order.amount, status });
  }

  /** The parent pressed "Оплатить" or "Отменить" on the test page: notify the shop, then send the parent back. */
  async complete(externalId: string, status: 'paid' | 'failed'): Promise<{ returnUrl: string; delivered: boolean }> {
    const order = this.orders.get(externalId);
    if (!order) throw new Error('unknown test order');
    // A second press (or a retried notice) repeats the first outcome.
    if (order.state === 'open') order.state = status;
    const body = this.noticeBody(order, order.state === 'failed' ? 'failed' : 'paid');
    let delivered = false;
    if (this.deliver) {
      const res = await this.deliver(order.callbackUrl, body, { 'content-type': 'application/json', [SIGNATURE_HEADER]: this.sign(body) });
      delivered = res.status === 200;
    }
    return { returnUrl: order.returnUrl, delivered };
  }

  verifyCallback({ rawBody, headers }: CallbackRequest): VerifyResult {
    const header = headers[SIGNATURE_HEADER];
    if (typeof header !== 'string') return { ok: false, reason: 'нет подписи' };
    const m = /^t=(\d{1,12}),v1=([0-9a-f]{64})$/.exec(header.trim());
    if (!m) return { ok: false, reason: 'подпись в неверном формате' };
    const t = Number(m[1]);
    const want = createHmac('sha256', this.secret).update(`${t}.${rawBody}`).digest();
    const got = Buffer.from(m[2]!, 'hex');
    if (got.length !== want.length || !timingSafeEqual(got, want)) return { ok: false, reason: 'подпись неверна' };
    if (Math.abs(this.now().getTime() / 1000 - t) > TOLERANCE_SECONDS) return { ok: false, reason: 'уведомление устарело' };
    let json: unknown;
    try { json = JSON.parse(rawBody); } catch { return { ok: false, reason: 'тело не JSON' }; }
    const parsed = noticeSchema.safeParse(json);
    if (!parsed.success) return { ok: false, reason: 'уведомление в неверном формате' };
    const notice: PaymentNotice = {
      orderId: parsed.data.orderId, externalId: parsed.data.paymentId, amount: parsed.data.amount, status: parsed.data.status,
    };
    return { ok: true, notice };
  }
}
