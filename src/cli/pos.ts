import { allergenLabel } from '../core/allergens.js';
import { createInterface } from 'node:readline';
import { rmSync } from 'node:fs';
import { v7 as uuidv7 } from 'uuid';
import type { CliCommand } from './types.js';
import { parseFlags } from './types.js';
import { DEMO_SCHOOL } from '../core/demo-school.js';
import { formatAmount } from '../core/money.js';
import type { MenuItem, PupilInfo } from '../api/pos-api.js';
import type { Result } from '../api/result.js';
import { openTerminal } from '../terminal/index.js';
import { receiptText } from '../terminal/receipt-text.js';

export const DEFAULT_DEMO_DB = 'data/demo-terminal.db';

const HELP = [
  'Команды:',
  '  PIN (4–8 цифр)       войти (демо: кассир 1111, заведующий 9999)',
  '  о | open             открыть смену',
  '  EM:… | MF:… | к N    приложить карту (UID или номер из списка «карты»)',
  '  карты | cards        список демо-карт',
  '  меню | menu          меню',
  '  x | х                X-отчёт',
  '  z | з                Z-отчёт (закрыть смену, заведующий)',
  '  чеки | receipts      последние чеки',
  '  возврат N | refund N возврат чека N из списка «чеки» (заведующий)',
  '  выйти | logout       сменить кассира',
  '  q | выход            завершить',
];

/**
 * `canteen pos`: the terminal in a console, for newcomers and tests. Line
 * driven (works with piped stdin): each line is a command or, after a card
 * tap, the dish numbers for the sale ("1 2 5" or "1*2 F1"; empty = cancel).
 */
export async function runConsolePos(opts: {
  dbPath: string;
  input?: NodeJS.ReadableStream;
  print?: (line: string) => void;
  fresh?: boolean;
}): Promise<number> {
  const print = opts.print ?? ((l: string) => process.stdout.write(l + '\n'));
  if (opts.fresh) for (const ext of ['', '-wal', '-shm']) rmSync(opts.dbPath + ext, { force: true });
  const term = await openTerminal({ dbPath: opts.dbPath, seed: true });
  const pos = term.service;
  const menu = (await pos.menu()) as Extract<Result<{ items: MenuItem[] }>, { ok: true }>;
  const items = menu.value.items;
  const show = <T>(r: Result<T>): r is { ok: true; value: T } => {
    if (!r.ok) print(`! ${r.error.message}`);
    return r.ok;
  };
  const printMenu = () => items.forEach((it, i) => print(`  ${String(i + 1).padStart(2)}. ${it.name.padEnd(48)} ${formatAmount(it.price).padStart(7)}${it.hotkey ? `  [${it.hotkey}]` : ''}`));
  const cards = DEMO_SCHOOL.cards.map((c) => {
    const st = DEMO_SCHOOL.students.find((s) => s.accountNumber === c.accountNumber)!;
    return { id: c.id, label: `${st.fullName}, ${st.className}${c.state !== 'active' ? ` (${c.state === 'blocked' ? 'заблокирована' : 'утеряна'})` : ''}` };
  });
  let pupil: PupilInfo | undefined;
  let receiptList: string[] = [];

  print('Касса столовой — консольная демонстрация (canteen pos). «?» — список команд.');
  print(`База: ${opts.dbPath}`);
  print('Войдите: введите PIN (демо: кассир 1111, заведующий 9999).');

  const rl = createInterface({ input: opts.input ?? process.stdin, terminal: false });
  const prompt = () => { if (process.stdout.isTTY && !opts.print) process.stdout.write(pupil ? 'блюда> ' : '> '); };
  prompt();
  for await (const raw of rl) {
    const line = raw.trim();
    const cmd = line.toLowerCase();
    if (pupil) {
      const p = pupil;
      pupil = undefined;
      if (!line) { print('Продажа отменена.'); prompt(); continue; }
      const cart: { itemId: string; quantity: number }[] = [];
      let bad = '';
      for (const tok of line.split(/[\s,]+/)) {
        const m = /^([^*x×]+)(?:[*x×](\d+))?$/i.exec(tok);
        const key = m?.[1] ?? '';
        const item = /^\d+$/.test(key) ? items[Number(key) - 1] : items.find((i) => i.hotkey?.toLowerCase() === key.toLowerCase());
        if (!m || !item) { bad = tok; break; }
        cart.push({ itemId: item.id, quantity: m[2] ? Number(m[2]) : 1 });
      }
      if (bad) { print(`! Нет такого блюда: «${bad}». Продажа отменена.`); prompt(); continue; }
      const res = await pos.sell({ saleId: uuidv7(), cardId: p.cardId, lines: cart, tapId: p.tapId });
      if (show(res)) {
        print('---------------- чек ----------------');
        for (const l of receiptText(res.value.receipt)) print(l);
        print('-------------------------------------');
        print(`Списано ${formatAmount(res.value.total)} ₽, новый баланс ${formatAmount(res.value.balanceAfter)} ₽`);
      }
      prompt();
      continue;
    }
    if (!line) { prompt(); continue; }
    if (cmd === 'q' || cmd === 'выход' || cmd === 'quit' || cmd === 'exit') break;
    if (cmd === '?' || cmd === 'help' || cmd === 'помощь') HELP.forEach((l) => print(l));
    else if (/^\d{4,8}$/.test(line)) {
      const r = await pos.login(line);
      if (show(r)) print(`Вход: ${r.value.name} (${r.value.role === 'manager' ? 'заведующий' : 'кассир'}). Откройте смену: «о». Затем приложите карту: «к 1» или «EM:55007EE424».`);
    } else if (cmd === 'о' || cmd === 'o' || cmd === 'open') {
      const r = await pos.openShift();
      if (show(r)) print(`Смена №${r.value.number} открыта (${r.value.openedBy}).`);
    } else if (cmd === 'карты' || cmd === 'cards') cards.forEach((c, i) => print(`  к ${i + 1}: ${c.id}  ${c.label}`));
    else if (cmd === 'меню' || cmd === 'menu') printMenu();
    else if (cmd === 'x' || cmd === 'х' || cmd === 'z' || cmd === 'з') {
      const r = cmd === 'x' || cmd === 'х' ? await pos.xReport() : await pos.closeShift();
      if (show(r)) r.value.text.forEach((l) => print(l));
    } else if (cmd === 'чеки' || cmd === 'receipts') {
      const r = await pos.lastReceipts(10);
      if (show(r)) {
        receiptList = r.value.map((x) => x.receiptId);
        if (!r.value.length) print('Чеков нет.');
        r.value.forEach((x, i) => print(`  ${i + 1}. ${x.kind === 'refund' ? 'Возврат' : 'Чек'} №${x.number} ${x.pupilName} ${formatAmount(x.total)}${x.refunded ? ' (возвращён)' : ''}`));
      }
    } else if (/^(возврат|refund)\s+\d+$/.test(cmd)) {
      const id = receiptList[Number(cmd.split(/\s+/)[1]) - 1];
      if (!id) print('! Сначала выведите список «чеки» и укажите номер из него.');
      else {
        const r = await pos.refund(id, 'возврат с консоли');
        if (show(r)) { receiptText(r.value.receipt).forEach((l) => print(l)); print(`Возвращено ${formatAmount(r.value.total)} ₽, баланс ${formatAmount(r.value.balanceAfter)} ₽`); }
      }
    } else if (cmd === 'выйти' || cmd === 'logout') { await pos.logout(); print('Кассир вышел. Введите PIN.'); }
    else {
      let cardId = line;
      const k = /^(?:к|k)\s*(\d+)$/.exec(cmd);
      if (k) cardId = cards[Number(k[1]) - 1]?.id ?? '';
      if (!cardId) print('! Нет такой карты в списке «карты».');
      else {
        const r = await pos.identifyCard(cardId);
        if (show(r)) {
          const v = r.value;
          print(`${v.fullName}, ${v.className}, Л/С ${v.accountNumber}. Баланс ${formatAmount(v.balance)} ₽` +
            (v.dailyLimit !== undefined ? `, дневной лимит ${formatAmount(v.dailyLimit)} ₽ (потрачено ${formatAmount(v.spentToday)} ₽)` : ''));
          if (v.benefitOffer) print(`Льгота: ${v.benefitOffer}`);
          if (v.allergies?.length) print(`! Аллергия: ${v.allergies.map(allergenLabel).join(', ')}`);
          for (const w of v.warnings) print(`! ${w}`);
          if (v.cardState !== 'active') { print('Продажа по этой карте невозможна.'); prompt(); continue; }
          printMenu();
          print('Номера блюд через пробел (N*2 — две порции), пустая строка — отмена:');
          pupil = v;
        }
      }
    }
    prompt();
  }
  rl.close();
  term.close();
  return 0;
}

export const command: CliCommand = {
  name: 'pos',
  summary: 'касса в консоли: PIN, смена, карта, блюда, чек (--db PATH, --fresh)',
  async run(argv) {
    const { flags } = parseFlags(argv);
    const dbPath = typeof flags.db === 'string' ? flags.db : process.env.CANTEEN_DB ?? DEFAULT_DEMO_DB;
    return runConsolePos({ dbPath, fresh: flags.fresh === true });
  },
};
