import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Benchmark, BenchResult } from './types.js';
import { percentile, round } from './types.js';
import { CardPipeline } from '../hardware/reader/pipeline.js';
import type { CardReader } from '../hardware/reader/reader.js';
import { MockSerial } from '../hardware/reader/serial-mock.js';
import { SerialReader } from '../hardware/reader/serial.js';

// Two cards taken in turn, so every line is a new tap (a repeat would be swallowed).
const LINES = ['Em-Marine[5500] 126,58404\r\n', 'Mifare[BCD14264] 1K (0004,08) 066,53692\r\n'];

/** Times `send(line)` → the reader's `card` event, one line at a time. */
async function measure(reader: CardReader, send: (line: string) => void, n: number, warmup: number): Promise<number[]> {
  const samples: number[] = [];
  let pending: ((t: number) => void) | null = null;
  const off = reader.on('card', () => { const t = performance.now(); pending?.(t); });
  try {
    for (let i = 0; i < warmup + n; i++) {
      const got = new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no card event within 2 s')), 2000);
        pending = (t) => { clearTimeout(timer); resolve(t); };
      });
      const t0 = performance.now();
      send(LINES[i % 2]!);
      const t1 = await got;
      if (i >= warmup) samples.push(t1 - t0);
    }
  } finally { off(); }
  return samples;
}

const summary = (name: string, samples: number[], extra: Record<string, unknown> = {}): BenchResult => ({
  name, value: round(percentile(samples, 99), 4), unit: 'ms', p50: round(percentile(samples, 50), 4),
  max: round(Math.max(...samples), 4), n: samples.length, ...extra,
});

export const benchmarks: Benchmark[] = [
  {
    name: 'reader_line_to_event',
    async run() {
      const out: BenchResult[] = [];
      // Bytes arriving at the port (the serialport mock binding) → card event.
      const mock = await MockSerial.create();
      mock.plug('/dev/ttyUSB0');
      const reader = new SerialReader({ path: 'auto', driver: mock.driver });
      await reader.start();
      if (!reader.state.connected) throw new Error(`mock reader did not connect: ${reader.state.lastError}`);
      const viaPort = await measure(reader, (l) => mock.send('/dev/ttyUSB0', l), 5000, 500);
      await reader.close();
      mock.unplugAll();

      // The parser alone, for comparison.
      const p = new CardPipeline();
      const parse: number[] = [];
      for (let i = 0; i < 20000; i++) {
        const t0 = performance.now();
        p.push(LINES[i % 2]!);
        parse.push(performance.now() - t0);
      }
      out.push(summary('reader_line_to_event', viaPort, { target: 1, via: 'serialport mock binding', parse_p99_ms: round(percentile(parse.slice(2000), 99), 4) }));

      // The same through the kernel: a socat PTY pair and the real serialport binding.
      if (existsSync('/usr/bin/socat')) {
        const dir = mkdtempSync(path.join(tmpdir(), 'canteen-bench-pty-'));
        const socat = spawn('/usr/bin/socat', [`pty,raw,echo=0,link=${dir}/z2`, `pty,raw,echo=0,link=${dir}/host`], { stdio: 'ignore' });
        try {
          for (let i = 0; i < 300 && !existsSync(`${dir}/host`); i++) await new Promise((r) => setTimeout(r, 10));
          const pty = new SerialReader({ path: `${dir}/z2` });
          await pty.start();
          if (!pty.state.connected) throw new Error(`PTY reader did not connect: ${pty.state.lastError}`);
          const fd = openSync(`${dir}/host`, 'w');
          try {
            const viaPty = await measure(pty, (l) => { writeSync(fd, l); }, 2000, 200);
            out.push(summary('reader_line_to_event_pty', viaPty, { via: 'socat PTY + serialport: adds the write, the kernel and socat being scheduled; for comparison, no target' }));
          } finally { closeSync(fd); await pty.close(); }
        } finally { socat.kill(); rmSync(dir, { recursive: true, force: true }); }
      }
      return out;
    },
  },
  {
    name: 'reader_reconnect',
    async run() {
      // Unplug → plug back → connected again, with the default 500 ms poll (the issue asks ≤ 2 s).
      const mock = await MockSerial.create();
      mock.plug('/dev/ttyUSB0');
      const reader = new SerialReader({ path: 'auto', driver: mock.driver });
      await reader.start();
      const samples: number[] = [];
      // The reader's poll timer is unref'd (it must not keep a CLI alive); this does, while we wait.
      const keepAlive = setInterval(() => undefined, 1000);
      try {
        for (let i = 0; i < 12; i++) {
          const down = new Promise<void>((resolve) => { const off = reader.on('state', (st) => { if (!st.connected) { off(); resolve(); } }); });
          mock.unplug('/dev/ttyUSB0');
          await down;
          // the reader stays out for a moment, like a person replugging a cable
          await new Promise((r) => setTimeout(r, 100 + ((i * 37) % 400)));
          const up = new Promise<number>((resolve) => { const off = reader.on('state', (st) => { if (st.connected) { off(); resolve(performance.now()); } }); });
          const t0 = performance.now();
          mock.plug('/dev/ttyUSB0');
          samples.push((await up) - t0);
        }
      } finally { clearInterval(keepAlive); await reader.close(); mock.unplugAll(); }
      return [{ name: 'reader_reconnect', value: round(percentile(samples, 100), 1), unit: 'ms', stat: 'max', p50: round(percentile(samples, 50), 1), n: samples.length, target: 2000, poll_ms: 500 }];
    },
  },
];
