import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import { browserHardening } from './cabinet/web.js';

/** Where `ensureAdminUi` (src/shell/ui-build.ts) builds the console (vite.admin.config.ts). */
export const ADMIN_DIST_DEFAULT = fileURLToPath(new URL('../../dist-admin/', import.meta.url));

/**
 * The console's policy: scripts and styles from this server only (no inline
 * code, no eval), API calls to this server only, never framed. As strict as the
 * parent cabinet's, with script-src 'self' because the console is a React bundle.
 */
export const ADMIN_CSP = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "font-src 'self'",
  "connect-src 'self'", "form-action 'self'", "frame-ancestors 'none'", "base-uri 'none'", "object-src 'none'",
].join('; ');

/**
 * Serves the built console at /admin/ (static files only: everything it knows
 * comes from /api/v1 after login, so the bundle holds no data and no secret).
 * The console routes by URL hash, so only /admin/ itself and /admin/assets/… exist.
 * Without a build (a server started without `canteen server`'s build step) /admin/
 * answers 503 with what to do.
 */
export async function registerAdminWeb(app: FastifyInstance, dir: string = ADMIN_DIST_DEFAULT, https = false): Promise<void> {
  await app.register(async (web) => {
    web.addHook('onRequest', async (_req, reply) => { reply.header('content-security-policy', ADMIN_CSP); browserHardening(reply, https); });
    const built = existsSync(path.join(dir, 'index.html'));
    if (!built) {
      web.get('/*', async (_req, reply) => reply.status(503).type('text/plain; charset=utf-8')
        .send('Консоль администратора не собрана: запустите сервер командой canteen server (она собирает консоль) или npm start.'));
      return;
    }
    await web.register(fastifyStatic, {
      root: dir, prefix: '/', index: ['index.html'], wildcard: true, redirect: true,
      // Hashed asset names: cache them; index.html must be re-read after an upgrade.
      setHeaders(reply, file) {
        reply.header('cache-control', file.endsWith('.html') ? 'no-store' : 'public, max-age=31536000, immutable');
      },
    });
  }, { prefix: '/admin' });
  app.get('/admin', async (_req, reply) => reply.redirect('/admin/', 301));
}
