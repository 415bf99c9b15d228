import path from 'node:path';
import type { DbHandle } from '../server/db/open.js';

/**
 * `canteen server release …`: till releases for electron-updater (src/server/releases).
 * Files are copied into the releases folder: --releases ПАПКА, else CANTEEN_RELEASES_DIR,
 * else <--data>/releases (data/server/releases); `canteen server start` serves the same folder.
 */
export const RELEASE_HELP = `  canteen server release add ФАЙЛ… --channel pilot|stable [--version 1.2.3]   выпуск кассы (установщики .exe/.AppImage/.deb и .blockmap)
  canteen server release promote ВЕРСИЯ                       пилотный выпуск — всем кассам
  canteen server release withdraw ВЕРСИЯ --reason ТЕКСТ       отозвать: больше не предлагается (установившие остаются на нём до следующего)
  canteen server release pilot [КОД_ШКОЛЫ…] [--remove]         пилотные школы (без кодов — список)
  canteen server release list                                 выпуски и сколько касс на какой версии
      папка выпусков: --releases ПАПКА, CANTEEN_RELEASES_DIR или <--data>/releases`;

/** Report export files (src/server/reports/export-worker.ts): CANTEEN_EXPORTS_DIR, else <--data>/exports. Children's data: kept 0700. */
export function exportsDirOf(flags: Record<string, string | true>): string {
  if (process.env.CANTEEN_EXPORTS_DIR) return path.resolve(process.env.CANTEEN_EXPORTS_DIR);
  return path.resolve(typeof flags.data === 'string' ? flags.data : path.join('data', 'server'), 'exports');
}

export function releasesDirOf(flags: Record<string, string | true>): string {
  if (typeof flags.releases === 'string') return path.resolve(flags.releases);
  if (process.env.CANTEEN_RELEASES_DIR) return path.resolve(process.env.CANTEEN_RELEASES_DIR);
  return path.resolve(typeof flags.data === 'string' ? flags.data : path.join('data', 'server'), 'releases');
}

export async function releaseCommand(h: DbHandle, args: string[], flags: Record<string, string | true>): Promise<number> {
  const svc = await import('../server/releases/service.js');
  const [op, ...rest] = args;
  try {
    switch (op) {
      case 'add': {
        const channel = flags.channel;
        if (channel !== 'pilot' && channel !== 'stable') { console.error('Укажите канал: --channel pilot (сначала пилотные школы) или --channel stable (все кассы)'); return 2; }
        const r = await svc.addRelease(h.db, releasesDirOf(flags), rest, { channel, ...(typeof flags.version === 'string' ? { version: flags.version } : {}) });
        console.log(`Выпуск ${r.version} добавлен (${channel === 'pilot' ? 'пилотные школы' : 'все кассы'}):`);
        for (const f of r.files) console.log(`  ${f.name}  ${f.size} байт  sha512 ${f.sha512}`);
        return 0;
      }
      case 'promote':
        if (!rest[0]) { console.error('Укажите версию'); return 2; }
        await svc.promoteRelease(h.db, rest[0]);
        console.log(`Выпуск ${rest[0]} предлагается всем кассам.`);
        return 0;
      case 'withdraw': {
        if (!rest[0] || typeof flags.reason !== 'string') { console.error('Использование: canteen server release withdraw ВЕРСИЯ --reason ТЕКСТ'); return 2; }
        await svc.withdrawRelease(h.db, rest[0], flags.reason);
        console.log(`Выпуск ${rest[0]} отозван: больше не предлагается кассам.`);
        return 0;
      }
      case 'pilot': {
        const codes = await svc.setPilotSchools(h.db, rest, flags.remove === true);
        console.log(codes.length ? `Пилотные школы: ${codes.join(', ')}` : 'Пилотных школ нет.');
        return 0;
      }
      case 'list': case undefined: {
        const { releases, tillsByVersion, pilotSchools } = await svc.listReleases(h.db);
        if (releases.length === 0) console.log('Выпусков нет.');
        for (const r of releases) {
          const state = r.withdrawnAt ? `отозван (${r.withdrawnReason ?? ''})` : r.channel === 'pilot' ? 'пилот' : 'все кассы';
          console.log(`${r.version}\t${state}\tкасс: ${tillsByVersion[r.version] ?? 0}\t${r.files.join(' ')}`);
        }
        const others = Object.entries(tillsByVersion).filter(([v]) => !releases.some((r) => r.version === v));
        if (others.length) console.log(`Другие версии на кассах: ${others.map(([v, n]) => `${v} — ${n}`).join(', ')}`);
        console.log(pilotSchools.length ? `Пилотные школы: ${pilotSchools.join(', ')}` : 'Пилотных школ нет.');
        return 0;
      }
      default:
        console.error(`Неизвестная команда release ${op}\n${RELEASE_HELP}`);
        return 2;
    }
  } catch (err) {
    if (err instanceof svc.ReleaseError) { console.error(`Ошибка: ${err.message}`); return 1; }
    throw err;
  }
}
