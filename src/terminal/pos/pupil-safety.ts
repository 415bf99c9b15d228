import type Database from 'better-sqlite3';
import type { SaleRequest } from '../../api/pos-api.js';
import { allergenConflicts, allergenLabel } from '../../core/allergens.js';
import { formatMoney } from '../../core/money.js';
import type { Entitlement } from '../../core/sale.js';
import { fail, ok, type Result } from '../../core/result.js';

/** A pupil's allergies and photo as the last pull left them (migration 0009). */
export interface PupilExtras { allergies: string[]; photo?: string }

/**
 * What the till knows for a child's safety beyond prices: allergies and photo (read per tap: a
 * pull may change them and the photo is a few kB), the items' allergens, and what other tills
 * did today (pull's accounts[].today).
 */
export class PupilSafety {
  private readonly st;
  private allergens = new Map<string, string[]>();

  constructor(private readonly sqlite: Database.Database) {
    this.st = {
      extras: sqlite.prepare<[string], { allergies: string; photo: Buffer | null; photo_mime: string | null }>(
        'SELECT allergies, photo, photo_mime FROM students WHERE id = ?'),
      elsewhere: sqlite.prepare<[string], { elsewhere_day: string | null; spent_elsewhere: number; benefit_elsewhere: number }>(
        'SELECT elsewhere_day, spent_elsewhere, benefit_elsewhere FROM accounts WHERE number = ?'),
      policy: sqlite.prepare<[], string>(`SELECT allergen_policy FROM schools LIMIT 1`).pluck(),
    };
    this.reload();
  }

  /** Items' allergens (after a pull). */
  reload(): void {
    const rows = this.sqlite.prepare<[], { id: string; allergens: string }>(
      'SELECT id, allergens FROM dishes UNION ALL SELECT id, allergens FROM meal_sets').all();
    this.allergens = new Map(rows.map((r) => [r.id, parseList(r.allergens)]));
  }

  itemAllergens(itemId: string): string[] {
    return this.allergens.get(itemId) ?? [];
  }

  policy(): 'confirm' | 'refuse' {
    return this.st.policy.get() === 'refuse' ? 'refuse' : 'confirm';
  }

  extras(studentId: string): PupilExtras {
    const row = this.st.extras.get(studentId);
    if (!row) return { allergies: [] };
    return {
      allergies: parseList(row.allergies),
      ...(row.photo && row.photo_mime ? { photo: `data:${row.photo_mime};base64,${row.photo.toString('base64')}` } : {}),
    };
  }

  /** Other tills' spending and benefit on `day`, as the server reported it (zero for another day). */
  elsewhere(accountNumber: string, day: string): { spent: number; benefitUsed: boolean } {
    const row = this.st.elsewhere.get(accountNumber);
    if (!row || row.elsewhere_day !== day) return { spent: 0, benefitUsed: false };
    return { spent: row.spent_elsewhere, benefitUsed: row.benefit_elsewhere === 1 };
  }

  /**
   * The cart's lines with one of the pupil's allergens: refused under the school's 'refuse'
   * policy; otherwise each must be in the request's allergenConfirmed (the cashier confirmed it).
   * The confirmations go into the sale's entry payload (the server keeps them).
   */
  checkCart(req: Pick<SaleRequest, 'lines' | 'allergenConfirmed'>, allergies: string[], names: (id: string) => string): Result<{ itemId: string; allergens: string[] }[]> {
    if (!allergies.length || !Array.isArray(req.lines)) return ok([]);
    const confirmed = new Set(Array.isArray(req.allergenConfirmed) ? req.allergenConfirmed : []);
    const out: { itemId: string; allergens: string[] }[] = [];
    for (const line of req.lines) {
      const conflicts = allergenConflicts(this.itemAllergens(line.itemId), allergies);
      if (!conflicts.length) continue;
      const what = `«${names(line.itemId)}» содержит: ${conflicts.map(allergenLabel).join(', ').toLowerCase()}`;
      if (this.policy() === 'refuse') return fail('ALLERGEN_REFUSED', `Аллергия: ${what}. Школа не продаёт такие блюда этому учащемуся`, { itemId: line.itemId });
      if (!confirmed.has(line.itemId)) return fail('ALLERGEN_UNCONFIRMED', `Аллергия: ${what}. Нужно подтверждение кассира`, { itemId: line.itemId });
      out.push({ itemId: line.itemId, allergens: conflicts });
    }
    return ok(out);
  }
}

/** What the neutral «Льгота» badge says the benefit gives today (never the category: 152-ФЗ). */
export function benefitOffer(best: Map<string, Entitlement>, usedToday: Set<string>, name: (mealSetId: string) => string | undefined): string | undefined {
  const open = [...best.values()].filter((e) => !usedToday.has(e.mealSetId));
  if (!open.length) return best.size ? 'использована сегодня' : undefined;
  return open.map((e) => `${shortSet(name(e.mealSetId) ?? 'комплекс')} ${e.parentPays === 0 ? 'бесплатно' : `за ${formatMoney(e.parentPays)}`}`).join('; ');
}

/** "Завтрак младшая школа Ежедневное…" → "завтрак": the first word, lower case. */
function shortSet(name: string): string {
  return (name.split(/\s+/)[0] ?? name).toLowerCase();
}

function parseList(json: string | null): string[] {
  try {
    const v = JSON.parse(json ?? '[]') as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch { return []; }
}
