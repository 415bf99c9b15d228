import { eq, inArray, like, or } from 'drizzle-orm';
import { parse as parseCsv } from 'csv-parse/sync';
import { v7 as uuidv7 } from 'uuid';
import { accounts, benefitCategories, cards, schools, students } from '../db/schema.js';
import type { Tx } from '../db/open.js';
import { recordChanges } from '../changes.js';
import { AccountNumberAllocator, isAccountNumber, schoolPrefix } from '../account-number.js';
import { normaliseCardId } from './cards.js';
import { decodeText } from './text.js';
import { detectCsvDelimiter } from '../csv.js';
import { normaliseClassName } from '../../core/class-name.js';

export interface ImportRowError { line: number; message: string }
/** A good row as it was (or, in a preview, would be) written. */
export interface ImportRowPlan { line: number; fullName: string; className: string; schoolId: string; action: 'created' | 'updated'; accountNumber: string }
export interface ImportResult {
  created: number;
  updated: number;
  errors: ImportRowError[];
  /** True when nothing was written (--strict with errors, or a file that cannot be read at all). */
  refused: boolean;
  /** New accounts, to hand to the schools: line, ФИО, account number. */
  newAccounts: { line: number; fullName: string; accountNumber: string }[];
  /** Every good row with what happened to it (a preview: what would happen), by line. */
  rows: ImportRowPlan[];
  /** True for a preview (`dryRun`): the same checks and writes, rolled back. */
  dryRun: boolean;
}

export interface ImportOptions {
  /** Refuse the whole file when any row is bad. */
  strict?: boolean;
  /** Preview: run every check and the writes in a transaction that is rolled back; nothing is stored. */
  dryRun?: boolean;
  /** Only these schools may be named in the file (a school admin's scope); a row of another school is a bad row. */
  schoolIds?: readonly string[];
}

/** Marks the preview's transaction for rollback. */
class PreviewRollback extends Error {}

interface SourceRow { record: string[]; line: number }

const XLSX_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

/**
 * The file's rows as text cells with their line numbers: an XLSX workbook
 * (its first sheet; a cell's displayed text, so "03Б" and account numbers
 * with leading zeros stay as typed) or a CSV file in any of the districts' encodings.
 */
export async function readPupilTable(bytes: Buffer): Promise<SourceRow[] | ImportRowError> {
  if (bytes.subarray(0, 4).equals(XLSX_MAGIC)) {
    const { default: ExcelJS } = await import('exceljs');
    const wb = new ExcelJS.Workbook();
    try { await wb.xlsx.load(bytes as unknown as ArrayBuffer); } catch (e) {
      return { line: 0, message: `файл не читается как XLSX: ${(e as Error).message}` };
    }
    const sheet = wb.worksheets[0];
    if (!sheet) return { line: 0, message: 'в книге XLSX нет листов' };
    const rows: SourceRow[] = [];
    sheet.eachRow({ includeEmpty: false }, (row, line) => {
      const record: string[] = [];
      for (let i = 1; i <= row.cellCount; i++) record.push((row.getCell(i).text ?? '').trim());
      if (record.some((c) => c !== '')) rows.push({ record, line });
    });
    return rows;
  }
  const text = decodeText(bytes);
  const delimiter = detectCsvDelimiter(text);
  try {
    const records = parseCsv(text, { delimiter, info: true, skip_empty_lines: true, relax_column_count: true, trim: true, bom: true }) as unknown as { record: string[]; info: { lines: number } }[];
    return records.map((r) => ({ record: r.record, line: r.info.lines }));
  } catch (e) {
    return { line: (e as { lines?: number }).lines ?? 0, message: `файл не читается как CSV: ${(e as Error).message}` };
  }
}

interface GoodRow {
  line: number; fullName: string; className: string; schoolId: string; benefitIds: string[];
  accountNumber?: string; cardId?: string;
}

const HEADERS = {
  fullName: ['фио', 'ф.и.о.', 'ф.и.о', 'учащийся'],
  school: ['школа', 'оу', 'образовательное учреждение', 'учреждение'],
  className: ['класс'],
  benefits: ['льготы', 'льготные категории', 'льготная категория', 'категории'],
  account: ['лицевой счёт', 'лицевой счет', 'л/с', 'лс', 'номер лицевого счёта', 'номер лицевого счета'],
  card: ['карта', 'номер карты'],
} as const;

export { normaliseClassName } from '../../core/class-name.js';

/**
 * Imports pupils and accounts from a district's CSV (UTF-8 or Windows-1251,
 * `;`, tab or `,`) or XLSX file: ФИО, Школа, Класс, Льготы, optional Лицевой счёт and Карта.
 * Bad rows are reported by line with the reason; good rows land in one
 * transaction, or nothing does with `strict`. Re-importing the same file
 * updates the same pupils (matched by account number, else by school+ФИО+класс).
 * `dryRun` is the console's preview: the answer it would give, with nothing written.
 */
export async function importStudents(db: Tx, bytes: Buffer, opts: ImportOptions = {}): Promise<ImportResult> {
  const result: ImportResult = { created: 0, updated: 0, errors: [], refused: false, newAccounts: [], rows: [], dryRun: opts.dryRun === true };
  const table = await readPupilTable(bytes);
  if (!Array.isArray(table)) return { ...result, refused: true, errors: [table] };
  const records = table.map((r) => ({ record: r.record, info: { lines: r.line } }));
  const header = records.shift()?.record.map((h) => h.toLowerCase().replace(/\s+/g, ' ').trim()) ?? [];
  const col = (names: readonly string[]) => header.findIndex((h) => names.includes(h));
  const c = { fullName: col(HEADERS.fullName), school: col(HEADERS.school), className: col(HEADERS.className), benefits: col(HEADERS.benefits), account: col(HEADERS.account), card: col(HEADERS.card) };
  const missing = (['fullName', 'school', 'className'] as const).filter((k) => c[k] < 0);
  if (missing.length) {
    const names = { fullName: 'ФИО', school: 'Школа', className: 'Класс' };
    return { ...result, refused: true, errors: [{ line: 1, message: `нет столбцов: ${missing.map((k) => names[k]).join(', ')}` }] };
  }

  const allSchools = await db.select().from(schools);
  const findSchool = (ref: string) => {
    const r = ref.trim().toLowerCase();
    const byNumber = /№\s*(\d+)/.exec(r)?.[1];
    return allSchools.find((s) => s.id.toLowerCase() === r || s.code === r || s.name.toLowerCase() === r || (byNumber !== undefined && s.code === byNumber));
  };
  const cats = await db.select().from(benefitCategories).where(eq(benefitCategories.active, true));

  const good: GoodRow[] = [];
  const seenAccounts = new Map<string, number>();
  const seenCards = new Map<string, number>();
  for (const { record, info } of records) {
    const line = info.lines;
    const cell = (i: number) => (i >= 0 ? (record[i] ?? '').trim() : '');
    const bad = (message: string) => { result.errors.push({ line, message }); };
    const fullName = cell(c.fullName).replace(/\s+/g, ' ');
    if (fullName.split(' ').length < 2) { bad(`ФИО «${fullName}»: нужны хотя бы фамилия и имя`); continue; }
    const school = findSchool(cell(c.school));
    if (!school) { bad(`школа «${cell(c.school)}» не найдена`); continue; }
    if (opts.schoolIds && !opts.schoolIds.includes(school.id)) { bad(`школа «${school.name}» вам не доступна`); continue; }
    const className = normaliseClassName(cell(c.className));
    if (!className) { bad(`класс «${cell(c.className)}» не распознан (ожидается, например, 3Б или 03Б)`); continue; }
    const benefitIds: string[] = [];
    let benefitError = '';
    for (const name of cell(c.benefits).split(/[,|/]+/).map((b) => b.trim()).filter(Boolean)) {
      const cat = cats.find((k) => k.schoolId === school.id && (k.name.toLowerCase() === name.toLowerCase() || k.id === name));
      if (!cat) { benefitError = `льготная категория «${name}» не известна школе ${school.name}`; break; }
      if (!benefitIds.includes(cat.id)) benefitIds.push(cat.id);
    }
    if (benefitError) { bad(benefitError); continue; }
    const accountNumber = cell(c.account).replace(/\s/g, '') || undefined;
    if (accountNumber !== undefined) {
      if (!isAccountNumber(accountNumber)) { bad(`лицевой счёт «${accountNumber}»: нужно 10 цифр`); continue; }
      const dup = seenAccounts.get(accountNumber);
      if (dup) { bad(`лицевой счёт ${accountNumber} уже указан в строке ${dup}`); continue; }
      seenAccounts.set(accountNumber, line);
    }
    let cardId: string | undefined;
    if (cell(c.card)) {
      try { cardId = normaliseCardId(cell(c.card)); } catch (e) { bad((e as Error).message); continue; }
      const dup = seenCards.get(cardId);
      if (dup) { bad(`карта ${cardId} уже указана в строке ${dup}`); continue; }
      seenCards.set(cardId, line);
    }
    good.push({ line, fullName, className, schoolId: school.id, benefitIds, accountNumber, cardId });
  }

  // Checks against the database: an account or card of another school, or a card on another account.
  const given = good.filter((g) => g.accountNumber).map((g) => g.accountNumber!);
  const existingAccounts = new Map<string, typeof accounts.$inferSelect>();
  for (let i = 0; i < given.length; i += 5000) {
    for (const a of await db.select().from(accounts).where(inArray(accounts.accountNumber, given.slice(i, i + 5000)))) existingAccounts.set(a.accountNumber, a);
  }
  const givenCards = good.filter((g) => g.cardId).map((g) => g.cardId!);
  const existingCards = new Map<string, typeof cards.$inferSelect>();
  for (let i = 0; i < givenCards.length; i += 5000) {
    for (const k of await db.select().from(cards).where(inArray(cards.id, givenCards.slice(i, i + 5000)))) existingCards.set(k.id, k);
  }
  const checked = good.filter((g) => {
    const acc = g.accountNumber ? existingAccounts.get(g.accountNumber) : undefined;
    if (acc && acc.schoolId !== g.schoolId) { result.errors.push({ line: g.line, message: `лицевой счёт ${g.accountNumber} принадлежит другой школе` }); return false; }
    const card = g.cardId ? existingCards.get(g.cardId) : undefined;
    if (card && card.accountNumber !== g.accountNumber) {
      result.errors.push({ line: g.line, message: `карта ${g.cardId} уже выдана на Л/С ${card.accountNumber}` });
      return false;
    }
    return true;
  });
  result.errors.sort((a, b) => a.line - b.line);
  if (opts.strict && result.errors.length) return { ...result, refused: true };

  try {
    await writeRows(db, checked, allSchools, existingAccounts, result, opts.dryRun === true);
  } catch (e) {
    if (!(e instanceof PreviewRollback)) throw e;
  }
  result.rows.sort((a, b) => a.line - b.line);
  return result;
}

async function writeRows(
  db: Tx, checked: GoodRow[], allSchools: (typeof schools.$inferSelect)[],
  existingAccounts: Map<string, typeof accounts.$inferSelect>, result: ImportResult, dryRun: boolean,
): Promise<void> {
  await db.transaction(async (tx) => {
    const bySchool = new Map<string, GoodRow[]>();
    for (const g of checked) bySchool.set(g.schoolId, [...(bySchool.get(g.schoolId) ?? []), g]);
    for (const [schoolId, rows] of bySchool) {
      const school = allSchools.find((s) => s.id === schoolId)!;
      const prefix = schoolPrefix(school.code);
      const schoolAccounts = await tx.select({ accountNumber: accounts.accountNumber, studentId: accounts.studentId }).from(accounts)
        .where(or(eq(accounts.schoolId, schoolId), like(accounts.accountNumber, `${prefix}%`)));
      const alloc = new AccountNumberAllocator(prefix, schoolAccounts.map((a) => a.accountNumber));
      const schoolStudents = await tx.select({ id: students.id, fullName: students.fullName, className: students.className })
        .from(students).where(eq(students.schoolId, schoolId));
      const studentAccount = new Map(schoolAccounts.filter((a) => a.studentId).map((a) => [a.studentId!, a.accountNumber]));
      const touchedStudents: string[] = [];
      const touchedAccounts: string[] = [];
      const touchedCards: string[] = [];
      for (const g of rows) {
        let studentId = g.accountNumber ? existingAccounts.get(g.accountNumber)?.studentId ?? undefined : undefined;
        let accountNumber = g.accountNumber;
        if (!studentId && !accountNumber) {
          const same = schoolStudents.filter((s) => s.fullName === g.fullName && s.className === g.className);
          if (same.length === 1) { studentId = same[0]!.id; accountNumber = studentAccount.get(studentId); }
        }
        const action = studentId ? 'updated' as const : 'created' as const;
        if (studentId) {
          await tx.update(students).set({ fullName: g.fullName, className: g.className, benefitCategoryIds: g.benefitIds, active: true, updatedAt: new Date().toISOString() })
            .where(eq(students.id, studentId));
          result.updated++;
        } else {
          studentId = uuidv7();
          await tx.insert(students).values({ id: studentId, schoolId, fullName: g.fullName, className: g.className, benefitCategoryIds: g.benefitIds });
          result.created++;
        }
        if (!accountNumber) {
          accountNumber = alloc.allocate();
          result.newAccounts.push({ line: g.line, fullName: g.fullName, accountNumber });
        }
        alloc.reserve(accountNumber);
        result.rows.push({ line: g.line, fullName: g.fullName, className: g.className, schoolId, action, accountNumber });
        await tx.insert(accounts).values({ accountNumber, schoolId, studentId })
          .onConflictDoUpdate({ target: accounts.accountNumber, set: { studentId, active: true } });
        if (g.cardId) {
          await tx.insert(cards).values({ id: g.cardId, schoolId, accountNumber, state: 'active' }).onConflictDoNothing();
          touchedCards.push(g.cardId);
        }
        touchedStudents.push(studentId);
        touchedAccounts.push(accountNumber);
      }
      await recordChanges(tx, schoolId, 'student', touchedStudents);
      await recordChanges(tx, schoolId, 'account', touchedAccounts);
      await recordChanges(tx, schoolId, 'card', touchedCards);
    }
    if (dryRun) throw new PreviewRollback();
  });
}
