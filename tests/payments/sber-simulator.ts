import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import { callbackChecksum } from '../../src/server/payments/sberbank-checksum.js';

/**
 * A stand-in for Sberbank's payment gateway that speaks its wire format:
 * form-encoded POSTs to /payment/rest/*.do answered with JSON carrying
 * errorCode/errorMessage, a payment page the browser can pay on, and callbacks
 * with the HMAC-SHA256 checksum. It checks that our requests carry what the
 * bank (and issue #10) require and lists every shortfall in `problems`. Knobs
 * let a test drop callbacks, sign them wrongly, report another amount, answer
 * error codes or be down. Listens on 127.0.0.1, port 0: no test reaches a network.
 */
export interface SimOrder {
  mdOrder: string;
  orderNumber: string;
  amount: number;
  returnUrl: string;
  failUrl: string;
  description: string;
  callbackUrl: string;
  clientId: string | null;
  autoPayment: boolean;
  /** orderStatus: 0 registered, 2 deposited, 4 refunded, 6 declined. */
  status: number;
  actionCode: number;
  actionCodeDescription: string;
  deposited: number;
  refunded: number;
  bindingId: string | null;
  fields: Record<string, string>;
}

export interface SimBinding { bindingId: string; clientId: string; maskedPan: string; decline: boolean }
export type Deliver = (url: string, params: Record<string, string>) => Promise<number>;

export class SberSimulator {
  readonly callbackKey = 'sim-callback-key-0123456789';
  readonly userName = 'school-api';
  readonly password = 'sim-password';
  readonly token = 'sim-token-0123';
  readonly orders = new Map<string, SimOrder>();
  readonly bindings = new Map<string, SimBinding>();
  readonly requests: { method: string; fields: Record<string, string> }[] = [];
  readonly callbacks: { url: string; params: Record<string, string>; status: number | null }[] = [];
  /** What our requests lacked; a test asserts it is empty. */
  readonly problems: string[] = [];
  /** Whether register.do must carry a fiscal receipt (orderBundle + taxSystem) or must not. */
  expectReceipt = true;
  /** Connections are cut (the bank is down). */
  down = false;
  dropCallbacks = false;
  badChecksum = false;
  /** Put `amount` into callbacks (the bank may), optionally a different one. */
  callbackAmount: ((o: SimOrder) => number) | null = null;
  /** Deposit a different sum than the order's (what getOrderStatusExtended.do then reports). */
  depositAmount: ((o: SimOrder) => number) | null = null;
  /** The next answer of a method is this error. */
  readonly failNext = new Map<string, { errorCode: string; errorMessage: string }>();
  /** How callbacks reach the shop: HTTP GET by default; tests without a listening server inject. */
  deliver: Deliver = async (url, params) => {
    const u = new URL(url);
    for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
    const res = await fetch(u, { signal: AbortSignal.timeout(10_000) });
    await res.arrayBuffer();
    return res.status;
  };
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  url = '';

  get apiUrl(): string { return `${this.url}/payment/rest/`; }

  async start(): Promise<this> {
    this.server = createServer((req, res) => { this.handle(req, res).catch((err: unknown) => { res.statusCode = 500; res.end(String(err)); }); });
    this.server.on('connection', (s) => { this.sockets.add(s); s.on('close', () => this.sockets.delete(s)); });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  /** Environment for `canteen server` pointing at this simulator. */
  env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      CANTEEN_PAYMENTS: 'sberbank', CANTEEN_SBERBANK_API_URL: this.apiUrl, CANTEEN_SBERBANK_USERNAME: this.userName,
      CANTEEN_SBERBANK_PASSWORD: this.password, CANTEEN_SBERBANK_CALLBACK_KEY: this.callbackKey, CANTEEN_SBERBANK_TAX_SYSTEM: '0', ...extra,
    };
  }

  orderByNumber(orderNumber: string): SimOrder | undefined {
    return [...this.orders.values()].find((o) => o.orderNumber === orderNumber);
  }

  last(method: string): Record<string, string> | undefined {
    return [...this.requests].reverse().find((r) => r.method === method)?.fields;
  }

  /** The payer pays on the bank's page: deposited, a binding saved when asked, then the callback. */
  async pay(mdOrder: string, opts: { saveCard?: boolean } = {}): Promise<void> {
    const o = this.orders.get(mdOrder);
    if (!o) throw new Error(`no order ${mdOrder}`);
    if (o.status === 0) {
      o.status = 2; o.actionCode = 0; o.actionCodeDescription = '';
      o.deposited = this.depositAmount ? this.depositAmount(o) : o.amount;
      if (opts.saveCard && o.clientId) {
        const b: SimBinding = { bindingId: randomUUID(), clientId: o.clientId, maskedPan: '411111**1111', decline: false };
        this.bindings.set(b.bindingId, b);
        o.bindingId = b.bindingId;
      }
    }
    await this.sendCallback(o, 'deposited', '1');
  }

  async decline(mdOrder: string, why = 'Отказ эмитента'): Promise<void> {
    const o = this.orders.get(mdOrder)!;
    if (o.status === 0) { o.status = 6; o.actionCode = 116; o.actionCodeDescription = why; }
    await this.sendCallback(o, 'deposited', '0');
  }

  /** A callback for the order, as the bank sends it (unless callbacks are dropped). */
  async sendCallback(o: SimOrder, operation: string, status: string, extra: Record<string, string> = {}): Promise<number | null> {
    const params: Record<string, string> = { mdOrder: o.mdOrder, orderNumber: o.orderNumber, operation, status, ...extra };
    if (this.callbackAmount) params.amount = String(this.callbackAmount(o));
    params.checksum = callbackChecksum(params, this.badChecksum ? 'not-the-key-0000000000' : this.callbackKey);
    if (this.dropCallbacks) { this.callbacks.push({ url: o.callbackUrl, params, status: null }); return null; }
    const code = await this.deliver(o.callbackUrl, params);
    this.callbacks.push({ url: o.callbackUrl, params, status: code });
    return code;
  }

  signed(params: Record<string, string>, key = this.callbackKey): Record<string, string> {
    return { ...params, checksum: callbackChecksum(params, key) };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const body = await readBody(req);
    if (url.pathname.startsWith('/payment/rest/')) {
      if (this.down) { req.socket.destroy(); return; }
      const method = url.pathname.slice('/payment/rest/'.length);
      const ct = String(req.headers['content-type'] ?? '');
      if (req.method !== 'POST' || !ct.startsWith('application/x-www-form-urlencoded')) this.problems.push(`${method}: не form-encoded POST`);
      const fields = Object.fromEntries(new URLSearchParams(body));
      this.requests.push({ method, fields });
      return json(res, await this.api(method, fields));
    }
    if (url.pathname === '/payment/merchants/school/payment_ru.html') return this.page(req, res, url, body);
    res.statusCode = 404;
    res.end('not found');
  }

  private async api(method: string, f: Record<string, string>): Promise<Record<string, unknown>> {
    const authOk = f.token ? f.token === this.token && !f.userName : f.userName === this.userName && f.password === this.password;
    if (!authOk) return { errorCode: '5', errorMessage: 'Доступ запрещён' };
    const fail = this.failNext.get(method);
    if (fail) { this.failNext.delete(method); return fail; }
    switch (method) {
      case 'register.do': return this.register(f);
      case 'getOrderStatusExtended.do': return this.status(f);
      case 'paymentOrderBinding.do': return this.payWithBinding(f);
      case 'refund.do': return this.refund(f);
      default: return { errorCode: '7', errorMessage: 'Неизвестный метод' };
    }
  }

  private need(method: string, f: Record<string, string>, names: string[]): boolean {
    const missing = names.filter((n) => !f[n]);
    for (const n of missing) this.problems.push(`${method}: нет ${n}`);
    return missing.length === 0;
  }

  private register(f: Record<string, string>): Record<string, unknown> {
    if (!this.need('register.do', f, ['orderNumber', 'amount', 'currency', 'returnUrl', 'failUrl', 'description', 'language', 'dynamicCallbackUrl'])) {
      return { errorCode: '4', errorMessage: 'Не хватает обязательных параметров' };
    }
    if (f.orderNumber!.length > 32) { this.problems.push('register.do: orderNumber длиннее 32'); return { errorCode: '5', errorMessage: 'Неверный номер заказа' }; }
    if (!/^[1-9]\d*$/.test(f.amount!)) { this.problems.push('register.do: amount не целое число копеек'); return { errorCode: '5', errorMessage: 'Неверная сумма' }; }
    if (f.currency !== '643') this.problems.push(`register.do: currency ${f.currency}`);
    if (f.language !== 'ru') this.problems.push(`register.do: language ${f.language}`);
    if (this.orderByNumber(f.orderNumber!)) return { errorCode: '1', errorMessage: 'Заказ с таким номером уже обработан' };
    const amount = Number(f.amount);
    if (this.expectReceipt) this.checkReceipt(f, amount);
    else if (f.orderBundle) this.problems.push('register.do: orderBundle, хотя чек выключен');
    if (f.features === 'AUTO_PAYMENT' && !f.clientId) this.problems.push('register.do: AUTO_PAYMENT без clientId');
    const mdOrder = randomUUID();
    this.orders.set(mdOrder, {
      mdOrder, orderNumber: f.orderNumber!, amount, returnUrl: f.returnUrl!, failUrl: f.failUrl!, description: f.description!,
      callbackUrl: f.dynamicCallbackUrl!, clientId: f.clientId ?? null, autoPayment: f.features === 'AUTO_PAYMENT',
      status: 0, actionCode: -100, actionCodeDescription: '', deposited: 0, refunded: 0, bindingId: null, fields: f,
    });
    return { orderId: mdOrder, formUrl: `${this.url}/payment/merchants/school/payment_ru.html?mdOrder=${mdOrder}` };
  }

  private checkReceipt(f: Record<string, string>, amount: number): void {
    if (!f.orderBundle) { this.problems.push('register.do: нет orderBundle (чек 54-ФЗ)'); return; }
    if (f.taxSystem === undefined || !/^[0-5]$/.test(f.taxSystem)) this.problems.push('register.do: нет taxSystem');
    let b: { customerDetails?: { email?: string }; cartItems?: { items?: Record<string, unknown>[] } };
    try { b = JSON.parse(f.orderBundle); } catch { this.problems.push('register.do: orderBundle не JSON'); return; }
    const items = b.cartItems?.items ?? [];
    if (items.length !== 1) { this.problems.push(`register.do: позиций в чеке ${items.length}`); return; }
    const it = items[0] as { name?: string; itemAmount?: number; itemPrice?: number; quantity?: { value?: number }; tax?: { taxType?: number }; itemAttributes?: { attributes?: { name: string; value: string }[] } };
    if (!/^Пополнение лицевого счёта №\d{10}$/.test(it.name ?? '')) this.problems.push(`register.do: позиция «${it.name}»`);
    if (it.itemAmount !== amount || it.itemPrice !== amount || it.quantity?.value !== 1) this.problems.push('register.do: сумма позиции не равна сумме заказа');
    if (it.tax?.taxType !== 0) this.problems.push('register.do: НДС не «без НДС»');
    const attr = Object.fromEntries((it.itemAttributes?.attributes ?? []).map((a) => [a.name, a.value]));
    if (!['1', '3'].includes(attr.paymentMethod ?? '')) this.problems.push('register.do: paymentMethod не предоплата/аванс');
    if (attr.paymentObject !== '10') this.problems.push('register.do: paymentObject не «платёж»');
  }

  private findOrder(f: Record<string, string>): SimOrder | undefined {
    if (f.orderId) return this.orders.get(f.orderId);
    if (f.orderNumber) return this.orderByNumber(f.orderNumber);
    return undefined;
  }

  private status(f: Record<string, string>): Record<string, unknown> {
    if (!f.orderId && !f.orderNumber) return { errorCode: '1', errorMessage: 'Ожидается orderId или orderNumber' };
    const o = this.findOrder(f);
    if (!o) return { errorCode: '6', errorMessage: 'Заказ не найден' };
    const binding = o.bindingId ? this.bindings.get(o.bindingId) : undefined;
    return {
      errorCode: '0', errorMessage: 'Успешно', orderNumber: o.orderNumber, orderStatus: o.status, actionCode: o.actionCode,
      actionCodeDescription: o.actionCodeDescription, amount: o.amount, currency: '643', date: Date.now(), orderDescription: o.description,
      attributes: [{ name: 'mdOrder', value: o.mdOrder }],
      paymentAmountInfo: {
        paymentState: o.status === 2 ? 'DEPOSITED' : o.status === 4 ? 'REFUNDED' : o.status === 6 ? 'DECLINED' : 'CREATED',
        approvedAmount: o.deposited, depositedAmount: o.deposited, refundedAmount: o.refunded,
      },
      ...(o.status === 2 || o.status === 4 ? { cardAuthInfo: { maskedPan: '411111**1111', expiration: '203012', cardholderName: 'CARDHOLDER' } } : {}),
      ...(binding ? { bindingInfo: { clientId: binding.clientId, bindingId: binding.bindingId } } : {}),
    };
  }

  private async payWithBinding(f: Record<string, string>): Promise<Record<string, unknown>> {
    if (!this.need('paymentOrderBinding.do', f, ['mdOrder', 'bindingId', 'ip'])) return { errorCode: '4', errorMessage: 'Не хватает параметров' };
    const o = this.orders.get(f.mdOrder!);
    const b = this.bindings.get(f.bindingId!);
    if (!o) return { errorCode: '6', errorMessage: 'Заказ не найден' };
    if (!b || b.clientId !== o.clientId) return { errorCode: '2', errorMessage: 'Связка не найдена' };
    if (!o.autoPayment) this.problems.push('paymentOrderBinding.do: заказ зарегистрирован без AUTO_PAYMENT');
    if (b.decline) {
      o.status = 6; o.actionCode = 116; o.actionCodeDescription = 'Недостаточно средств на карте';
      await this.sendCallback(o, 'deposited', '0');   // delivered before the answer: tests see one order of events
      return { errorCode: '0', redirect: o.failUrl, info: 'Ваш платёж обработан, происходит переадресация...' };
    }
    o.status = 2; o.actionCode = 0; o.deposited = o.amount; o.bindingId = b.bindingId;
    await this.sendCallback(o, 'deposited', '1');
    return { errorCode: '0', redirect: o.returnUrl, info: 'Ваш платёж обработан, происходит переадресация...' };
  }

  private refund(f: Record<string, string>): Record<string, unknown> {
    if (!this.need('refund.do', f, ['orderId', 'amount'])) return { errorCode: '4', errorMessage: 'Не хватает параметров' };
    const o = this.orders.get(f.orderId!);
    if (!o) return { errorCode: '6', errorMessage: 'Заказ не найден' };
    const amount = Number(f.amount);
    if (o.status !== 2 || !(amount > 0) || o.refunded + amount > o.deposited) return { errorCode: '5', errorMessage: 'Сумма возврата превышает сумму списания' };
    o.refunded += amount;
    if (o.refunded === o.deposited) o.status = 4;
    return { errorCode: '0', errorMessage: 'Успешно' };
  }

  /** The bank's card page: no script, a form that pays or cancels, then back to returnUrl/failUrl with orderId. */
  private async page(req: IncomingMessage, res: ServerResponse, url: URL, body: string): Promise<void> {
    const f = req.method === 'POST' ? Object.fromEntries(new URLSearchParams(body)) : {};
    const mdOrder = (f.mdOrder ?? url.searchParams.get('mdOrder') ?? '') as string;
    const o = this.orders.get(mdOrder);
    if (!o) { res.statusCode = 404; res.setHeader('content-type', 'text/html; charset=utf-8'); res.end('<p>Заказ не найден</p>'); return; }
    if (req.method === 'POST') {
      if (f.action === 'pay') await this.pay(o.mdOrder, { saveCard: f.saveCard === 'on' });
      else await this.decline(o.mdOrder, 'Отменено плательщиком');
      const back = new URL(o.status === 2 ? o.returnUrl : o.failUrl);
      back.searchParams.set('orderId', o.mdOrder);
      back.searchParams.set('lang', 'ru');
      res.statusCode = 302;
      res.setHeader('location', back.toString());
      res.end();
      return;
    }
    const rub = (o.amount / 100).toFixed(2).replace('.', ',');
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(`<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>Оплата картой — Сбербанк (симулятор)</title></head><body>
<h1>Оплата заказа</h1><p class="description">${escape(o.description)}</p><p class="amount">К оплате: ${rub} ₽</p>
<form method="post" action="/payment/merchants/school/payment_ru.html">
<input type="hidden" name="mdOrder" value="${o.mdOrder}">
<label>Номер карты <input name="pan" value="4111 1111 1111 1111"></label>
${o.clientId ? '<label><input type="checkbox" name="saveCard"> Сохранить карту для следующих оплат</label>' : ''}
<button type="submit" name="action" value="pay">Оплатить</button>
<button type="submit" name="action" value="cancel">Отменить</button>
</form></body></html>`);
  }
}

function json(res: ServerResponse, body: unknown): void {
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function escape(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}
