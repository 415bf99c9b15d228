import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CliCommand } from './types.js';
import { parseFlags } from './types.js';

const PRINTER_DISCOVER = new URL('../../hardware/printer/discover.ts', import.meta.url);

interface Row { kind: string; port?: string; path?: string; vendorId?: string; productId?: string; guess: string; spec?: string }

/** The printer half is optional: the command works on a checkout that has only the reader. */
async function printers(): Promise<{ rows: Row[]; note?: string }> {
  if (!existsSync(fileURLToPath(PRINTER_DISCOVER))) return { rows: [] };
  try {
    const href = new URL('../../hardware/printer/discover.js', import.meta.url).href;
    const mod = (await import(href)) as { listPrinters?: () => Promise<Row[]> };
    return { rows: mod.listPrinters ? await mod.listPrinters() : [] };
  } catch (err) {
    return { rows: [], note: `Принтеры: ${(err as Error).message}` };
  }
}

const ids = (r: Row): string => (r.vendorId ? ` [${r.vendorId}:${r.productId ?? '????'}]` : '');

/** `canteen devices [--json]`: card readers and printers this machine can see. */
export const command: CliCommand = {
  name: 'devices',
  summary: 'найденные считыватели карт и принтеры (--json)',
  async run(argv) {
    const { flags } = parseFlags(argv);
    const { listReaders } = await import('../../hardware/reader/discover.js');
    const [r, p] = await Promise.all([listReaders(), printers()]);
    const notes = [...r.notes, ...(p.note ? [p.note] : [])];
    if (flags.json) {
      console.log(JSON.stringify({ readers: r.readers, printers: p.rows, notes }, null, 2));
      return 0;
    }
    const out: string[] = ['Считыватели карт:'];
    if (r.readers.length === 0) out.push('  не найдены');
    for (const d of r.readers) {
      out.push(`  ${d.port}${ids(d)}  ${d.guess}`);
      if (d.spec) out.push(`      настройка: CANTEEN_READER=${d.spec}   проверка: canteen reader --port ${d.spec}`);
    }
    out.push('', 'Принтеры:');
    if (p.rows.length === 0) out.push('  не найдены');
    for (const d of p.rows) out.push(`  ${d.path ?? d.port ?? ''}${ids(d)}  ${d.guess}`);
    if (notes.length) out.push('', 'Замечания:', ...notes.map((n) => `  ${n}`));
    console.log(out.join('\n'));
    return 0;
  },
};
