/**
 * A card-payment gateway behind one interface (Actual Budget's habit: a
 * platform adapter with a fake for tests). The cabinet creates an order, sends
 * the parent to `redirectUrl`, and credits the account only from a verified
 * server-to-server notification; the parent's return to the site credits nothing.
 */
export interface NewPayment {
  orderId: string;            // our payment id (cabinet_payments.id)
  amount: number;             // kopecks
  description: string;
  returnUrl: string;          // where the parent's browser comes back
  callbackUrl: string;        // where the gateway notifies us
}

export interface PaymentNotice {
  orderId: string;
  externalId: string;         // the gateway's own payment id
  amount: number;             // kopecks, as the gateway charged
  status: 'paid' | 'failed';
}

export type VerifyResult = { ok: true; notice: PaymentNotice } | { ok: false; reason: string };

export interface PaymentGateway {
  /** Short id: the callback path (/cabinet/payments/callback/<id>) and cabinet_payments.source "gateway:<id>". */
  readonly id: string;
  /** Russian name shown to parents. */
  readonly title: string;
  /** Origin of the payment page, allowed in the CSP's form-action (the POST redirects there). */
  readonly origin: string | null;
  createPayment(p: NewPayment): Promise<{ redirectUrl: string }>;
  /** Checks the notification's signature (raw body, headers) and reads it. Never throws. */
  verifyCallback(rawBody: string, headers: Record<string, string | string[] | undefined>): VerifyResult;
}
