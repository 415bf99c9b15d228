import { formatAmount } from '../../core/money.js';
import { schools } from '../db/schema.js';
import type { Db } from '../db/open.js';
import { creditRegistryPayment } from './payments.js';
import { parseRegistry, type RegistryEncoding, type Rejection } from './registry.js';
import { DEFAULT_TIME_ZONE } from '../../core/datetime.js';

export interface ImportReport {
  encoding: RegistryEncoding;
  credited: { line: number; paymentId: string; accountNumber: string; amount: number }[];
  rejected: Rejection[];
  totalCredited: number;
}

/**
 * Credits every good line of a registry, each in its own transaction, so one
 * bad or duplicate line never stops the others. Importing the same file again
 * credits nothing and reports every line as a duplicate.
 */
export async function importRegistry(db: Db, bytes: Uint8Array, opts: { source?: string; now?: () => Date } = {}): Promise<ImportReport> {
  const now = opts.now ?? (() => new Date());
  const source = opts.source ? `registry:${opts.source}` : 'registry';
  // Registries are one district's: dates are read in its schools' zone (the first school's).
  const [school] = await db.select({ timeZone: schools.timeZone }).from(schools).limit(1);
  const parsed = parseRegistry(bytes, school?.timeZone ?? DEFAULT_TIME_ZONE);
  const report: ImportReport = { encoding: parsed.encoding, credited: [], rejected: [...parsed.rejected], totalCredited: 0 };
  for (const l of parsed.lines) {
    const out = await creditRegistryPayment(db, {
      source, paymentId: l.paymentId, accountNumber: l.accountNumber, amount: l.amount,
      paidAt: l.paidAt, paidLabel: l.paidLabel, payer: l.payer,
    }, now());
    if (out.kind === 'credited') {
      report.credited.push({ line: l.line, paymentId: l.paymentId, accountNumber: l.accountNumber, amount: l.amount });
      report.totalCredited += l.amount;
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
  out.push(`Отклонено строк: ${r.rejected.length}`);
  for (const x of r.rejected) out.push(`  строка ${x.line}${x.paymentId ? ` (платёж ${x.paymentId})` : ''}: ${x.message}`);
  return out.join('\n');
}
