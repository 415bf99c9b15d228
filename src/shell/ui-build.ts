import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const UI_DIST = path.join(REPO_ROOT, 'dist-ui');
// Everything the renderer bundle imports (keep in step with src/ui's imports).
const UI_SOURCES = ['src/ui', 'src/core', 'src/api', 'hardware/reader/card-id.ts', 'hardware/reader/wedge.ts', 'hardware/printer/layout.ts', 'vite.config.ts'];

function newestMtime(p: string): number {
  let st;
  try { st = statSync(p); } catch { return 0; }
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = 0;
  for (const e of readdirSync(p)) {
    if (e === 'node_modules' || e.startsWith('.')) continue;
    newest = Math.max(newest, newestMtime(path.join(p, e)));
  }
  return newest;
}

/** True when dist-ui is missing, or older than the UI sources (in a source checkout). */
export function uiNeedsBuild(dist = UI_DIST): boolean {
  const index = path.join(dist, 'index.html');
  if (!existsSync(index)) return true;
  if (!existsSync(path.join(REPO_ROOT, 'src/ui/index.html'))) return false; // packaged: no sources to compare
  const built = statSync(index).mtimeMs;
  return UI_SOURCES.some((s) => newestMtime(path.join(REPO_ROOT, s)) > built);
}

async function withLock<T>(fn: () => Promise<T>): Promise<T> {
  const lock = `${UI_DIST}.lock`;
  const started = Date.now();
  for (;;) {
    try { mkdirSync(lock); break; } catch {
      // A lock older than 2 minutes belongs to a build that died.
      try { if (Date.now() - statSync(lock).mtimeMs > 120_000) { rmSync(lock, { recursive: true, force: true }); continue; } } catch { continue; }
      if (Date.now() - started > 180_000) throw new Error(`UI build lock ${lock} held too long`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try { return await fn(); } finally { rmSync(lock, { recursive: true, force: true }); }
}

/**
 * Builds the cashier UI into dist-ui/ when it is missing or stale, so that
 * `npm install && npm start` needs no separate build step. Vite (rolldown)
 * builds it in about a second. Builds into a temporary folder and swaps it in,
 * under a lock, so parallel test files never see a half-written dist-ui.
 */
export async function ensureUi(opts: { force?: boolean; log?: (line: string) => void } = {}): Promise<string> {
  if (!opts.force && !uiNeedsBuild()) return UI_DIST;
  await withLock(async () => {
    if (!opts.force && !uiNeedsBuild()) return;
    opts.log?.('Сборка интерфейса кассы (vite)…');
    const t0 = Date.now();
    const tmp = `${UI_DIST}.${process.pid}.tmp`;
    const { build } = await import('vite');
    await build({ configFile: path.join(REPO_ROOT, 'vite.config.ts'), logLevel: 'warn', build: { outDir: tmp, emptyOutDir: true } });
    const old = `${UI_DIST}.${process.pid}.old`;
    if (existsSync(UI_DIST)) renameSync(UI_DIST, old);
    renameSync(tmp, UI_DIST);
    rmSync(old, { recursive: true, force: true });
    opts.log?.(`Интерфейс собран за ${Date.now() - t0} мс`);
  });
  return UI_DIST;
}
