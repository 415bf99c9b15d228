/**
 * A card-payment gateway behind one interface (Actual Budget's habit: a
 * platform adapter with a fake for tests). The cabinet creates an order, sends
 * the parent to `redirectUrl`, and credits the account only after the gateway
 * itself confirms the payment (`orderStatus`): a callback is only a reason to
 * ask, and the parent's return to the site credits nothing by itself.
 * Implemented by the test gateway (demo, tests) and by the Sberbank adapter.
 */
export interface NewPayment {
  orderId: string;            // our payment id (cabinet_payments.id)
  amount: number;             // kopecks
  accountNumber: string;      // the pupil's account (fiscal receipt position, description)
  description: string;
  returnUrl: string;          // where the parent's browser comes back (success or failure)
  callbackUrl: string;        // where the gateway notifies us
  /** The payer's e-mail for the fiscal receipt, when the parent gave one. */
  email?: string | null;
  /** Ask the bank to save the card for this client (auto top-up). */
  clientId?: string | null;
}

export interface CreatedPayment {
  redirectUrl: string;
  /** The gateway's own order id, when it gives one at registration (Sberbank's mdOrder). */
  externalId?: string;
}

/** A callback as it arrived: raw body (signed gateways), and every query/form field as text. */
export interface CallbackRequest {
  rawBody: string;
  params: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
}

export interface PaymentNotice {
  orderId: string;
  externalId: string;         // the gateway's own payment id
  /** Kopecks, when the notice carries an amount (checked against the order before anything else). */
  amount: number | null;
  /** What the notice claims; money moves only on what `orderStatus` then says. */
  status: 'paid' | 'failed' | 'other';
}

export type VerifyResult = { ok: true; notice: PaymentNotice } | { ok: false; reason: string };

export interface CardBinding { clientId: string; bindingId: string; cardMask: string | null }

/** What the gateway says about an order when asked. */
export type OrderState =
  | { state: 'paid'; amount: number; externalId: string; binding?: CardBinding }
  | { state: 'pending'; externalId: string | null }
  | { state: 'failed'; externalId: string | null; reason: string };

/** The gateway could not be asked (network, the bank's system error): try again later. */
export class GatewayUnavailable extends Error {}
/** The gateway refused the request with a reason (its error code and message). */
export class GatewayRefused extends Error {
  constructor(message: string, readonly code: string) { super(message); }
}

export interface PaymentGateway {
  /** Short id: the callback path (/cabinet/payments/callback/<id>) and cabinet_payments.source "gateway:<id>". */
  readonly id: string;
  /** Russian name shown to parents. */
  readonly title: string;
  /** Origin of the payment page, allowed in the CSP's form-action (the POST redirects there). */
  readonly origin: string | null;
  /** Registers the order; throws GatewayUnavailable / GatewayRefused. */
  createPayment(p: NewPayment): Promise<CreatedPayment>;
  /** Checks the notification's authenticity and reads it. Never throws. */
  verifyCallback(req: CallbackRequest): VerifyResult;
  /** Asks the gateway about an order (by its id when known, else by our order id). Throws GatewayUnavailable. */
  orderStatus(p: { orderId: string; externalId: string | null }): Promise<OrderState>;
  /** Charges a saved card (auto top-up): registers the order and pays it with the binding. */
  chargeBinding?(p: NewPayment & { clientId: string; bindingId: string; ip: string }): Promise<{ externalId: string }>;
  /** Returns part or all of a paid order to the card it came from. */
  refund?(p: { externalId: string; amount: number }): Promise<void>;
  /** How much of a paid order the bank has returned to the card so far (kopecks). Throws GatewayUnavailable. */
  refundedAmount?(externalId: string): Promise<number>;
}
