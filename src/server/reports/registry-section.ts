import { sql } from 'drizzle-orm';
import type { ReconciliationReport } from '../../api/admin/reports.js';
import { formatMoney } from '../../core/money.js';
import { ruDay } from '../../core/period.js';
import { parseDistrictRegistry } from '../cabinet/registry-import.js';
import { reconcileParsed } from '../cabinet/registry-reconcile.js';
import { registriesBetween } from '../cabinet/registry-store.js';
import { query, type Tx } from '../db/open.js';

type Section = ReconciliationReport['sections'][number];

/**
 * Server ↔ bank by the bank's registries: every registry imported for a day of the period
 * (registry-store.ts) checked again against the payments by registry-reconcile.ts (one place for
 * each rule: a line matches a registry credit of that bank or a card payment it names; credits of
 * the registry's days no line matched are listed). A registry is the district's, so only the rows of
 * this school's accounts are shown, and lines that could not be read at all (no account to tell).
 */
export async function registrySection(db: Tx, schoolId: string, from: string, to: string): Promise<Section> {
  const title = 'Сервер ↔ банк (реестры платежей)';
  const registries = await registriesBetween(db, from, to);
  if (!registries.length) {
    return { id: 'registry', title, ok: true, summary: 'расхождений нет: реестров банка за период не загружено', rows: [] };
  }
  const ours = new Set((await query<{ n: string }>(db, sql`SELECT account_number AS n FROM accounts WHERE school_id = ${schoolId}`)).map((a) => a.n));
  const rows: Section['rows'] = [];
  let lines = 0, total = 0, matched = 0;
  for (const reg of registries) {
    const { parsed, timeZone } = await parseDistrictRegistry(db, reg.bytes);
    const r = await reconcileParsed(db, parsed, timeZone, reg.source);
    const name = `${reg.source.replace(/^registry:?/, '') || 'банк'} ${ruDay(reg.fromDay)}${reg.toDay !== reg.fromDay ? `–${ruDay(reg.toDay)}` : ''}`;
    const mine = parsed.lines.filter((l) => ours.has(l.accountNumber));
    lines += mine.length;
    total += mine.reduce((a, l) => a + l.amount, 0);
    const row = (x: { line?: number; paymentId: string; accountNumber: string; inRegistry: number | null; credited: number | null; problem: string }) =>
      rows.push({ registry: name, line: x.line ?? null, paymentId: x.paymentId, accountNumber: x.accountNumber, inRegistry: x.inRegistry, credited: x.credited, problem: x.problem });
    for (const m of r.missing) {
      if (ours.has(m.accountNumber)) row({ ...m, inRegistry: m.amount, credited: null, problem: `в реестре, не зачислено${m.note ? ` (${m.note})` : ''}` });
    }
    for (const d of r.different) {
      if (ours.has(d.accountNumber) || ours.has(d.credited.accountNumber)) {
        row({ line: d.line, paymentId: d.paymentId, accountNumber: d.accountNumber, inRegistry: d.amount, credited: d.credited.amount,
          problem: d.credited.accountNumber !== d.accountNumber ? `зачислено на другой Л/С ${d.credited.accountNumber}` : 'другая сумма' });
      }
    }
    for (const c of r.extra) {
      if (ours.has(c.accountNumber)) row({ paymentId: c.paymentId, accountNumber: c.accountNumber, inRegistry: null, credited: c.amount, problem: 'зачислено, нет в реестре' });
    }
    for (const u of r.unreadable) row({ line: u.line, paymentId: u.paymentId ?? '', accountNumber: '', inRegistry: null, credited: null, problem: `строка не прочитана: ${u.message}` });
    matched += mine.length - r.missing.filter((m) => ours.has(m.accountNumber)).length - r.different.filter((d) => ours.has(d.accountNumber)).length;
  }
  return {
    id: 'registry', title, ok: rows.length === 0,
    summary: rows.length === 0
      ? `расхождений нет (реестров: ${registries.length}, строк по школе: ${lines} на ${formatMoney(total)}, совпадают: ${matched})`
      : `расхождений: ${rows.length} (реестров: ${registries.length}, строк по школе: ${lines}, совпадают: ${matched})`,
    rows,
  };
}
