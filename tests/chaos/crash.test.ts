import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openTerminal } from '../../src/terminal/index.js';
import { openTerminalDb } from '../../src/terminal/db/open.js';
import { checkIntegrity } from '../../src/terminal/integrity.js';
import { DEMO_CARDS, DEMO_SCHOOL } from '../../src/core/demo-school.js';

const CHILD = fileURLToPath(new URL('./crash-child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const KILLS = Number(process.env.CRASH_KILLS ?? 20);
const BIG = 100_000_000; // opening balances large enough that the loop never runs dry

function runAndKill(dbPath: string, delayMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dbPath], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => { err += String(d); });
    child.stdout.on('data', (d) => {
      if (String(d).includes('ready')) setTimeout(() => child.kill('SIGKILL'), delayMs);
    });
    child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`child exited ${code}: ${err}`))));
  });
}

describe('crash: SIGKILL during a tight sales loop', () => {
  it(`keeps the ledger sound after ${KILLS} kills`, async () => {
    const dbPath = path.join(mkdtempSync(path.join(tmpdir(), 'canteen-crash-')), 'terminal.db');
    const t = await openTerminal({ requireTap: false, dbPath, seed: true });
    t.sqlite.prepare('UPDATE accounts SET server_balance = ?').run(BIG);
    t.close();
    const cards = [DEMO_CARDS.ivanov, DEMO_CARDS.freeBreakfast, DEMO_CARDS.subsidised];
    let lastReceipts = 0;
    let grew = 0;
    for (let k = 0; k < KILLS; k++) {
      await runAndKill(dbPath, 30 + Math.floor(Math.random() * 250));
      const { sqlite } = openTerminalDb(dbPath);
      try {
        expect(checkIntegrity(sqlite), `after kill ${k + 1}`).toEqual([]);
        const receipts = sqlite.prepare('SELECT count(*) FROM receipts').pluck().get() as number;
        if (receipts > lastReceipts) grew++;
        lastReceipts = receipts;
        // balance = opening + Σ entries, as the service reports it
        const term = await openTerminal({ requireTap: false, dbPath });
        if (!(await term.service.login('9999')).ok) throw new Error('login failed');
        for (const card of cards) {
          const info = await term.service.identifyCard(card);
          if (!info.ok) throw new Error(info.error.message);
          const sum = sqlite.prepare('SELECT coalesce(sum(amount),0) FROM entries WHERE account_number = ?').pluck().get(info.value.accountNumber) as number;
          expect(info.value.balance).toBe(BIG + sum);
        }
        term.close();
      } finally {
        sqlite.close();
      }
    }
    // The loop really ran between kills (otherwise the test proves nothing).
    expect(grew).toBeGreaterThanOrEqual(KILLS / 2);
    expect(DEMO_SCHOOL.school.code).toBe('24');
  }, 600_000);
});
