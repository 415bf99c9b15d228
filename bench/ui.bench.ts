import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { DEMO_CARDS } from '../src/core/demo-school.js';
import { percentile, round, type Benchmark, type BenchResult } from './types.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
async function browser(): Promise<Browser> {
  // The e2e tests' Chromium and flags; playwright-core loads only when a UI benchmark runs.
  const { CHROMIUM, launchBrowser } = await import('../tests/e2e/chromium.js');
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install chromium`);
  return launchBrowser();
}

async function loginAndOpenShift(page: Page): Promise<void> {
  await page.getByTestId('pin').fill('1111');
  await page.keyboard.press('Enter');
  await page.getByTestId('menu').waitFor();
  await page.keyboard.press('Control+m');
  await page.getByTestId('open-shift').click();
  await page.getByTestId('manager-info').waitFor();
  await page.keyboard.press('Escape');
}

/**
 * tap_to_panel: the renderer marks the reader event's arrival and the first
 * frame painted after the pupil is in the panel (src/ui/perf.ts), 200 taps
 * alternating two cards so every tap changes the panel. Also measured in the
 * page: from the start of the HTTP call that makes the simulated reader see a
 * card, to that paint (`full_p99`: reader → core → WebSocket → React → paint).
 */
const tapToPanel: Benchmark = {
  name: 'tap_to_panel',
  async run(): Promise<BenchResult[]> {
    const { startBrowserShell } = await import('../src/shell/start.js');
    const dataDir = mkdtempSync(path.join(tmpdir(), 'canteen-bench-ui-'));
    const shell = await startBrowserShell({ dataDir, seedDemo: true, reader: 'simulated', printer: 'memory', server: false });
    const b = await browser();
    try {
      const page = await b.newPage({ viewport: { width: 1280, height: 800 } });
      await page.goto(shell.server.url);
      await loginAndOpenShift(page);
      const taps = 200;
      const cards = [DEMO_CARDS.ivanov, DEMO_CARDS.freeBreakfast];
      // Passed as source text: tsx would wrap named functions in a helper the page does not have.
      const full = await page.evaluate(`(async () => {
        const taps = ${taps}, cards = ${JSON.stringify(cards)};
        performance.clearMeasures('tap_to_panel');
        const out = [];
        for (let i = 0; i < taps; i++) {
          const before = performance.getEntriesByName('tap_to_panel').length;
          const t0 = performance.now();
          await fetch('/api/pos/simulateTap', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ args: [cards[i % 2]] }) });
          while (performance.getEntriesByName('tap_to_panel').length === before) await new Promise((r) => setTimeout(r, 0));
          const m = performance.getEntriesByName('tap_to_panel').at(-1);
          out.push(m.startTime + m.duration - t0);
        }
        return out;
      })()`) as number[];
      const samples = await page.evaluate(`performance.getEntriesByName('tap_to_panel').map((e) => e.duration)`) as number[];
      const name = await page.getByTestId('pupil-name').textContent();
      if (!name) throw new Error('pupil panel empty after the taps');
      return [{
        name: 'tap_to_panel', value: round(percentile(samples, 99), 2), unit: 'ms', target: 30,
        p50: round(percentile(samples, 50), 2), max: round(Math.max(...samples), 2), taps: samples.length,
        full_p50: round(percentile(full, 50), 2), full_p99: round(percentile(full, 99), 2),
        load1: round(loadavg()[0]!, 2),
      }];
    } finally {
      await b.close();
      await shell.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
};

/**
 * cold_start: a new `canteen shell` process on an existing terminal database
 * (the everyday start) until the cashier can sell: the URL is printed, the
 * page loads, the PIN is accepted and the menu is on screen. The browser is
 * already running with a blank tab (in the shop: the Electron window, created
 * while the core opens).
 * Median of 3 starts; `to_login` is the same without the PIN step.
 */
const coldStart: Benchmark = {
  name: 'cold_start',
  async run(): Promise<BenchResult[]> {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'canteen-bench-cold-'));
    const b = await browser();
    const starts: { sellable: number; login: number; ready: number }[] = [];
    try {
      for (let i = 0; i < 4; i++) {
        // The till's browser tab (or Electron's window) exists already; it navigates once the URL is known.
        const page = await b.newPage({ viewport: { width: 1280, height: 800 } });
        const t0 = performance.now();
        const child = spawn(process.execPath, [path.join(ROOT, 'bin/canteen.mjs'), 'shell', '--port', '0', '--data', dataDir, '--reader', 'simulated', '--demo-data'],
          { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
        try {
          const url = await new Promise<string>((resolve, reject) => {
            let out = '';
            child.stdout.on('data', (d) => {
              out += String(d);
              const m = /Касса открыта: (http:\/\/\S+)/.exec(out);
              if (m) resolve(m[1]!);
            });
            child.stderr.on('data', (d) => { out += String(d); });
            child.on('exit', (code) => reject(new Error(`canteen shell exited (${code}): ${out}`)));
          });
          const ready = performance.now() - t0;
          await page.goto(url);
          await page.getByTestId('pin').waitFor();
          const login = performance.now() - t0;
          await page.getByTestId('pin').fill('1111');
          await page.keyboard.press('Enter');
          await page.getByTestId('menu').waitFor();
          await page.getByTestId('pupil-panel').waitFor();
          const sellable = performance.now() - t0;
          await page.close();
          // The first start creates and seeds the database: not the everyday case, not counted.
          if (i > 0) starts.push({ sellable, login, ready });
        } finally {
          child.kill('SIGTERM');
          await new Promise((r) => child.once('exit', r));
        }
      }
    } finally {
      await b.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
    const med = (k: 'sellable' | 'login' | 'ready') => round(percentile(starts.map((s) => s[k]), 50), 0);
    return [{
      name: 'cold_start', value: med('sellable'), unit: 'ms', target: 2000,
      to_server_ready: med('ready'), to_login: med('login'), runs: starts.map((s) => round(s.sellable, 0)),
      load1: round(loadavg()[0]!, 2),
    }];
  },
};

export const benchmarks: Benchmark[] = [tapToPanel, coldStart];
