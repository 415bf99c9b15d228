import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { columnWidth, csvField, csvRow, MONEY_FORMAT, toPdf, xlsxRow, type ReportFile } from './export.js';

/**
 * A report's file written to disk row by row (the export jobs, export-jobs.ts): XLSX with exceljs's
 * streaming WorkbookWriter (each row committed as written, not the whole workbook in memory), CSV
 * through a write stream with backpressure, PDF as export.ts makes it (a signed report is short).
 * Same cells as export.ts's toXlsx/toCsv, so a job's file reads back like the direct download.
 * The file is created new (`wx`) with mode 0600: it holds children's names.
 */
export type Progress = (rowsDone: number) => void | Promise<void>;

const EVERY = 500;   // rows between progress reports (and a turn of the event loop for others)

function privateStream(path: string): WriteStream {
  return createWriteStream(path, { flags: 'wx', mode: 0o600 });
}

export async function writeXlsxFile(f: ReportFile, path: string, progress: Progress): Promise<void> {
  const { default: ExcelJS } = await import('exceljs');
  const stream = privateStream(path);
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream, useStyles: true, useSharedStrings: false });
  wb.creator = 'canteen';
  try {
    await writeSheets(wb, f, progress);
  } catch (err) {
    stream.destroy();
    throw err;
  }
}

type Writer = InstanceType<typeof import('exceljs').stream.xlsx.WorkbookWriter>;

async function writeSheets(wb: Writer, f: ReportFile, progress: Progress): Promise<void> {
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

export async function writeCsvFile(f: ReportFile, path: string, progress: Progress): Promise<void> {
  const out = privateStream(path);
  const write = async (line: string) => { if (!out.write(line + '\r\n')) await once(out, 'drain'); };
  try {
    out.write('\uFEFF');
    let done = 0;
    for (const [i, s] of f.sheets.entries()) {
      if (i > 0) await write('');
      await write(csvField(s.title));
      await write(s.columns.map((c) => csvField(c.header)).join(';'));
      for (const r of s.rows) {
        await write(csvRow(s, r));
        if (++done % EVERY === 0) await progress(done);
      }
      for (const line of s.footer ?? []) await write(csvField(line));
    }
    await progress(done);
  } finally {
    out.end();
    await once(out, 'close');
  }
}

export async function writePdfFile(f: ReportFile, path: string, progress: Progress): Promise<void> {
  await writeFile(path, await toPdf(f), { flag: 'wx', mode: 0o600 });
  await progress(f.sheets.reduce((a, s) => a + s.rows.length, 0));
}

export const FILE_WRITERS = { xlsx: writeXlsxFile, csv: writeCsvFile, pdf: writePdfFile } as const;
