import { HttpError } from '../errors.js';

/** One field of a record as the console names it, for the "what changed" of a refused save. */
export interface FieldLabel<T> { key: keyof T & string; label: string }

/**
 * Optimistic concurrency for console saves: the form sends the version it read;
 * when the record moved on meanwhile, the save is refused (409) with the fields
 * whose stored value differs from the one sent — never a silent overwrite.
 */
export function assertVersion<T extends { version: number }>(current: T, expected: number, yours: Partial<T>, fields: FieldLabel<T>[], what: string): void {
  if (current.version === expected) return;
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const changed = fields
    .filter((f) => f.key in yours && !same(current[f.key], yours[f.key]))
    .map((f) => ({ field: f.key, label: f.label, theirs: current[f.key], yours: yours[f.key] }));
  throw new HttpError(409, 'CONFLICT', `${what}: запись уже изменил другой сотрудник, ваши правки не сохранены`, { version: current.version, changed, current });
}
