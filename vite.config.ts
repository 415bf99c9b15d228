import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The cashier UI: src/ui → dist-ui/. Relative base so the same files load from
 * the browser shell (http://127.0.0.1) and from Electron's app:// protocol.
 * src/shell/ui-build.ts calls this on first start when dist-ui/ is missing.
 */
export default defineConfig({
  root: fileURLToPath(new URL('./src/ui', import.meta.url)),
  base: './',
  plugins: [react()],
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('./dist-ui', import.meta.url)),
    emptyOutDir: true,
    target: 'chrome120',
    sourcemap: false,
    reportCompressedSize: false,
    // Never inline assets as data: URLs or scripts: the CSP forbids inline code.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
});
