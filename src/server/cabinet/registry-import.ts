import { formatAmount } from '../../core/money.js';
import { schools } from '../db/schema.js';
import type { Db, Tx } from '../db/open.js';
import { creditRegistryPayment, type AcquiringPayment } from './registry-credit.js';
import { parseRegistry, type ParsedRegistry, type RegistryEncoding, type Rejection } from './registry.js';
import { DEFAULT_TIME_ZONE } from '../../core/datetime.js';
import { storeRegistry } from './registry-store.js';

export interface ImportReport {
  encoding: RegistryEncoding;
  credited: { line: number; paymentId: string; accountNumber: string; amount: number }[];
  /** Lines that are card payments of ours: credited by the gateway, not by the registry. */
  viaCard: { line: number; paymentId: string; accountNumber: string; amount: number; message: string }[];
  rejected: Rejection[];
  totalCredited: number;
}

/** What a registry line that is one of our card payments means: fine (credited or about to be) or a person must look. */
export function cardPaymentVerdict(l: { accountNumber: string; amount: number }, card: AcquiringPayment): { ok: boolean; message: string } {
  if (card.accountNumber !== l.accountNumber || card.amount !== l.amount) {
    return { ok: false, message: `оплата картой на Л/С ${card.accountNumber}, ${formatAmount(card.amount)} ₽ — в реестре иначе; проверьте вручную` };
  }
  if (card.status === 'paid') return { ok: true, message: 'уже зачислен как оплата картой, по реестру не зачисляется' };
  if (card.status === 'pending') return { ok: true, message: 'оплата картой ждёт подтверждения банка: зачислится по нему, не по реестру' };
  return { ok: false, message: 'оплата картой отмечена как не прошедшая, а банк её перечислил; проверьте вручную' };
}

/** The payments' source for a bank named with --bank: "registry" or "registry:<bank>". */
export const registrySource = (bank?: string) => bank ? `registry:${bank}` : 'registry';

/** Registries are one district's: dates are read in its schools' zone (the first school's). */
export async function parseDistrictRegistry(db: Tx, bytes: Uint8Array): Promise<{ parsed: ParsedRegistry; timeZone: string }> {
  const [school] = await db.select({ timeZone: schools.timeZone }).from(schools).limit(1);
  const timeZone = school?.timeZone ?? DEFAULT_TIME_ZONE;
  return { parsed: parseRegistry(bytes, timeZone), timeZone };
}

/**
 * Credits every good line of a registry, each in its own transaction, so one
 * bad or duplicate line never stops the others. Importing the same file again
 * credits nothing and reports every line as a duplicate.
 */
export async function importRegistry(db: Db, bytes: Uint8Array, opts: { source?: string; now?: () => Date } = {}): Promise<ImportReport> {
  const now = opts.now ?? (() => new Date());
  const source = registrySource(opts.source);
  const { parsed, timeZone } = await parseDistrictRegistry(db, bytes);
  // Kept for the reconciliation report, which checks each registry of its period again.
  await storeRegistry(db, bytes, source, parsed, timeZone);
  const report: ImportReport = { encoding: parsed.encoding, credited: [], viaCard: [], rejected: [...parsed.rejected], totalCredited: 0 };
  for (const l of parsed.lines) {
    const out = await creditRegistryPayment(db, {
      source, paymentId: l.paymentId, accountNumber: l.accountNumber, amount: l.amount,
      paidAt: l.paidAt, paidLabel: l.paidLabel, payer: l.payer,
    }, now());
    if (out.kind === 'credited') {
      report.credited.push({ line: l.line, paymentId: l.paymentId, accountNumber: l.accountNumber, amount: l.amount });
      report.totalCredited += l.amount;
    } else if (out.kind === 'acquiring') {
      const v = cardPaymentVerdict(l, out.payment);
      if (v.ok) report.viaCard.push({ line: l.line, paymentId: l.paymentId, accountNumber: l.accountNumber, amount: l.amount, message: v.message });
      else report.rejected.push({ line: l.line, paymentId: l.paymentId, reason: 'acquiring', message: v.message });
    } else if (out.kind === 'duplicate') {
      report.rejected.push({ line: l.line, paymentId: l.paymentId, reason: 'duplicate', message: `платёж ${l.paymentId} уже зачислен ранее` });
    } else {
      report.rejected.push({ line: l.line, paymentId: l.paymentId, reason: 'unknownAccount', message: `лицевой счёт ${l.accountNumber} не найден` });
    }
  }
  report.rejected.sort((a, b) => a.line - b.line);
  return report;
}

export function formatReport(r: ImportReport): string {
  const out = [
    `Кодировка файла: ${r.encoding === 'utf-8' ? 'UTF-8' : 'Windows-1251'}`,
    `Зачислено платежей: ${r.credited.length} на сумму ${formatAmount(r.totalCredited, { group: true })} ₽`,
  ];
  for (const c of r.credited) out.push(`  строка ${c.line}: платёж ${c.paymentId}, Л/С ${c.accountNumber}, ${formatAmount(c.amount)} ₽`);
  if (r.viaCard.length) out.push(`Оплаты картой (зачисляются через эквайринг): ${r.viaCard.length}`);
  for (const c of r.viaCard) out.push(`  строка ${c.line}: платёж ${c.paymentId}, Л/С ${c.accountNumber}, ${formatAmount(c.amount)} ₽ — ${c.message}`);
  out.push(`Отклонено строк: ${r.rejected.length}`);
  for (const x of r.rejected) out.push(`  строка ${x.line}${x.paymentId ? ` (платёж ${x.paymentId})` : ''}: ${x.message}`);
  return out.join('\n');
}
