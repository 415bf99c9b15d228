import type { Menu, MenuItem, PupilInfo } from '../api/pos-api.js';
import { allergenConflicts } from '../core/allergens.js';

/** Hotkeys in the order the keyboard reads them: 1…9, 0, then F1…F12. */
export const HOTKEY_ORDER: readonly string[] = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0', ...Array.from({ length: 12 }, (_, i) => `F${i + 1}`)];

/**
 * The tiles in reading order (left to right, top to bottom) are the hotkeys' order: the cashier
 * finds key 7 where 7 is counted. Items without a hotkey follow, by category then name.
 */
export function tilesInOrder(menu: Menu): MenuItem[] {
  const rank = new Map(HOTKEY_ORDER.map((k, i) => [k, i]));
  const catRank = new Map(menu.categories.map((c, i) => [c.id, i]));
  const keyOf = (i: MenuItem) => (i.hotkey ? rank.get(i.hotkey.toUpperCase()) ?? HOTKEY_ORDER.length : HOTKEY_ORDER.length + 1);
  return [...menu.items].sort((a, b) => keyOf(a) - keyOf(b)
    || (catRank.get(a.categoryId) ?? 99) - (catRank.get(b.categoryId) ?? 99)
    || a.name.localeCompare(b.name, 'ru'));
}

/** Why this pupil may not have the item (parents' ban of the item or of its category), or undefined. */
export function barredReason(item: MenuItem, pupil: PupilInfo | undefined): string | undefined {
  if (!pupil) return undefined;
  if (pupil.barredItemIds.includes(item.id) || pupil.barredCategoryIds?.includes(item.categoryId)) {
    return `Родители запретили: «${item.name}»`;
  }
  return undefined;
}

/** The pupil's allergens this item contains (empty: none, or no pupil yet). */
export function itemAllergenConflicts(item: MenuItem, pupil: PupilInfo | undefined): string[] {
  return pupil?.allergies?.length ? allergenConflicts(item.allergens ?? [], pupil.allergies) : [];
}
