import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { ensureAdminUi } from '../../src/shell/ui-build.js';
import { buildServer } from '../../src/server/app.js';
import { createTestDb } from './helpers.js';
import type { DbHandle } from '../../src/server/db/open.js';

/** The built console at /admin/: its files, under a policy that allows no inline or foreign code. */
describe('/admin/ (the staff console bundle)', () => {
  let handle: DbHandle;
  let app: FastifyInstance;
  let dist: string;
  beforeAll(async () => {
    dist = await ensureAdminUi();
    handle = await createTestDb();
    app = await buildServer(handle, { housekeeping: { intervalMs: 0 } });
  }, 120_000);
  afterAll(async () => { await app?.close(); await handle?.close(); });

  it('serves index.html with a CSP allowing scripts from self only, and its assets', async () => {
    const res = await app.inject({ method: 'GET', url: '/admin/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
    expect(res.headers['x-frame-options']).toBe('DENY');
    // No inline script: every <script> has a src on this server.
    const scripts = [...res.body.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attrs, body] of scripts) {
      expect(attrs).toMatch(/src="\/admin\/assets\/[^"]+\.js"/);
      expect(body!.trim()).toBe('');
    }
    const js = /src="(\/admin\/assets\/[^"]+\.js)"/.exec(res.body)![1]!;
    const asset = await app.inject({ method: 'GET', url: js });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
    expect(asset.headers['content-security-policy']).toBe(csp);
    const bare = await app.inject({ method: 'GET', url: '/admin' });
    expect([200, 301, 302]).toContain(bare.statusCode);
  });

  it('the bundle carries no secret and no server-only code', () => {
    const assets = path.join(dist, 'assets');
    const text = readdirSync(assets).filter((f) => f.endsWith('.js')).map((f) => readFileSync(path.join(assets, f), 'utf8')).join('\n');
    expect(text.length).toBeGreaterThan(1000);
    for (const leak of ['DATABASE_URL', 'postgres://', 'CANTEEN_', 'argon2', 'drizzle', 'BEGIN PRIVATE KEY', 'process.env']) {
      expect(text, leak).not.toContain(leak);
    }
  });

  it('unknown files under /admin/ are 404, not the API or a directory listing', async () => {
    const res = await app.inject({ method: 'GET', url: '/admin/../package.json' });
    expect(res.statusCode).toBe(404);
    const miss = await app.inject({ method: 'GET', url: '/admin/assets/nope.js' });
    expect(miss.statusCode).toBe(404);
  });
});
