/** "3б", "03 Б", "11-А" → "03Б", "11А" (the seed's form); null when it is not a class of grades 1–11. */
export function normaliseClassName(raw: string): string | null {
  const m = /^(\d{1,2})\s*-?\s*([А-ЯЁA-Z]?)$/iu.exec(raw.trim());
  if (!m) return null;
  const grade = Number(m[1]);
  if (grade < 1 || grade > 11) return null;
  return String(grade).padStart(2, '0') + m[2]!.toUpperCase();
}

/** The class a pupil goes up to in a new school year: "03Б" → "04Б"; null for the 11th (they graduate). */
export function promotedClassName(className: string): string | null {
  const m = /^(\d{2})(.*)$/u.exec(className);
  if (!m) return null;
  const grade = Number(m[1]);
  if (grade >= 11) return null;
  return String(grade + 1).padStart(2, '0') + m[2];
}
