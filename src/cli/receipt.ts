import { writeFile } from 'node:fs/promises';
import type { CliCommand } from './types.js';
import { parseFlags } from './types.js';
import { demoReceipt, demoShiftReport } from '../../hardware/printer/demo.js';
import { COLUMNS, PROFILES, render, type PaperWidth, type Printable } from '../../hardware/printer/index.js';
import { printTargetFlags } from './printer.js';
import { renderLines } from '../../hardware/printer/raster.js';
import { bitmapToPng } from '../../hardware/printer/png.js';

const USAGE = `Использование: canteen receipt --demo [--profile ${PROFILES.join('|')}] [--width 58|80] (--out FILE | --text)
  [--report x|z]          X- или Z-отчёт вместо чека
  [--copy]                отметка «КОПИЯ»
  [--raster-dialect star|escpos]  как отправить растр (по умолчанию star: TSP100)
  --out FILE.png          для профиля raster: картинка чека`;

export interface ReceiptCliOptions { profile: string; width: PaperWidth; report?: 'X' | 'Z'; copy?: boolean }

export function demoPrintable(o: Pick<ReceiptCliOptions, 'report' | 'copy'>): Printable {
  return o.report
    ? { kind: 'report', report: demoShiftReport(o.report), schoolName: 'Школа №24', terminalName: 'Касса 1', copy: o.copy }
    : { kind: 'receipt', doc: demoReceipt(o.copy ? { copy: true } : {}) };
}

/** `canteen receipt --demo`: the seed's receipt, rendered for a profile into a file, or as the text the paper shows. */
export const command: CliCommand = {
  name: 'receipt',
  summary: 'демо-чек в файл для профиля принтера или как текст (--demo --profile --width --out|--text)',
  async run(argv) {
    const { flags } = parseFlags(argv);
    if (!flags.demo) { console.error(`Нужен --demo (другие чеки печатает касса).\n${USAGE}`); return 2; }
    const target = printTargetFlags(flags);
    if (typeof target === 'string') { console.error(target); return 2; }
    const { profile, width, rasterDialect: rd } = target;
    const report = flags.report === undefined ? undefined : String(flags.report).toUpperCase();
    if (report !== undefined && report !== 'X' && report !== 'Z') { console.error('--report: x или z'); return 2; }
    const columns = COLUMNS[width];
    const printable = demoPrintable({ report, copy: flags.copy === true });
    const { bytes, lines } = render(printable, { profile, columns, rasterDialect: rd });
    if (flags.text) { console.log(lines.join('\n')); }
    if (typeof flags.out === 'string') {
      const png = profile === 'raster' && flags.out.toLowerCase().endsWith('.png');
      await writeFile(flags.out, png ? bitmapToPng(renderLines(lines, columns)) : bytes);
      console.error(`${flags.out}: ${png ? 'PNG' : `${bytes.length} байт`} (${profile}, ${width} мм, ${columns} символов)`);
    }
    if (!flags.text && typeof flags.out !== 'string') { console.error(USAGE); return 2; }
    return 0;
  },
};
