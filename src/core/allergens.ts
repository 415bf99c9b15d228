/**
 * The 14 allergen groups that food labelling in the Eurasian Economic Union must declare
 * (TR CU 022/2011, art. 4.4 p. 13). One list for the server, the till and the cabinet;
 * ids are stable (stored in databases and sent on the wire), labels are what people read.
 */
export const ALLERGENS = [
  { id: 'gluten', label: 'Злаки с глютеном' },
  { id: 'crustaceans', label: 'Ракообразные' },
  { id: 'eggs', label: 'Яйца' },
  { id: 'fish', label: 'Рыба' },
  { id: 'peanuts', label: 'Арахис' },
  { id: 'soy', label: 'Соя' },
  { id: 'milk', label: 'Молоко и лактоза' },
  { id: 'nuts', label: 'Орехи' },
  { id: 'celery', label: 'Сельдерей' },
  { id: 'mustard', label: 'Горчица' },
  { id: 'sesame', label: 'Кунжут' },
  { id: 'sulphites', label: 'Сульфиты' },
  { id: 'lupin', label: 'Люпин' },
  { id: 'molluscs', label: 'Моллюски' },
] as const;

export type AllergenId = (typeof ALLERGENS)[number]['id'];

export const ALLERGEN_IDS: readonly AllergenId[] = ALLERGENS.map((a) => a.id);

const LABELS = new Map<string, string>(ALLERGENS.map((a) => [a.id, a.label]));

export function isAllergen(id: string): id is AllergenId {
  return LABELS.has(id);
}

/** Russian label of an allergen id; an id this build does not know is shown as is (a newer server). */
export function allergenLabel(id: string): string {
  return LABELS.get(id) ?? id;
}

/** Known ids only, each once, in the list's order (what forms and imports store). */
export function normalizeAllergens(ids: Iterable<string>): AllergenId[] {
  const want = new Set(ids);
  return ALLERGEN_IDS.filter((id) => want.has(id));
}

/** The allergens of a dish that the pupil has, in the list's order (empty: nothing to warn about). */
export function allergenConflicts(dishAllergens: readonly string[], pupilAllergies: readonly string[]): string[] {
  if (dishAllergens.length === 0 || pupilAllergies.length === 0) return [];
  const pupil = new Set(pupilAllergies);
  return dishAllergens.filter((a) => pupil.has(a));
}

/**
 * A list typed by a person ("молоко, орехи", "milk;nuts", "Злаки с глютеном"): each part matched by
 * id, label, or the label's first word; parts that match nothing are returned in `unknown`.
 */
export function parseAllergenList(text: string): { ids: AllergenId[]; unknown: string[] } {
  const ids: string[] = [];
  const unknown: string[] = [];
  for (const raw of text.split(/[,;]/)) {
    const part = raw.trim().toLowerCase();
    if (!part) continue;
    const hit = ALLERGENS.find((a) => a.id === part || a.label.toLowerCase() === part || a.label.toLowerCase().split(' ')[0] === part);
    if (hit) ids.push(hit.id);
    else unknown.push(raw.trim());
  }
  return { ids: normalizeAllergens(ids), unknown };
}
