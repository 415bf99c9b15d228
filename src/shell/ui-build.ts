import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const UI_DIST = path.join(REPO_ROOT, 'dist-ui');
export const ADMIN_DIST = path.join(REPO_ROOT, 'dist-admin');

/** A Vite bundle built on demand: where it goes, what it is built from, its config. */
interface UiTarget { dist: string; entry: string; sources: string[]; config: string; label: string }

// Everything the renderer bundle imports (keep in step with src/ui's imports).
const CASHIER: UiTarget = {
  dist: UI_DIST, entry: 'src/ui/index.html', config: 'vite.config.ts', label: 'интерфейса кассы',
  sources: ['src/ui', 'src/core', 'src/api', 'vite.config.ts'],
};
// The staff console (keep in step with src/admin's imports).
const ADMIN: UiTarget = {
  dist: ADMIN_DIST, entry: 'src/admin/index.html', config: 'vite.admin.config.ts', label: 'консоли администратора',
  sources: ['src/admin', 'src/core', 'src/api', 'vite.admin.config.ts'],
};

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
export function uiNeedsBuild(dist = UI_DIST, target: UiTarget = CASHIER): boolean {
  const index = path.join(dist, 'index.html');
  if (!existsSync(index)) return true;
  if (!existsSync(path.join(REPO_ROOT, target.entry))) return false; // packaged: no sources to compare
  const built = statSync(index).mtimeMs;
  return target.sources.some((s) => newestMtime(path.join(REPO_ROOT, s)) > built);
}

async function withLock<T>(dist: string, fn: () => Promise<T>): Promise<T> {
  const lock = `${dist}.lock`;
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
export function ensureUi(opts: EnsureOptions = {}): Promise<string> {
  return ensureBuilt(CASHIER, opts);
}

/** The staff console into dist-admin/, the same way (`npm start`, `canteen server`, the e2e tests). */
export function ensureAdminUi(opts: EnsureOptions = {}): Promise<string> {
  return ensureBuilt(ADMIN, opts);
}

interface EnsureOptions { force?: boolean; log?: (line: string) => void }

async function ensureBuilt(target: UiTarget, opts: EnsureOptions): Promise<string> {
  const { dist } = target;
  if (!opts.force && !uiNeedsBuild(dist, target)) return dist;
  await withLock(dist, async () => {
    if (!opts.force && !uiNeedsBuild(dist, target)) return;
    opts.log?.(`Сборка ${target.label} (vite)…`);
    const t0 = Date.now();
    const tmp = `${dist}.${process.pid}.tmp`;
    const { build } = await import('vite');
    await build({ configFile: path.join(REPO_ROOT, target.config), logLevel: 'warn', build: { outDir: tmp, emptyOutDir: true } });
    const old = `${dist}.${process.pid}.old`;
    if (existsSync(dist)) renameSync(dist, old);
    renameSync(tmp, dist);
    rmSync(old, { recursive: true, force: true });
    opts.log?.(`Сборка ${target.label} заняла ${Date.now() - t0} мс`);
  });
  return dist;
}
