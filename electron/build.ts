/**
 * Builds what Electron runs: dist-ui (the renderer, same as the browser
 * shell), dist-electron/main.js (ESM; node_modules stay external and are
 * packaged by electron-builder, native ones rebuilt for Electron) and
 * dist-electron/preload.cjs (one CommonJS file: a sandboxed preload may
 * require nothing but `electron`). Run: `npx tsx electron/build.ts`.
 */
import path from 'node:path';
import { build } from 'vite';
import { ensureUi, REPO_ROOT } from '../src/shell/ui-build.js';

const out = path.join(REPO_ROOT, 'dist-electron');

await ensureUi({ force: true, log: console.log });
await build({
  configFile: false, root: REPO_ROOT, logLevel: 'warn',
  build: {
    ssr: path.join(REPO_ROOT, 'electron/main.ts'), outDir: out, emptyOutDir: true, target: 'node22', minify: false,
    rollupOptions: { external: ['electron'], output: { format: 'es', entryFileNames: 'main.js' } },
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
console.log(`Electron: ${out}/main.js, ${out}/preload.cjs; UI: dist-ui/`);
