import path from 'node:path';
import { existsSync } from 'node:fs';
import type { CliCommand } from './types.js';
import { dataDirOf, parseFlags } from './types.js';

const USAGE = [
  'Использование:',
  '  canteen terminal enroll --server URL --code КОД [--data ПАПКА]   регистрация кассы на центральном сервере',
  '  canteen terminal sync [--data ПАПКА] [--json]                     синхронизировать сейчас (отправить продажи, получить данные)',
  '  canteen terminal status [--data ПАПКА] [--json]                   состояние синхронизации без обращения к серверу',
  'ПАПКА: папка данных кассы (terminal.sqlite и server.json), по умолчанию data/shell',
].join('\n');


/** `canteen terminal …`: enrolment (the server helper's command), one sync now, local sync status. */
export const command: CliCommand = {
  name: 'terminal',
  summary: 'касса: enroll (регистрация на сервере), sync (синхронизировать сейчас), status',
  async run(argv) {
    const { _, flags } = parseFlags(argv);
    const sub = _[0];
    if (sub === 'enroll') return (await import('./terminal-enroll.js')).command.run(argv);
    if (sub === 'sync') return syncNow(dataDirOf(flags), flags.json === true);
    if (sub === 'status') return status(dataDirOf(flags), flags.json === true);
    console.error(USAGE);
    return 2;
  },
};

async function openEnrolled(dataDir: string) {
  const { loadSyncConfig } = await import('../terminal/sync/config.js');
  const cfg = loadSyncConfig(dataDir);
  if (!cfg) throw new Error(`Касса в ${dataDir} не зарегистрирована: canteen terminal enroll --server URL --code КОД --data ${dataDir}`);
  const { openTerminalDb } = await import('../terminal/db/open.js');
  const { SETTING } = await import('../terminal/seed.js');
  const { sqlite } = openTerminalDb(path.join(dataDir, 'terminal.sqlite'));
  sqlite.prepare(`INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)`).run(SETTING.terminalId, cfg.terminalId);
  return { cfg, sqlite };
}

async function syncNow(dataDir: string, json: boolean): Promise<number> {
  let opened: Awaited<ReturnType<typeof openEnrolled>>;
  try { opened = await openEnrolled(dataDir); } catch (err) { console.error((err as Error).message); return 1; }
  const { cfg, sqlite } = opened;
  const { SyncClient } = await import('../terminal/sync/client.js');
  const client = new SyncClient({ sqlite, serverUrl: cfg.serverUrl, token: cfg.token, terminalId: cfg.terminalId, poke: false, watchMs: 0 });
  const started = Date.now();
  try {
    const out = await client.syncOnce();
    const state = client.state();
    if (json) console.log(JSON.stringify({ ok: true, ...out, state, ms: Date.now() - started }));
    else {
      console.log(`Синхронизация с ${cfg.serverUrl}: отправлено проводок ${out.pushed}, сервер подтвердил до №${out.ackSeq}.`);
      console.log(`Получено: счетов ${out.pull.accounts}, карт ${out.pull.cards}, учащихся ${out.pull.students}, меню ${out.pull.menu}, кассиров ${out.pull.cashiers}${out.pull.reset ? ' (полная загрузка)' : ''}.`);
      console.log(`Не отправлено: ${state.pending}.`);
    }
    return 0;
  } catch (err) {
    const state = client.state();
    if (json) console.log(JSON.stringify({ ok: false, error: (err as Error).message, state }));
    else console.error(`Синхронизация не удалась: ${(err as Error).message}. Не отправлено: ${state.pending}.`);
    return 1;
  } finally {
    await client.stop();
    sqlite.close();
  }
}

async function status(dataDir: string, json: boolean): Promise<number> {
  // Metadata only: the token may be with Electron's safeStorage, out of this process's reach.
  const { readSyncConfigFile } = await import('../terminal/sync/config.js');
  let cfg;
  try { cfg = readSyncConfigFile(dataDir); } catch (err) { console.error((err as Error).message); return 1; }
  const dbPath = path.join(dataDir, 'terminal.sqlite');
  if (!existsSync(dbPath) && !cfg) {
    console.error(`В ${dataDir} нет кассы. ${USAGE}`);
    return 1;
  }
  const { openTerminalDb } = await import('../terminal/db/open.js');
  const { pendingCount } = await import('../terminal/outbox.js');
  const { getSyncValue, SYNC_KEY } = await import('../terminal/sync/store.js');
  const { sqlite } = openTerminalDb(dbPath);
  try {
    const info = {
      configured: !!cfg,
      serverUrl: cfg?.serverUrl,
      terminalId: cfg?.terminalId,
      terminalName: cfg?.terminalName,
      school: cfg ? `${cfg.schoolName} (${cfg.schoolCode})` : undefined,
      pending: pendingCount(sqlite),
      ackSeq: Number(getSyncValue(sqlite, SYNC_KEY.ackSeq) ?? 0),
      lastSyncAt: getSyncValue(sqlite, SYNC_KEY.lastSyncAt),
      lastError: getSyncValue(sqlite, SYNC_KEY.lastError) || undefined,
      cursor: getSyncValue(sqlite, SYNC_KEY.cursor),
    };
    if (json) { console.log(JSON.stringify(info)); return 0; }
    if (!cfg) console.log('Касса не зарегистрирована на сервере (автономный режим).');
    else console.log(`Касса «${info.terminalName}» (${info.terminalId}), ${info.school}, сервер ${info.serverUrl}`);
    console.log(`Не отправлено проводок: ${info.pending}; сервер подтвердил до №${info.ackSeq}`);
    console.log(`Последняя синхронизация: ${info.lastSyncAt ?? 'ни разу'}`);
    if (info.lastError) console.log(`Последняя ошибка: ${info.lastError}`);
    return 0;
  } finally {
    sqlite.close();
  }
}
