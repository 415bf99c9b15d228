import { existsSync } from 'node:fs';
import PDFDocument from 'pdfkit';
import { formatAmount } from '../core/money.js';
import type { Statement } from '../server/cabinet/statement.js';
import { ruDay } from '../core/period.js';

/**
 * The statement as a PDF (pdfkit). The standard PDF fonts have no Cyrillic,
 * so a TrueType font is embedded: DejaVu Sans from Debian's fonts-dejavu-core,
 * or CANTEEN_PDF_FONT / CANTEEN_PDF_FONT_BOLD when set.
 */
const FONT_DIRS = ['/usr/share/fonts/truetype/dejavu', '/usr/share/fonts/dejavu', '/usr/local/share/fonts'];

export function findFont(bold = false): string | null {
  const env = bold ? process.env.CANTEEN_PDF_FONT_BOLD : process.env.CANTEEN_PDF_FONT;
  if (env && existsSync(env)) return env;
  for (const dir of FONT_DIRS) {
    const f = `${dir}/${bold ? 'DejaVuSans-Bold.ttf' : 'DejaVuSans.ttf'}`;
    if (existsSync(f)) return f;
  }
  return null;
}

export class PdfFontMissing extends Error {
  constructor() {
    super('Для PDF нужен шрифт с кириллицей: установите пакет fonts-dejavu-core или укажите CANTEEN_PDF_FONT');
  }
}

const rub = (k: number) => `${formatAmount(k, { group: true })} руб.`;
/** Amounts in the table's narrow columns: rubles said once, above the table. */
const amt = (k: number) => formatAmount(k, { group: true });

export function statementPdf(s: Statement): Promise<Buffer> {
  const regular = findFont(false);
  if (!regular) return Promise.reject(new PdfFontMissing());
  const bold = findFont(true) ?? regular;
  const doc = new PDFDocument({ size: 'A4', margin: 40, info: { Title: `Отчёт по лицевому счёту ${s.account.accountNumber}`, Author: 'Личный кабинет учащегося' } });
  doc.registerFont('r', regular);
  doc.registerFont('b', bold);
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const left = doc.page.margins.left;
  const width = doc.page.width - left - doc.page.margins.right;
  // Columns: date, name (with the receipt's dishes under it), debit, credit, running balance.
  const money = 64;
  const col = { date: left, name: left + 74, debit: left + width - 3 * money, credit: left + width - 2 * money, balance: left + width - money };
  const nameWidth = col.debit - col.name - 8;
  const dishIndent = 8;
  const dishPrice = 62;
  const dishWidth = nameWidth - dishIndent - dishPrice - 6;
  const gap = 2;

  doc.font('b').fontSize(14).text('Отчёт по лицевому счёту', { align: 'left' });
  doc.font('r').fontSize(10).text(`за период с ${ruDay(s.period.from)} по ${ruDay(s.period.to)}`);
  doc.moveDown(0.5);
  doc.text(`${s.account.pupilName}, ${s.account.schoolName}${s.account.className ? `, ${s.account.className}` : ''}`);
  doc.text(`Лицевой счёт: ${s.account.accountNumber}`);
  doc.text(`Остаток на начало: ${rub(s.opening)}`);
  doc.text(`Остаток на конец: ${rub(s.closing)}`);
  doc.moveDown(0.5);
  doc.fontSize(8).fillColor('#444').text('Суммы в таблице — в рублях.').fillColor('black');
  doc.moveDown(0.3);

  const bottom = () => doc.page.height - doc.page.margins.bottom;
  const cell = (text: string, x: number, y: number, w: number, align: 'left' | 'right' = 'left') => {
    doc.text(text, x, y, { width: w, align, lineBreak: true });
  };
  const header = () => {
    const y = doc.y;
    doc.font('b').fontSize(9);
    cell('Дата', col.date, y, 70);
    cell('Наименование', col.name, y, nameWidth);
    cell('Списано', col.debit, y, money - 4, 'right');
    cell('Зачислено', col.credit, y, money - 4, 'right');
    cell('Остаток', col.balance, y, money, 'right');
    const under = y + doc.heightOfString('Зачислено', { width: money - 4 }) + 2;
    doc.moveTo(left, under).lineTo(left + width, under).stroke();
    doc.y = under + 4;
    doc.font('r').fontSize(9);
  };
  /*
   * Every block's height is measured with the width it is drawn in before it
   * is drawn, and the next block starts below the tallest cell of its row: a
   * dish name that wraps pushes its price's row and everything after it down,
   * so nothing is ever drawn over a wrapped line.
   */
  const h = (text: string, w: number) => doc.heightOfString(text, { width: w });
  const ensure = (need: number) => {
    if (doc.y + need > bottom()) { doc.addPage(); header(); }
  };
  header();

  for (const l of s.lines) {
    doc.fontSize(9);
    const amounts = [l.debit ? amt(l.debit) : '', l.credit ? amt(l.credit) : '', amt(l.balance)];
    const rowH = Math.max(h(l.when, 70), h(l.title, nameWidth), ...amounts.map((a) => h(a || ' ', money - 4)));
    const dishes = l.items.map((it) => {
      const name = `${it.name}${it.quantity > 1 ? ` × ${it.quantity}` : ''}`;
      const price = amt(it.amount);
      return { name, price, height: Math.max(h(name, dishWidth), h(price, dishPrice)) };
    });
    // The entry's own row and its first dish stay together; a long receipt may continue on the next page.
    ensure(rowH + (dishes[0]?.height ?? 0) + gap);
    const y = doc.y;
    cell(l.when, col.date, y, 70);
    cell(l.title, col.name, y, nameWidth);
    cell(amounts[0]!, col.debit, y, money - 4, 'right');
    cell(amounts[1]!, col.credit, y, money - 4, 'right');
    cell(amounts[2]!, col.balance, y, money, 'right');
    doc.y = y + rowH + 1;
    doc.fillColor('#444');
    for (const d of dishes) {
      ensure(d.height + 1);
      const dy = doc.y;
      cell(d.name, col.name + dishIndent, dy, dishWidth);
      cell(d.price, col.name + dishIndent + dishWidth + 6, dy, dishPrice, 'right');
      doc.y = dy + d.height + 1;
    }
    doc.fillColor('black');
    doc.y += gap + 2;
    doc.x = left;
  }
  if (s.lines.length === 0) doc.text('За период операций нет', col.name, doc.y);
  ensure(30);
  doc.moveTo(left, doc.y + 2).lineTo(left + width, doc.y + 2).stroke();
  const y = doc.y + 6;
  doc.font('b').fontSize(9);
  cell('Итого за период', col.name, y, nameWidth);
  cell(amt(s.totalDebit), col.debit, y, money - 4, 'right');
  cell(amt(s.totalCredit), col.credit, y, money - 4, 'right');
  cell(amt(s.closing), col.balance, y, money, 'right');
  doc.end();
  return done;
}
