// Over 400 lines on purpose: the table of `canteen server` subcommands and their shared database opening; each new subcommand with a body of its own goes to its own file (as release.ts does).
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { availableParallelism, userInfo } from 'node:os';
import type { CliCommand } from './types.js';
import { parseFlags, untilStopped } from './types.js';
import { formatAmount, parseMoney } from '../core/money.js';
import { DEMO_SCHOOL } from '../core/demo-school.js';
import type { DbHandle } from '../server/db/open.js';

import { STAFF_HELP } from './server-staff.js';
import { exportsDirOf, RELEASE_HELP, releasesDirOf } from './server-release.js';

const HELP = `Центральный сервер. База: PostgreSQL из DATABASE_URL, иначе встроенная PGlite в --data ПАПКА (по умолчанию data/server).

  canteen server [start] [--port 8080] [--host 127.0.0.1] [--data ПАПКА]   запустить сервер (по умолчанию только на 127.0.0.1, за прокси с TLS)
      [--trust-proxy 127.0.0.1]                               адреса обратного прокси (через запятую; или CANTEEN_TRUST_PROXY): чей X-Forwarded-For верен
      [--housekeeping-minutes 60] [--changes-days 30]         уборка раз в час (0 — не убирать), журнал изменений хранится 30 дней
  canteen server migrate                                      применить миграции и выйти
  canteen server seed-demo                                    загрузить демо-школу №24, выдать код для «Касса 1»
  canteen server school КОД НАЗВАНИЕ [--overdraft 0,00] [--tz Europe/Moscow] [--cabinet URL]   добавить/изменить школу
  canteen server import ФАЙЛ.csv [--strict]                   учащиеся и лицевые счета из файла района
  canteen server menu ШКОЛА ФАЙЛ.(json|csv)                   меню и цены школы
  canteen server photo УЧАЩИЙСЯ ФАЙЛ [--webp] | photo УЧАЩИЙСЯ --remove   фото учащегося (уменьшается до 240×300, уходит только на кассы его школы)
  canteen server card issue Л/С КАРТА | block КАРТА [--reason Т] | lost КАРТА | unblock КАРТА | reissue СТАРАЯ НОВАЯ
  canteen server enroll-code ШКОЛА [--name "Касса 2"] [--terminal ID] [--hours 72]   одноразовый код регистрации кассы
  canteen server revoke ID_КАССЫ                              отозвать токен кассы
  canteen server topup Л/С СУММА --reason ОСНОВАНИЕ --doc(--document) НОМЕР [--by ИМЯ]   пополнение вручную (сумма «500» или «49,61»):
      основание и номер документа обязательны; документ зачисляется один раз; --by — кто вносит (по умолчанию пользователь ОС)
  canteen server balance-return Л/С --document НОМЕР --reason ТЕКСТ   возврат остатка выбывшего: на карты (refund.do), остальное переводом
  canteen server reconcile                                    сверить балансы с суммой проводок и проводки с правилами (код выхода 1 при расхождении)
  canteen server flags [--all | --resolved] [--school ШКОЛА]  продажи на проверку (заблокированная карта, перерасход, дневной лимит …)
  canteen server flags resolve НОМЕР … --note ТЕКСТ [--by ИМЯ]   закрыть отметку: кто, когда, что сделано (отметка остаётся)
  canteen server housekeeping [--changes-days 30]             удалить истёкшие сессии кабинета и ссылки сброса пароля, старый журнал изменений
  canteen server orders-due [--now ISO] [--grace-hours 24]    зафиксировать заявки после отсечки и применить правило «заказано, не съедено» (то же, что делает сервер раз в минуту)
  canteen server partitions [--months 3]                      создать разделы журнала проводок наперёд
${STAFF_HELP}
${RELEASE_HELP}`;

/** The server's database for a CLI command: PostgreSQL from DATABASE_URL, else PGlite in --data (default data/server). */
export async function openServerDb(flags: Record<string, string | true>): Promise<DbHandle> {
  const { openDb } = await import('../server/db/open.js');
  const url = process.env.DATABASE_URL;
  // PostgreSQL's rule of thumb, about two connections a core: more only queue inside the database. On the 2-core
  // region benchmark at 1,500 tills a pool of 10 gave push p99 277 ms, a pool of 5 gave 141 ms (docs/server.md).
  const poolSize = Number(process.env.CANTEEN_DB_POOL ?? defaultPoolSize());
  if (!(Number.isInteger(poolSize) && poolSize > 0)) throw new Error('CANTEEN_DB_POOL: нужно целое число соединений больше 0');
  const replicaUrl = process.env.DATABASE_REPLICA_URL || undefined;
  return openDb(url ? { url, poolSize, ...(replicaUrl ? { replicaUrl } : {}) } : { dataDir: path.resolve(typeof flags.data === 'string' ? flags.data : path.join('data', 'server')) });
}

/** 2 × the cores + 1 (5 on a 2-core server), for a database on the same machine; CANTEEN_DB_POOL overrides it. */
export function defaultPoolSize(): number {
  return 2 * availableParallelism() + 1;
}

async function withDb(flags: Record<string, string | true>, fn: (h: DbHandle) => Promise<number>): Promise<number> {
  let h: DbHandle | undefined;
  try {
    h = await openServerDb(flags);
    return await fn(h);
  } catch (err) {
    console.error(`Ошибка: ${(err as Error).message}`);
    return 1;
  } finally {
    await h?.close();
  }
}

export const command: CliCommand = {
  name: 'server',
  summary: 'центральный сервер и администрирование (canteen server help)',
  async run(argv) {
    const { _, flags } = parseFlags(argv);
    const [sub = 'start', ...args] = _;
    switch (sub) {
      case 'help':
        console.log(HELP);
        return 0;
      case 'start': return start(flags);
      case 'migrate':
        return withDb(flags, async (h) => { console.log(`Миграции применены (${h.kind}).`); return 0; });
      case 'seed-demo':
        return withDb(flags, async (h) => {
          const { seedDemo } = await import('../server/admin/seed-demo.js');
          const { createEnrollmentCode } = await import('../server/auth.js');
          const created = await seedDemo(h.db);
          console.log(created ? `Демо-школа «${DEMO_SCHOOL.school.name}» загружена.` : 'Демо-школа уже есть.');
          const code = await createEnrollmentCode(h.db, { schoolId: DEMO_SCHOOL.school.id, terminalId: DEMO_SCHOOL.terminal.id });
          console.log(`Код регистрации для «${code.terminalName}»: ${code.code} (до ${code.expiresAt})`);
          return 0;
        });
      case 'school': {
        const [code, ...nameParts] = args;
        if (!code || nameParts.length === 0) { console.error('Использование: canteen server school КОД НАЗВАНИЕ'); return 2; }
        return withDb(flags, async (h) => {
          const { upsertSchool, ensurePartitions, findSchool } = await import('../server/admin/schools.js');
          const existing = await findSchool(h.db, code);
          const id = existing?.id ?? `school-${code}`;
          await h.db.transaction(async (tx) => {
            await upsertSchool(tx, {
              id, code, name: nameParts.join(' '),
              timeZone: typeof flags.tz === 'string' ? flags.tz : existing?.timeZone ?? 'Europe/Moscow',
              cabinetUrl: typeof flags.cabinet === 'string' ? flags.cabinet : existing?.cabinetUrl ?? '',
              overdraftLimit: typeof flags.overdraft === 'string' ? parseMoney(flags.overdraft) : existing?.overdraftLimit ?? 0,
              staleAfterMinutes: existing?.staleAfterMinutes ?? 1440,
            });
          });
          await ensurePartitions(h.db, 3, id);
          console.log(`Школа ${code} «${nameParts.join(' ')}» (${id}) сохранена.`);
          return 0;
        });
      }
      case 'import': {
        const file = args[0];
        if (!file) { console.error('Использование: canteen server import ФАЙЛ.csv [--strict]'); return 2; }
        return withDb(flags, async (h) => {
          const { importStudents } = await import('../server/admin/import-students.js');
          const r = await importStudents(h.db, readFileSync(file), { strict: flags.strict === true });
          for (const e of r.errors) console.error(`строка ${e.line}: ${e.message}`);
          if (r.refused) { console.error(`Файл не принят${r.errors.length ? `: ${r.errors.length} ошибок` : ''}; ничего не изменено.`); return 1; }
          for (const a of r.newAccounts) console.log(`строка ${a.line}: ${a.fullName} — Л/С ${a.accountNumber}`);
          console.log(`Добавлено ${r.created}, обновлено ${r.updated}, строк с ошибками ${r.errors.length}.`);
          return r.errors.length ? 1 : 0;
        });
      }
      case 'menu': {
        const [schoolRef, file] = args;
        if (!schoolRef || !file) { console.error('Использование: canteen server menu ШКОЛА ФАЙЛ.(json|csv)'); return 2; }
        return withDb(flags, async (h) => {
          const { parseMenuFile, setMenu } = await import('../server/admin/menu.js');
          const { requireSchool } = await import('../server/admin/schools.js');
          const school = await requireSchool(h.db, schoolRef);
          const menu = parseMenuFile(readFileSync(file), file);
          await setMenu(h.db, school.id, menu);
          console.log(`Меню школы «${school.name}»: ${menu.dishes.length} блюд, ${menu.mealSets.length} комплексов.`);
          return 0;
        });
      }
      case 'card': return card(args, flags);
      case 'photo': {
        const [studentId, file] = args;
        if (!studentId || (!file && flags.remove !== true)) { console.error('Использование: canteen server photo УЧАЩИЙСЯ ФАЙЛ [--webp] | --remove'); return 2; }
        return withDb(flags, async (h) => {
          const { setStudentPhoto, removeStudentPhoto } = await import('../server/admin/photos.js');
          if (flags.remove === true) {
            console.log((await removeStudentPhoto(h.db, studentId)) ? `Фото учащегося ${studentId} удалено.` : `У учащегося ${studentId} фото нет.`);
            return 0;
          }
          const r = await setStudentPhoto(h.db, studentId, readFileSync(file!), flags.webp === true ? 'webp' : 'jpeg');
          console.log(`Фото учащегося ${studentId} сохранено (${Math.ceil(r.bytes / 1024)} КБ); кассы школы получат его при синхронизации.`);
          return 0;
        });
      }
      case 'enroll-code': {
        const [schoolRef] = args;
        if (!schoolRef) { console.error('Использование: canteen server enroll-code ШКОЛА [--name "Касса 2"] [--terminal ID]'); return 2; }
        return withDb(flags, async (h) => {
          const { requireSchool } = await import('../server/admin/schools.js');
          const { createEnrollmentCode } = await import('../server/auth.js');
          const school = await requireSchool(h.db, schoolRef);
          const c = await createEnrollmentCode(h.db, {
            schoolId: school.id,
            ...(typeof flags.terminal === 'string' ? { terminalId: flags.terminal } : {}),
            ...(typeof flags.name === 'string' ? { terminalName: flags.name } : {}),
            ...(typeof flags.hours === 'string' ? { ttlHours: Number(flags.hours) } : {}),
          });
          console.log(`Код регистрации: ${c.code}`);
          console.log(`Касса «${c.terminalName}» (${c.terminalId}), ${school.name}; действует до ${c.expiresAt}, один раз.`);
          console.log(`На кассе: canteen terminal enroll --server https://АДРЕС_СЕРВЕРА --code ${c.code}`);
          return 0;
        });
      }
      case 'revoke': {
        const [terminalId] = args;
        if (!terminalId) { console.error('Использование: canteen server revoke ID_КАССЫ'); return 2; }
        return withDb(flags, async (h) => {
          const { revokeTerminal } = await import('../server/auth.js');
          if (!(await revokeTerminal(h.db, terminalId))) { console.error(`Касса ${terminalId} не найдена`); return 1; }
          console.log(`Токен кассы ${terminalId} отозван.`);
          return 0;
        });
      }
      case 'topup': return topUpCommand(args, flags);
      case 'balance-return': return balanceReturnCommand(args, flags);
      case 'reconcile':
        return withDb(flags, async (h) => {
          const { reconcile } = await import('../server/admin/reconcile.js');
          const r = await reconcile(h.db);
          for (const d of r.differences) {
            console.error(`Л/С ${d.accountNumber}: баланс ${formatAmount(d.balance)}, сумма проводок ${formatAmount(d.sum)}, расхождение ${formatAmount(d.difference)}`);
          }
          for (const v of r.violations) {
            console.error(`Касса ${v.terminalId}, проводка ${v.seq} (${v.kind}, Л/С ${v.accountNumber ?? 'субсидий'}, ${formatAmount(v.amount)}): ${v.message}`);
          }
          console.log(`Проверено счетов: ${r.accounts}, расхождений: ${r.differences.length}; проводок касс: ${r.entries}, нарушений правил: ${r.violations.length}.`);
          return r.differences.length || r.violations.length ? 1 : 0;
        });
      case 'flags': return reviewFlagsCommand(args, flags);
      case 'release':
        return withDb(flags, async (h) => (await import('./server-release.js')).releaseCommand(h, args, flags));
      case 'staff':
        return withDb(flags, async (h) => {
          const { staffCommand } = await import('./server-staff.js');
          return staffCommand(h, args, flags, operatorName());
        });
      case 'housekeeping':
        return withDb(flags, async (h) => {
          const { runHousekeeping } = await import('../server/housekeeping.js');
          const { changesKeepDays } = housekeepingOptions(flags);
          const r = await runHousekeeping(h.db, changesKeepDays === undefined ? {} : { changesKeepDays });
          console.log(`Удалено: сессий кабинета ${r.sessions}, ссылок сброса пароля ${r.resetTokens}, записей журнала изменений ${r.changes}. Льгот по срокам документов изменено: ${r.benefits}. Дней школ в сводке отчётов пересчитано: ${r.rolledUp}.`);
          return 0;
        });
      case 'orders-due':
        return withDb(flags, async (h) => {
          const { runOrdersDue } = await import('../server/orders/scheduler.js');
          const now = typeof flags.now === 'string' ? new Date(flags.now) : new Date();
          if (Number.isNaN(now.getTime())) { console.error('--now: нужна дата и время ISO, например 2026-12-09T15:00:00Z'); return 2; }
          const grace = typeof flags['grace-hours'] === 'string' ? Number(flags['grace-hours']) : undefined;
          if (grace !== undefined && !(Number.isFinite(grace) && grace >= 0)) { console.error('--grace-hours: нужно число часов ≥ 0'); return 2; }
          const r = await runOrdersDue(h.db, now, grace === undefined ? {} : { notEatenGraceHours: grace });
          for (const f of r.fixed) console.log(`Заявка ${f.schoolId} на ${f.day}: классов ${f.result.classes}, строк ${f.result.lines}, списаний ${f.result.charged}, дотаций ${f.result.subsidised}`);
          for (const n of r.notEaten) {
            console.log(`Не выдано ${n.schoolId} за ${n.day}: строк ${n.result.lines}, возвращено родителям ${formatAmount(n.result.refundedSum)} (${n.result.refunded}), бюджету ${formatAmount(n.result.subsidyReturnedSum)} (${n.result.subsidyReturned})`);
          }
          if (!r.fixed.length && !r.notEaten.length) console.log('Нечего делать: заявки зафиксированы, невыданное учтено.');
          return 0;
        });
      case 'partitions':
        return withDb(flags, async (h) => {
          const { ensurePartitions } = await import('../server/admin/schools.js');
          await ensurePartitions(h.db, typeof flags.months === 'string' ? Number(flags.months) : 3);
          console.log('Разделы журнала проводок готовы.');
          return 0;
        });
      default:
        console.error(`Неизвестная подкоманда: ${sub}\n\n${HELP}`);
        return 2;
    }
  },
};

async function card(args: string[], flags: Record<string, string | true>): Promise<number> {
  const [op, a, b] = args;
  return withDb(flags, async (h) => {
    const { issueCard, setCardState, reissueCard } = await import('../server/admin/cards.js');
    const reason = typeof flags.reason === 'string' ? flags.reason : undefined;
    switch (op) {
      case 'issue':
        if (!a || !b) break;
        console.log(`Карта ${await h.db.transaction((tx) => issueCard(tx, a, b))} выдана на Л/С ${a}.`);
        return 0;
      case 'block': case 'lost': case 'unblock': {
        if (!a) break;
        const state = op === 'unblock' ? 'active' : op === 'lost' ? 'lost' : 'blocked';
        const r = await h.db.transaction((tx) => setCardState(tx, a, state, reason));
        console.log(`Карта ${a.toUpperCase()} (Л/С ${r.accountNumber}): ${state === 'active' ? 'разблокирована' : state === 'lost' ? 'утеряна' : 'заблокирована'}.`);
        return 0;
      }
      case 'reissue': {
        if (!a || !b) break;
        const r = await reissueCard(h.db, a, b);
        console.log(`Карта ${a.toUpperCase()} помечена утерянной; новая карта ${r.cardId} на Л/С ${r.accountNumber}, остаток на счёте сохранён.`);
        return 0;
      }
    }
    console.error('Использование: canteen server card issue Л/С КАРТА | block КАРТА | lost КАРТА | unblock КАРТА | reissue СТАРАЯ НОВАЯ');
    return 2;
  });
}

async function reviewFlagsCommand(args: string[], flags: Record<string, string | true>): Promise<number> {
  const [op, ...ids] = args;
  if (op === 'resolve') {
    const numbers = ids.map(Number);
    if (!ids.length || !numbers.every((n) => Number.isSafeInteger(n) && n > 0) || typeof flags.note !== 'string' || !flags.note.trim()) {
      console.error('Использование: canteen server flags resolve НОМЕР [НОМЕР …] --note "что сделано" [--by ИМЯ]');
      return 2;
    }
    const by = typeof flags.by === 'string' && flags.by.trim() ? flags.by.trim() : operatorName();
    const note = flags.note.trim();
    return withDb(flags, async (h) => {
      const { resolveFlag } = await import('../server/admin/flags.js');
      let failed = 0;
      for (const id of numbers) {
        const r = await resolveFlag(h.db, id, by, note);
        if (r.status === 'resolved') console.log(`Отметка №${id} закрыта (${by}): ${note}`);
        else if (r.status === 'notFound') { console.error(`Отметка №${id} не найдена`); failed++; }
        else {
          console.error(`Отметка №${id} уже закрыта ${r.flag.resolvedAt} (${r.flag.resolvedBy ?? '-'}): ${r.flag.resolutionNote ?? ''}`);
          failed++;
        }
      }
      return failed ? 1 : 0;
    });
  }
  if (op !== undefined) { console.error('Использование: canteen server flags [--all | --resolved] [--school ШКОЛА] | flags resolve НОМЕР --note ТЕКСТ'); return 2; }
  return withDb(flags, async (h) => {
    const { listFlags } = await import('../server/admin/flags.js');
    const { requireSchool } = await import('../server/admin/schools.js');
    const state = flags.all === true ? 'all' : flags.resolved === true ? 'resolved' : 'open';
    const schoolId = typeof flags.school === 'string' ? (await requireSchool(h.db, flags.school)).id : undefined;
    const rows = await listFlags(h.db, { state, ...(schoolId ? { schoolId } : {}) });
    for (const f of rows) {
      console.log(`№${f.id}  ${f.createdAt}  ${f.terminalId ?? '-'}  Л/С ${f.accountNumber ?? '-'}  ${f.reason}: ${f.message}`);
      if (f.resolvedAt) console.log(`      закрыта ${f.resolvedAt} (${f.resolvedBy ?? '-'}): ${f.resolutionNote ?? ''}`);
    }
    console.log(`${state === 'open' ? 'На проверку' : state === 'resolved' ? 'Закрыто' : 'Всего'}: ${rows.length}.`);
    return 0;
  });
}

/** `canteen server balance-return Л/С --document N --reason …`: a leaving pupil's balance back to the cards it came from, the rest by transfer. */
async function balanceReturnCommand(args: string[], flags: Record<string, string | true>): Promise<number> {
  const [account] = args;
  if (!account || typeof flags.document !== 'string' || typeof flags.reason !== 'string') {
    console.error('Использование: canteen server balance-return Л/С --document НОМЕР --reason "выбыл из школы" [--by ИМЯ]');
    return 2;
  }
  return withDb(flags, async (h) => {
    const [{ returnBalance }, { gatewayFromEnv }] = await Promise.all([import('../server/payments/balance-return.js'), import('../server/payments/settings.js')]);
    const by = typeof flags.by === 'string' && flags.by.trim() ? flags.by.trim() : operatorName();
    const r = await returnBalance(h.db, gatewayFromEnv(process.env), { accountNumber: account, document: String(flags.document), reason: String(flags.reason), by, now: new Date() });
    if (r.kind === 'error') { console.error(r.message); return 1; }
    if (r.kind === 'duplicate') {
      console.log(`Документ №${r.document} уже проведён ${r.createdAt} (${r.by}): Л/С ${r.accountNumber}, ${formatAmount(r.total)} ₽. Ничего не изменено.`);
      return 0;
    }
    for (const x of r.refunded) console.log(`  на карту: ${formatAmount(x.amount)} ₽ (платёж ${x.paymentId})`);
    for (const x of r.refusedRefunds) console.log(`  банк не вернул платёж ${x.paymentId}: ${x.reason}`);
    if (r.transferred) console.log(`  банковским переводом: ${formatAmount(r.transferred)} ₽ (документ №${String(flags.document).trim()})`);
    console.log(`Л/С ${account}: возвращено ${formatAmount(r.total)} ₽, остаток 0,00.`);
    return 0;
  });
}

/** Who resolved a flag or put money on an account goes into the district's record: the operator's login unless they name themselves (--by). */
function operatorName(): string {
  try { return process.env.SUDO_USER || userInfo().username; } catch { return process.env.USER || 'admin'; }
}

/** --changes-days (both) and --housekeeping-minutes (the server's timer; 0 = off) for `housekeeping` and `start`. */
function housekeepingOptions(flags: Record<string, string | true>): { changesKeepDays?: number; intervalMs?: number } {
  const out: { changesKeepDays?: number; intervalMs?: number } = {};
  if (typeof flags['changes-days'] === 'string') {
    out.changesKeepDays = Number(flags['changes-days']);
    if (!(out.changesKeepDays > 0)) throw new Error('--changes-days: нужно число дней больше нуля');
  }
  if (typeof flags['housekeeping-minutes'] === 'string') {
    out.intervalMs = Number(flags['housekeeping-minutes']) * 60_000;
    if (!(out.intervalMs >= 0)) throw new Error('--housekeeping-minutes: нужно число минут (0 — не запускать)');
  }
  return out;
}

/**
 * The server `canteen server` runs, from its options and environment: card
 * payments only as CANTEEN_PAYMENTS says (none when unset). Tests build the
 * production server through this very function.
 */
export async function configuredServer(h: DbHandle, config: import('../server/app.js').ServerConfig, env: NodeJS.ProcessEnv) {
  const [{ buildServer }, { gatewayFromEnv }] = await Promise.all([import('../server/app.js'), import('../server/payments/settings.js')]);
  const gateway = gatewayFromEnv(env);
  return buildServer(h, { ...config, cabinet: { ...config.cabinet, gateway } });
}

async function start(flags: Record<string, string | true>): Promise<number> {
  const port = typeof flags.port === 'string' ? Number(flags.port) : Number(process.env.PORT ?? 8080);
  // Loopback unless told otherwise: the server belongs behind a TLS proxy (docs/server.md).
  const host = typeof flags.host === 'string' ? flags.host : process.env.HOST ?? '127.0.0.1';
  const trustProxy = typeof flags['trust-proxy'] === 'string' ? flags['trust-proxy'] : process.env.CANTEEN_TRUST_PROXY || undefined;
  const publicUrl = process.env.CANTEEN_PUBLIC_URL;
  if (process.env.NODE_ENV === 'production' && !publicUrl?.startsWith('https://')) {
    // Secure cookies, HSTS and the links in letters all follow the public URL.
    console.error('Сервер не запущен: в рабочем режиме (NODE_ENV=production) нужен CANTEEN_PUBLIC_URL с https:// — адрес, по которому родители открывают кабинет');
    return 1;
  }
  let h: DbHandle;
  let housekeeping: ReturnType<typeof housekeepingOptions>;
  try {
    housekeeping = housekeepingOptions(flags);
    h = await openServerDb(flags);
  } catch (err) {
    console.error(`Сервер не запущен: ${(err as Error).message}`);
    return 1;
  }
  const { ensurePartitions } = await import('../server/admin/schools.js');
  // The staff console (/admin/) is built from source on start, as `npm start` builds the cashier UI.
  const { ensureAdminUi } = await import('../shell/ui-build.js');
  await ensureAdminUi({ log: (l) => console.log(l) }).catch((err: unknown) => console.error(`Консоль администратора не собрана: ${(err as Error).message}`));
  await ensurePartitions(h.db).catch((err: unknown) => console.error(`Разделы журнала не созданы: ${(err as Error).message}`));
  let app: Awaited<ReturnType<typeof configuredServer>>;
  try {
    const queueMax = process.env.CANTEEN_DB_QUEUE_MAX;
    app = await configuredServer(h, {
      logger: true, housekeeping, releasesDir: releasesDirOf(flags), exportsDir: exportsDirOf(flags), ...(trustProxy ? { trustProxy } : {}),
      ...(queueMax !== undefined && queueMax !== '' ? { maxDbWaiting: Number(queueMax) } : {}),
    }, process.env);
  } catch (err) {
    console.error(`Сервер не запущен: ${(err as Error).message}`);
    await h.close();
    return 1;
  }
  await app.listen({ port, host });
  console.log(`Сервер canteen слушает ${host}:${port} (база: ${h.kind === 'postgres' ? 'PostgreSQL' : `PGlite`}).`);
  await untilStopped();
  await app.close();
  await h.close();
  return 0;
}

/** `canteen server topup`: money by hand, audited (reason, document, who) and idempotent on the document number. */
async function topUpCommand(args: string[], flags: Record<string, string | true>): Promise<number> {
  const [account, amountText] = args;
  const text = (name: string) => (typeof flags[name] === 'string' ? flags[name] as string : '');
  if (!account || !amountText) {
    console.error('Использование: canteen server topup Л/С СУММА --reason ОСНОВАНИЕ --doc НОМЕР [--by ИМЯ]');
    return 2;
  }
  let amount: number;
  try {
    amount = parseMoney(amountText);
  } catch {
    console.error(`Ошибка: неверная сумма «${amountText}»: например, 500 или 49,61`);
    return 2;
  }
  const { manualProblems, manualTopUp } = await import('../server/admin/manual-topup.js');
  const input = { accountNumber: account, amount, reason: text('reason') || text('note'), document: text('doc') || text('document'), by: text('by') || operatorName() };
  const problems = manualProblems(input);
  if (problems.length) {
    for (const p of problems) console.error(`Ошибка: ${p}`);
    console.error('Ничего не зачислено.');
    return 2;
  }
  return withDb(flags, async (h) => {
    const r = await manualTopUp(h.db, input);
    switch (r.kind) {
      case 'credited':
        console.log(`Л/С ${account}: зачислено ${formatAmount(amount)} по документу №${input.document.trim()} (${input.reason.trim()}; внёс ${input.by}), остаток ${formatAmount(r.balance)}.`);
        return 0;
      case 'repeated':
        console.log(`Документ №${input.document.trim()} уже проведён ${r.existing.at} (внёс ${r.existing.by}): Л/С ${account}, ${formatAmount(amount)}. Повторно ничего не зачислено.`);
        return 0;
      case 'conflict':
        console.error(`Ошибка: документ №${input.document.trim()} уже проведён на другую сумму или счёт: Л/С ${r.existing.accountNumber}, ${formatAmount(r.existing.amount)} (${r.existing.at}, внёс ${r.existing.by}). Ничего не зачислено.`);
        return 1;
      case 'invalid':
        for (const p of r.problems) console.error(`Ошибка: ${p}`);
        console.error('Ничего не зачислено.');
        return 1;
    }
  });
}
