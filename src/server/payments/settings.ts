import type { PaymentGateway } from '../cabinet/gateway.js';
import { TestGateway } from '../cabinet/test-gateway.js';
import { newToken } from '../tokens.js';
import { SberbankGateway, type SberbankSettings } from './sberbank.js';

/**
 * Which card gateway a server offers, from its environment. Nothing set means
 * no card payments at all: the test gateway (which credits without a bank)
 * exists only where it is asked for by name (`CANTEEN_PAYMENTS=test`, or the
 * demo and tests passing one in code).
 */
export type PaymentsMode = 'none' | 'test' | 'sberbank';

export class PaymentSettingsError extends Error {}

export function paymentsMode(env: NodeJS.ProcessEnv): PaymentsMode {
  const v = (env.CANTEEN_PAYMENTS ?? '').trim().toLowerCase();
  if (v === '' || v === 'none' || v === 'off') return 'none';
  if (v === 'test' || v === 'sberbank') return v;
  throw new PaymentSettingsError(`CANTEEN_PAYMENTS=${v}: допустимо sberbank, test или none`);
}

/** The Sberbank settings from CANTEEN_SBERBANK_*; every missing or malformed one is named in the error. */
export function sberbankSettingsFromEnv(env: NodeJS.ProcessEnv): SberbankSettings {
  const problems: string[] = [];
  const apiUrl = (env.CANTEEN_SBERBANK_API_URL ?? '').trim();
  if (!/^https?:\/\/[^/]+\/.*\/$/.test(apiUrl)) problems.push('CANTEEN_SBERBANK_API_URL: адрес API банка, оканчивается на /payment/rest/');
  const userName = env.CANTEEN_SBERBANK_USERNAME?.trim() || undefined;
  const password = env.CANTEEN_SBERBANK_PASSWORD || undefined;
  const token = env.CANTEEN_SBERBANK_TOKEN || undefined;
  if (!token && !(userName && password)) problems.push('CANTEEN_SBERBANK_USERNAME и CANTEEN_SBERBANK_PASSWORD (или CANTEEN_SBERBANK_TOKEN): учётные данные магазина');
  const callbackKey = env.CANTEEN_SBERBANK_CALLBACK_KEY ?? '';
  if (callbackKey.length < 16) problems.push('CANTEEN_SBERBANK_CALLBACK_KEY: ключ подписи уведомлений (из личного кабинета банка), не короче 16 символов');
  const fiscal = (env.CANTEEN_SBERBANK_RECEIPT ?? 'on').trim().toLowerCase();
  if (!['on', 'off'].includes(fiscal)) problems.push('CANTEEN_SBERBANK_RECEIPT: on или off');
  const taxSystem = Number(env.CANTEEN_SBERBANK_TAX_SYSTEM ?? '0');
  if (!Number.isInteger(taxSystem) || taxSystem < 0 || taxSystem > 5) problems.push('CANTEEN_SBERBANK_TAX_SYSTEM: система налогообложения 0–5 (0 — общая)');
  const pm = (env.CANTEEN_SBERBANK_PAYMENT_METHOD ?? 'advance').trim().toLowerCase();
  if (!['advance', 'full_prepayment'].includes(pm)) problems.push('CANTEEN_SBERBANK_PAYMENT_METHOD: advance (аванс) или full_prepayment (предоплата 100%)');
  const bindings = (env.CANTEEN_SBERBANK_BINDINGS ?? 'off').trim().toLowerCase();
  if (!['on', 'off'].includes(bindings)) problems.push('CANTEEN_SBERBANK_BINDINGS: on или off');
  if (problems.length) throw new PaymentSettingsError(`Оплата через Сбербанк не настроена:\n  ${problems.join('\n  ')}`);
  return {
    apiUrl, callbackKey, userName, password, token,
    receipt: fiscal === 'on' ? { taxSystem, paymentMethod: pm as 'advance' | 'full_prepayment' } : null,
    bindings: bindings === 'on',
  };
}

/** The gateway the environment asks for, or null: no card top-up offered. */
export function gatewayFromEnv(env: NodeJS.ProcessEnv): PaymentGateway | null {
  switch (paymentsMode(env)) {
    case 'none': return null;
    case 'test': return new TestGateway(newToken());
    case 'sberbank': return new SberbankGateway(sberbankSettingsFromEnv(env));
  }
}
