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
  const col = { date: left, name: left + 95, debit: left + width - 150, credit: left + width - 72 };
  const nameWidth = col.debit - col.name - 8;

  doc.font('b').fontSize(14).text('Отчёт по лицевому счёту', { align: 'left' });
  doc.font('r').fontSize(10).text(`за период с ${ruDay(s.period.from)} по ${ruDay(s.period.to)}`);
  doc.moveDown(0.5);
  doc.text(`${s.account.pupilName}, ${s.account.schoolName}${s.account.className ? `, ${s.account.className}` : ''}`);
  doc.text(`Лицевой счёт: ${s.account.accountNumber}`);
  doc.text(`Остаток на начало: ${rub(s.opening)}`);
  doc.text(`Остаток на конец: ${rub(s.closing)}`);
  doc.moveDown(0.8);

  const header = () => {
    const y = doc.y;
    doc.font('b').fontSize(9);
    doc.text('Дата', col.date, y, { width: 90 });
    doc.text('Наименование', col.name, y, { width: nameWidth });
    doc.text('Списано', col.debit, y, { width: 70, align: 'right' });
    doc.text('Зачислено', col.credit, y, { width: 72, align: 'right' });
    doc.moveTo(left, doc.y + 2).lineTo(left + width, doc.y + 2).stroke();
    doc.y += 5;
    doc.font('r');
  };
  header();
  const bottom = () => doc.page.height - doc.page.margins.bottom;

  for (const l of s.lines) {
    const itemsText = l.items.map((it) => `${it.name}${it.quantity > 1 ? ` × ${it.quantity}` : ''}`);
    doc.fontSize(9);
    const need = doc.heightOfString(l.title, { width: nameWidth }) + itemsText.reduce((h, t) => h + doc.heightOfString(t, { width: nameWidth - 70 }), 0) + 6;
    if (doc.y + need > bottom()) { doc.addPage(); header(); }
    const y = doc.y;
    doc.text(l.when, col.date, y, { width: 90 });
    doc.text(l.title, col.name, y, { width: nameWidth });
    let yy = doc.y;
    l.items.forEach((it, i) => {
      doc.fillColor('#444').text(itemsText[i]!, col.name + 8, yy, { width: nameWidth - 78 });
      doc.text(rub(it.amount), col.name + nameWidth - 70, yy, { width: 70, align: 'right' });
      yy = Math.max(doc.y, yy + 10);
      doc.fillColor('black');
    });
    doc.text(l.debit ? rub(l.debit) : '', col.debit, y, { width: 70, align: 'right' });
    doc.text(l.credit ? rub(l.credit) : '', col.credit, y, { width: 72, align: 'right' });
    doc.y = Math.max(yy, y + 12) + 3;
    doc.x = left;
  }
  if (s.lines.length === 0) doc.text('За период операций нет', col.name, doc.y);
  if (doc.y + 30 > bottom()) doc.addPage();
  doc.moveTo(left, doc.y + 2).lineTo(left + width, doc.y + 2).stroke();
  const y = doc.y + 6;
  doc.font('b').fontSize(9);
  doc.text('Итого за период', col.name, y, { width: nameWidth });
  doc.text(rub(s.totalDebit), col.debit, y, { width: 70, align: 'right' });
  doc.text(rub(s.totalCredit), col.credit, y, { width: 72, align: 'right' });
  doc.end();
  return done;
}
