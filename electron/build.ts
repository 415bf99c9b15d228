/**
 * Builds what Electron runs: dist-ui (the renderer, same as the browser
 * shell), dist-electron/main.js (ESM; node_modules stay external and are
 * packaged by electron-builder, native ones rebuilt for Electron) and
 * dist-electron/preload.cjs (one CommonJS file: a sandboxed preload may
 * require nothing but `electron`), and dist-electron/till-modules.json5: the
 * node_modules the till does not load, which electron-builder.yml `extends` to
 * leave them out of the installer (electron/till-modules.ts). Run: `npx tsx electron/build.ts`.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'vite';
import { ensureUi, REPO_ROOT } from '../src/shell/ui-build.js';
import { writeTillModulesConfig, type TillModules } from './till-modules.js';

/**
 * Source files find the migrations relative to themselves
 * (`new URL('../../../migrations/terminal', import.meta.url)`); in the bundle
 * every chunk sits in dist-electron/, one level below the app root, so the
 * path is rewritten to '../migrations/…' (electron-builder packs migrations/terminal).
 * The same for package.json (the app's version, reported to the server with each
 * pull): left as '../../package.json' it points above the app and the till says "unknown"
 * (tests/unit/shell-packaged-start.test.ts).
 */
const migrationsPaths = {
  name: 'canteen-migrations-path',
  transform(code: string) {
    const next = code
      .replace(/new URL\((['"])(?:\.\.\/)+migrations\/(terminal|server)\/?\1, import\.meta\.url\)/g, "new URL('../migrations/$2/', import.meta.url)")
      .replace(/new URL\((['"])(?:\.\.\/)+package\.json\1, import\.meta\.url\)/g, "new URL('../package.json', import.meta.url)");
    return next === code ? null : { code: next, map: null };
  },
};

/**
 * Builds main + preload into `out`, which must be one folder below the app root (see migrationsPaths),
 * and the list of modules the installer leaves out; returns what the till loads.
 */
export async function buildElectron(out = path.join(REPO_ROOT, 'dist-electron')): Promise<TillModules> {
  await build({
    configFile: false, root: REPO_ROOT, logLevel: 'warn',
    plugins: [migrationsPaths],
    build: {
      ssr: path.join(REPO_ROOT, 'electron/main.ts'), outDir: out, emptyOutDir: true, target: 'node22', minify: false,
      rollupOptions: { external: ['electron'], output: { format: 'es', entryFileNames: 'main.js', chunkFileNames: '[name]-[hash].js' } },
    },
  });
  await build({
    configFile: false, root: REPO_ROOT, logLevel: 'warn',
    ssr: { noExternal: true, external: ['electron'] },
    build: {
      ssr: path.join(REPO_ROOT, 'electron/preload.ts'), outDir: out, emptyOutDir: false, target: 'chrome140', minify: false,
      rollupOptions: { external: ['electron'], output: { format: 'cjs', entryFileNames: 'preload.cjs' } },
    },
  });
  return writeTillModulesConfig(REPO_ROOT, out);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await ensureUi({ force: true, log: console.log });
  const out = path.join(REPO_ROOT, 'dist-electron');
  const t = await buildElectron(out);
  console.log(`Electron: ${out}/main.js, ${out}/preload.cjs; UI: dist-ui/`);
  console.log(`The installer packs ${t.packed.length} modules (${t.imports.join(', ')} and their dependencies), leaves out ${t.excluded.length}: ${out}/till-modules.json5`);
}
