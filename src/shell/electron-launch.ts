import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ensureUi, REPO_ROOT } from './ui-build.js';

/**
 * The Electron binary, if this machine has it: the npm package downloads it
 * at install time and writes dist/ + path.txt; without them (no network when
 * installing, as on our CI) there is nothing to run. On Linux a display is needed too.
 */
export function electronBinary(): { path?: string; reason?: string } {
  let pkgDir: string;
  try {
    pkgDir = path.dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return { reason: 'пакет electron не установлен' };
  }
  const pathTxt = path.join(pkgDir, 'path.txt');
  if (!existsSync(pathTxt)) return { reason: 'Electron не скачан при установке (node_modules/electron/dist отсутствует)' };
  const bin = path.join(pkgDir, 'dist', readFileSync(pathTxt, 'utf8').trim());
  if (!existsSync(bin)) return { reason: `нет файла ${bin}` };
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return { reason: 'нет графического дисплея (DISPLAY)' };
  return { path: bin };
}

/** Builds dist-ui (if stale) and dist-electron (always: it takes a second or two), then starts Electron on it. */
export async function launchElectron(bin: string, env: Record<string, string>, args: string[] = []): Promise<ChildProcess> {
  await ensureUi({ log: (l) => console.log(l) });
  const { buildElectron } = await import('../../electron/build.js');
  await buildElectron();
  return spawn(bin, [REPO_ROOT, ...args], { stdio: 'inherit', env: { ...process.env, ...env } });
}
