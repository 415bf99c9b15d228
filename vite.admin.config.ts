import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The staff console: src/admin → dist-admin/, served by the central server at
 * /admin/ (src/server/admin-web.ts). src/shell/ui-build.ts builds it on start
 * when it is missing or stale, as it does the cashier UI.
 */
export default defineConfig({
  root: fileURLToPath(new URL('./src/admin', import.meta.url)),
  base: '/admin/',
  plugins: [react()],
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('./dist-admin', import.meta.url)),
    emptyOutDir: true,
    target: 'chrome109',
    sourcemap: false,
    reportCompressedSize: false,
    // The CSP allows scripts and styles from self only: no data: URLs, no inline code.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 2000,
  },
});
