import { and, eq, gte, inArray, like, lt, or } from 'drizzle-orm';
import { formatAmount } from '../../core/money.js';
import { formatDateTime, schoolDay } from '../../core/datetime.js';
import { addDays, ruDay, startOfDay } from '../../core/period.js';
import { cabinetPayments } from '../db/cabinet-schema.js';
import type { Tx } from '../db/open.js';
import { findAcquiring } from './registry-credit.js';
import { parseDistrictRegistry, registrySource } from './registry-import.js';
import type { ParsedRegistry, RegistryEncoding, Rejection } from './registry.js';

/**
 * The bank's daily registry against what was credited, changing nothing.
 * Each registry line is looked for among our credits: a registry import of
 * the same bank and payment id, or a card payment (acquiring) it names by the
 * bank's order id or our order number. Then every payment credited in the
 * registry's days (this bank's registry imports and every card payment) that
 * no line matched is listed too. A card payment credited by the gateway and
 * listed again in the registry is matched, not counted twice.
 */
export interface Credit { id: string; source: string; paymentId: string; accountNumber: string; amount: number; paidAt: string | null }

export interface ReconcileReport {
  encoding: RegistryEncoding;
  timeZone: string;
  /** The registry's days in the school's zone ("2026-03-14"), null when it has no readable line. */
  from: string | null;
  to: string | null;
  lines: number;
  total: number;
  matched: number;
  /** In the registry, not credited (a pending card payment among them, with a note). */
  missing: { line: number; paymentId: string; accountNumber: string; amount: number; note?: string }[];
  /** Credited in the registry's days, not in the registry. */
  extra: Credit[];
  /** In both, but for another amount or account. */
  different: { line: number; paymentId: string; accountNumber: string; amount: number; credited: Credit }[];
  /** Lines that could not be read (bad date, amount, account number …). */
  unreadable: Rejection[];
}

export const discrepancies = (r: ReconcileReport): number => r.missing.length + r.extra.length + r.different.length + r.unreadable.length;

export async function reconcileRegistry(db: Tx, bytes: Uint8Array, opts: { bank?: string } = {}): Promise<ReconcileReport> {
  const { parsed, timeZone } = await parseDistrictRegistry(db, bytes);
  return reconcileParsed(db, parsed, timeZone, registrySource(opts.bank));
}

/** The same for a registry already read (the reconciliation report's stored registries, registry-store.ts). */
export async function reconcileParsed(db: Tx, parsed: ParsedRegistry, timeZone: string, source: string): Promise<ReconcileReport> {
  const lines = parsed.lines;
  const days = lines.map((l) => schoolDay(l.paidAt, timeZone)).sort();
  const report: ReconcileReport = {
    encoding: parsed.encoding, timeZone, from: days[0] ?? null, to: days[days.length - 1] ?? null,
    lines: lines.length, total: lines.reduce((s, l) => s + l.amount, 0), matched: 0,
    missing: [], extra: [], different: [], unreadable: parsed.rejected,
  };
  const matchedIds = new Set<string>();
  // This bank's registry imports of these payment ids, in one query.
  const ids = lines.map((l) => l.paymentId);
  const imported = new Map<string, Credit>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db.select().from(cabinetPayments)
      .where(and(eq(cabinetPayments.source, source), inArray(cabinetPayments.externalId, ids.slice(i, i + 500)), eq(cabinetPayments.status, 'paid')));
    for (const p of rows) imported.set(p.externalId!, creditOf(p));
  }
  for (const l of lines) {
    let credit = imported.get(l.paymentId) ?? null;
    let note: string | undefined;
    if (!credit) {
      const card = await findAcquiring(db, l.paymentId, false);
      if (card?.status === 'paid') {
        const [p] = await db.select().from(cabinetPayments).where(eq(cabinetPayments.id, card.id));
        credit = creditOf(p!);
      } else if (card) {
        note = card.status === 'pending' ? 'оплата картой ещё ждёт подтверждения банка' : 'оплата картой отмечена как не прошедшая';
      }
    }
    if (!credit) {
      report.missing.push({ line: l.line, paymentId: l.paymentId, accountNumber: l.accountNumber, amount: l.amount, ...(note ? { note } : {}) });
      continue;
    }
    matchedIds.add(credit.id);
    if (credit.amount !== l.amount || credit.accountNumber !== l.accountNumber) {
      report.different.push({ line: l.line, paymentId: l.paymentId, accountNumber: l.accountNumber, amount: l.amount, credited: credit });
    } else {
      report.matched++;
    }
  }
  if (report.from && report.to) {
    const credited = await db.select().from(cabinetPayments).where(and(
      eq(cabinetPayments.status, 'paid'),
      or(eq(cabinetPayments.source, source), like(cabinetPayments.source, 'gateway:%')),
      gte(cabinetPayments.paidAt, startOfDay(report.from, timeZone).toISOString()),
      lt(cabinetPayments.paidAt, startOfDay(addDays(report.to, 1), timeZone).toISOString()),
    )).orderBy(cabinetPayments.paidAt, cabinetPayments.id);
    report.extra = credited.filter((p) => !matchedIds.has(p.id)).map(creditOf);
  }
  return report;
}

function creditOf(p: typeof cabinetPayments.$inferSelect): Credit {
  return {
    id: p.id, source: p.source, paymentId: p.externalId ?? p.id,
    accountNumber: p.accountNumber, amount: p.amount, paidAt: p.paidAt,
  };
}

const kind = (source: string) => source.startsWith('gateway:') ? 'оплата картой' : 'по реестру';
const rubles = (k: number) => `${formatAmount(k, { group: true })} ₽`;

export function formatReconcile(r: ReconcileReport): string {
  const out = [
    `Кодировка файла: ${r.encoding === 'utf-8' ? 'UTF-8' : 'Windows-1251'}`,
    `Реестр: платежей ${r.lines} на сумму ${rubles(r.total)}${r.from ? `, ${ruDay(r.from)}${r.to !== r.from ? `–${ruDay(r.to!)}` : ''}` : ''}`,
    `Совпадают: ${r.matched}`,
  ];
  if (r.missing.length) {
    out.push(`В реестре, но не зачислено: ${r.missing.length}`);
    for (const m of r.missing) out.push(`  строка ${m.line}: платёж ${m.paymentId}, Л/С ${m.accountNumber}, ${rubles(m.amount)}${m.note ? ` (${m.note})` : ''}`);
  }
  if (r.extra.length) {
    out.push(`Зачислено, но нет в реестре: ${r.extra.length}`);
    for (const c of r.extra) out.push(`  платёж ${c.paymentId} (${kind(c.source)}), Л/С ${c.accountNumber}, ${rubles(c.amount)}${c.paidAt ? `, ${formatDateTime(c.paidAt, r.timeZone)}` : ''}`);
  }
  if (r.different.length) {
    out.push(`Суммы или счета расходятся: ${r.different.length}`);
    for (const d of r.different) {
      out.push(`  строка ${d.line}: платёж ${d.paymentId}: в реестре Л/С ${d.accountNumber}, ${rubles(d.amount)}; зачислено (${kind(d.credited.source)}) Л/С ${d.credited.accountNumber}, ${rubles(d.credited.amount)}`);
    }
  }
  if (r.unreadable.length) {
    out.push(`Строки не прочитаны: ${r.unreadable.length}`);
    for (const x of r.unreadable) out.push(`  строка ${x.line}${x.paymentId ? ` (платёж ${x.paymentId})` : ''}: ${x.message}`);
  }
  const n = discrepancies(r);
  out.push(n === 0 ? 'Итог: расхождений нет' : `Итог: расхождений ${n}`);
  return out.join('\n');
}
