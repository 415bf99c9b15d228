import { readFileSync } from 'node:fs';
import type { CliCommand } from './types.js';
import { parseFlags } from './types.js';

const HELP = `Реестры платежей банков.

  canteen registry import ФАЙЛ.csv [--bank ИМЯ] [--data ПАПКА]
  canteen registry reconcile ФАЙЛ.csv [--bank ИМЯ] [--data ПАПКА]

Строки CSV: номер платежа; дата; лицевой счёт; сумма; плательщик
(Windows-1251 или UTF-8, разделитель «;», табуляция или «,»; строка заголовка необязательна).
Каждый платёж зачисляется один раз по его номеру (в пределах банка --bank); отклонённые строки
(неизвестный счёт, неверная сумма, повтор) перечисляются, остальные зачисляются. Оплаты картой,
которые банк тоже включил в реестр, по реестру не зачисляются: их зачисляет эквайринг.
reconcile ничего не зачисляет: сверяет дневной реестр банка с зачисленным — в реестре, но не
зачислено; зачислено в эти дни, но нет в реестре; суммы расходятся.
База: PostgreSQL из DATABASE_URL, иначе встроенная PGlite в --data (по умолчанию data/server;
PGlite открывается одним процессом — при запущенном сервере используйте PostgreSQL).
Код выхода: import — 0, если все строки зачислены, 3 — часть строк отклонена; reconcile — 0, если
расхождений нет, 3 — есть расхождения; 1 — ошибка.`;

export const command: CliCommand = {
  name: 'registry',
  summary: 'реестры платежей банков: canteen registry import|reconcile ФАЙЛ.csv',
  async run(argv) {
    const { _, flags } = parseFlags(argv);
    const [sub, file] = _;
    if ((sub !== 'import' && sub !== 'reconcile') || !file) {
      console.log(HELP);
      return sub === 'help' || flags.help ? 0 : 2;
    }
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (err) {
      console.error(`Ошибка: файл ${file} не прочитан: ${(err as Error).message}`);
      return 1;
    }
    const bank = typeof flags.bank === 'string' ? flags.bank.trim() : undefined;
    if (bank !== undefined && !/^[\p{L}\p{N}_-]{1,40}$/u.test(bank)) {
      console.error('Ошибка: --bank: буквы, цифры, «-» и «_», не длиннее 40');
      return 2;
    }
    const { openServerDb } = await import('./server.js');
    let h;
    try {
      h = await openServerDb(flags);
      if (sub === 'reconcile') {
        const { reconcileRegistry, formatReconcile, discrepancies } = await import('../server/cabinet/registry-reconcile.js');
        const report = await reconcileRegistry(h.db, bytes, { bank });
        console.log(formatReconcile(report));
        return discrepancies(report) ? 3 : 0;
      }
      const { importRegistry, formatReport } = await import('../server/cabinet/registry-import.js');
      const report = await importRegistry(h.db, bytes, { source: bank });
      console.log(formatReport(report));
      return report.rejected.length ? 3 : 0;
    } catch (err) {
      console.error(`Ошибка: ${(err as Error).message}`);
      return 1;
    } finally {
      await h?.close();
    }
  },
};
