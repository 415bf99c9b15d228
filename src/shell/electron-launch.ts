import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { REPO_ROOT } from './ui-build.js';

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

/** Builds dist-electron (and dist-ui) and starts Electron on it with these environment settings. */
export async function launchElectron(bin: string, env: Record<string, string>, args: string[] = []): Promise<ChildProcess> {
  const main = path.join(REPO_ROOT, 'dist-electron/main.js');
  if (!existsSync(main)) {
    await new Promise<void>((resolve, reject) => {
      const p = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'electron/build.ts')], { stdio: 'inherit', cwd: REPO_ROOT });
      p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`electron/build.ts завершился с кодом ${code}`))));
    });
  }
  return spawn(bin, [REPO_ROOT, ...args], { stdio: 'inherit', env: { ...process.env, ...env } });
}
