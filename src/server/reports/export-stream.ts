import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { csvField, csvRow, toPdf, writeXlsx, type Progress, type ReportFile } from './export.js';

/**
 * A report's file written to disk row by row (the export jobs, export-worker.ts): XLSX by export.ts's
 * streaming writer, CSV through a write stream with backpressure, PDF as export.ts makes it (a signed
 * report is short). Same cells as the direct download's (export.ts), so the two read back alike.
 * The file is created new (`wx`) with mode 0600: it holds children's names.
 */
export type { Progress };

const EVERY = 500;   // rows between progress reports

function privateStream(path: string): WriteStream {
  return createWriteStream(path, { flags: 'wx', mode: 0o600 });
}

export async function writeXlsxFile(f: ReportFile, path: string, progress: Progress): Promise<void> {
  const stream = privateStream(path);
  try {
    await writeXlsx(f, stream, progress);
  } catch (err) {
    stream.destroy();
    throw err;
  }
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
