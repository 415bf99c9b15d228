import { once } from 'node:events';
import { PassThrough, type Writable } from 'node:stream';
import PDFDocument from 'pdfkit';
import { formatAmount } from '../../core/money.js';
import { findFont, PdfFontMissing } from '../../cabinet/pdf.js';

/**
 * A report as files: XLSX (exceljs), CSV (';', UTF-8 with BOM: Excel on Russian Windows opens it
 * as is) and PDF (pdfkit, for the reports people sign). Each report maps itself to sheets of plain
 * rows (report-files.ts); money columns are integer kopecks turned into rubles only here, at the edge:
 * in XLSX a number with two decimals (kopecks / 100, exact for any sum under 2^53 kopecks), in CSV
 * and PDF the text "49,61".
 */
export interface Column { key: string; header: string; money?: boolean; width?: number }
export interface Sheet { name: string; title: string; columns: Column[]; rows: Record<string, unknown>[]; footer?: string[] }
export interface ReportFile { fileName: string; title: string; sheets: Sheet[] }

export const CONTENT_TYPES = {
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  csv: 'text/csv; charset=utf-8',
  pdf: 'application/pdf',
} as const;

export function cellText(c: Column, v: unknown): string {
  if (v == null) return '';
  if (c.money && typeof v === 'number') return formatAmount(v);
  if (typeof v === 'boolean') return v ? 'да' : 'нет';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v as string | number);
}

/** XLSX in memory (the report's direct download): the streaming writer below into a buffer. */
export async function toXlsx(f: ReportFile): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await writeXlsx(f, out, () => {});
  if (!out.writableFinished) await once(out, 'finish');
  return Buffer.concat(chunks);
}

export type Progress = (rowsDone: number) => void | Promise<void>;
const EVERY = 500;   // rows between progress reports (and a turn of the event loop for others)

/**
 * XLSX with exceljs's streaming WorkbookWriter: each row is committed as it is written, never the
 * whole workbook as objects in memory (200,000 rows: +153 MB of memory instead of +2.8 GB with the
 * in-memory Workbook, measured under load 18; docs/reports.md). The stream is ended by the writer.
 */
export async function writeXlsx(f: ReportFile, stream: Writable, progress: Progress): Promise<void> {
  const { default: ExcelJS } = await import('exceljs');
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream, useStyles: true, useSharedStrings: false });
  wb.creator = 'canteen';
  let done = 0;
  for (const s of f.sheets) {
    const ws = wb.addWorksheet(s.name.slice(0, 31));
    // Column widths and formats must be known before the first row is committed.
    ws.columns = s.columns.map((c) => ({ width: columnWidth(c), ...(c.money ? { style: { numFmt: MONEY_FORMAT } } : {}) }));
    const title = ws.addRow([s.title]);
    title.font = { bold: true };
    title.commit();
    ws.addRow([]).commit();
    const head = ws.addRow(s.columns.map((c) => c.header));
    head.font = { bold: true };
    head.commit();
    for (const r of s.rows) {
      ws.addRow(xlsxRow(s, r)).commit();
      if (++done % EVERY === 0) await progress(done);
    }
    for (const line of s.footer ?? []) ws.addRow([line]).commit();
    ws.commit();
  }
  await wb.commit();
  await progress(done);
}

export const MONEY_FORMAT = '#,##0.00';
export const columnWidth = (c: Column): number => c.width ?? Math.min(60, Math.max(10, c.header.length + 2));

/** A row's cells as XLSX values: money a number of rubles, numbers and text as they are, no text an empty cell. */
export function xlsxRow(s: Sheet, r: Record<string, unknown>): (string | number | null)[] {
  return s.columns.map((c) => {
    const v = r[c.key];
    if (v === '') return null;   // exceljs's streaming writer leaves "" out anyway
    if (c.money && typeof v === 'number') return v / 100;
    if (typeof v === 'number' || typeof v === 'string') return v;
    return cellText(c, v);
  });
}

export const csvField = (s: string) => (/[";\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
/** One row of a sheet as a CSV line (without the line end). */
export const csvRow = (s: Sheet, r: Record<string, unknown>): string => s.columns.map((c) => csvField(cellText(c, r[c.key]))).join(';');

/** All sheets one after another, each under its title line. */
export function toCsv(f: ReportFile): Buffer {
  const out: string[] = [];
  for (const s of f.sheets) {
    if (out.length) out.push('');
    out.push(csvField(s.title));
    out.push(s.columns.map((c) => csvField(c.header)).join(';'));
    for (const r of s.rows) out.push(csvRow(s, r));
    for (const line of s.footer ?? []) out.push(csvField(line));
  }
  return Buffer.from('\uFEFF' + out.join('\r\n') + '\r\n', 'utf8');
}

/** A plain table per sheet (landscape A4), with lines for signatures at the end. */
export function toPdf(f: ReportFile, signatures: string[] = ['Составил', 'Проверил']): Promise<Buffer> {
  const regular = findFont(false);
  if (!regular) return Promise.reject(new PdfFontMissing());
  const bold = findFont(true) ?? regular;
  const doc = new PDFDocument({ size: 'A4', layout: 'landscape', margin: 36, info: { Title: f.title } });
  doc.registerFont('r', regular);
  doc.registerFont('b', bold);
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => { doc.on('end', () => resolve(Buffer.concat(chunks))); doc.on('error', reject); });
  const left = doc.page.margins.left;
  const width = doc.page.width - left - doc.page.margins.right;
  doc.font('b').fontSize(13).text(f.title);
  for (const s of f.sheets) {
    doc.moveDown(0.6).font('b').fontSize(11).text(s.title, left);
    const weights = s.columns.map((c) => c.width ?? Math.max(8, c.header.length));
    const total = weights.reduce((a, b) => a + b, 0);
    const widths = weights.map((w) => (w / total) * width);
    const row = (cells: string[], font: 'r' | 'b') => {
      doc.font(font).fontSize(8);
      const h = Math.max(...cells.map((t, i) => doc.heightOfString(t, { width: widths[i]! - 4 }))) + 4;
      if (doc.y + h > doc.page.height - doc.page.margins.bottom) doc.addPage();
      const y = doc.y;
      let x = left;
      cells.forEach((t, i) => {
        doc.text(t, x + 2, y + 2, { width: widths[i]! - 4, align: s.columns[i]!.money ? 'right' : 'left' });
        x += widths[i]!;
      });
      doc.moveTo(left, y + h).lineTo(left + width, y + h).lineWidth(0.3).stroke();
      doc.x = left;
      doc.y = y + h;
    };
    row(s.columns.map((c) => c.header), 'b');
    for (const r of s.rows) row(s.columns.map((c) => cellText(c, r[c.key])), 'r');
    for (const line of s.footer ?? []) doc.font('r').fontSize(9).text(line, left);
  }
  doc.moveDown(2);
  for (const who of signatures) doc.font('r').fontSize(10).text(`${who}: ____________________ / ____________________ /     «___» __________ 20___ г.`, left).moveDown(0.8);
  doc.end();
  return done;
}

export async function renderFile(f: ReportFile, format: 'xlsx' | 'csv' | 'pdf'): Promise<Buffer> {
  if (format === 'xlsx') return toXlsx(f);
  if (format === 'csv') return toCsv(f);
  return toPdf(f);
}
