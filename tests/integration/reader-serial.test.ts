import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, writeSync, closeSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createReader, type CardEvent, type CardReader, type ReaderErrorEvent, type ReaderState } from '../../hardware/reader/index.js';
import { MockSerial } from '../../hardware/reader/serial-mock.js';
import { SerialReader } from '../../hardware/reader/serial.js';

/** Collects a reader's events and lets a test wait for the next one that matches. */
function recorder(reader: CardReader) {
  const cards: CardEvent[] = [];
  const errors: ReaderErrorEvent[] = [];
  const states: ReaderState[] = [];
  const waiters: { check: () => boolean; resolve: () => void }[] = [];
  const poke = () => { for (const w of [...waiters]) if (w.check()) { waiters.splice(waiters.indexOf(w), 1); w.resolve(); } };
  reader.on('card', (e) => { cards.push(e); poke(); });
  reader.on('error', (e) => { errors.push(e); poke(); });
  reader.on('state', (s) => { states.push(s); poke(); });
  const until = (check: () => boolean, what: string, ms = 5000) => new Promise<void>((resolve, reject) => {
    if (check()) return resolve();
    const t = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
    waiters.push({ check, resolve: () => { clearTimeout(t); resolve(); } });
  });
  return { cards, errors, states, until };
}

describe('Z-2 over @serialport/binding-mock', () => {
  let mock: MockSerial;
  let reader: CardReader | undefined;
  beforeAll(async () => { mock = await MockSerial.create(); });
  afterEach(async () => { await reader?.close(); reader = undefined; mock.unplugAll(); });

  it('finds the Z-2 by VID/PID, reads every line form, ignores repeats and garbage', async () => {
    mock.plug('/dev/ttyS0', { vendorId: '8086', productId: '0001' });   // some other serial port
    mock.plug('/dev/ttyUSB7');                                           // the Z-2
    reader = await createReader({ reader: 'auto', serialDriver: mock.driver, pollMs: 20 });
    const rec = recorder(reader);
    await reader.start();
    expect(reader.state).toMatchObject({ connected: true, port: '/dev/ttyUSB7', simulated: false });

    mock.send('/dev/ttyUSB7', 'Em-Marine[5500] 126,');          // a partial line…
    mock.send('/dev/ttyUSB7', '58404\r\nEm-Marine[5500] 126,58404\r\n'); // …its end, then a repeat while held
    mock.send('/dev/ttyUSB7', 'No card\r\n');
    mock.send('/dev/ttyUSB7', Buffer.from([0x00, 0xff, 0x13, 0x0d, 0x0a]));  // binary noise
    mock.send('/dev/ttyUSB7', 'Mifare[BCD14264] 1K (0004,08) 066,53692\r\nNo Card\r\n');
    mock.send('/dev/ttyUSB7', 'Em-Marine[5500] 126,58404,\r\n');
    await rec.until(() => rec.cards.length >= 3, 'three cards');

    expect(rec.cards.map((c) => c.cardId)).toEqual(['EM:55007EE424', 'MF:BCD14264', 'EM:55007EE424']);
    expect(rec.cards[1]!.raw).toBe('Mifare[BCD14264] 1K (0004,08) 066,53692');
    expect(rec.errors).toHaveLength(1);
    expect(rec.errors[0]!.message).toMatch(/^Не удалось прочитать карту/);
    expect(rec.states.filter((st) => !st.connected)).toEqual([]);   // no flapping while plugged in
  });

  it('hot-plug: unplugged → disconnected and polling; plugged back → reconnected and reading', async () => {
    mock.plug('/dev/ttyUSB0');
    reader = await createReader({ reader: 'auto', serialDriver: mock.driver, pollMs: 20 });
    const rec = recorder(reader);
    await reader.start();
    expect(reader.state.connected).toBe(true);
    mock.send('/dev/ttyUSB0', 'Em-Marine[5500] 126,58404\r\n');   // card held while the cable is pulled
    await rec.until(() => rec.cards.length === 1, 'first card');

    mock.unplug('/dev/ttyUSB0');
    await rec.until(() => !reader!.state.connected, 'disconnected');
    expect(reader.state.lastError).toMatch(/отключён/);
    // still looking for it, and reporting that it is missing
    await rec.until(() => /не найден/.test(reader!.state.lastError ?? ''), 'not-found state');
    expect(mock.isOpen('/dev/ttyUSB0')).toBe(false);

    mock.plug('/dev/ttyUSB0');
    await rec.until(() => reader!.state.connected, 'reconnected');
    expect(reader.state).toEqual({ connected: true, simulated: false, port: '/dev/ttyUSB0' });
    // the same card after a replug is a new tap
    mock.send('/dev/ttyUSB0', 'Em-Marine[5500] 126,58404\r\n');
    await rec.until(() => rec.cards.length === 2, 'card after replug');
    expect(rec.states.map((s) => s.connected)).toEqual(expect.arrayContaining([true, false, true]));
  });

  it('a configured path that is missing is a state with a Russian reason, then connects when it appears', async () => {
    mock.unplug('/dev/ttyUSB0');
    reader = new SerialReader({ path: '/dev/ttyACM3', driver: mock.driver, pollMs: 20 });
    const rec = recorder(reader);
    await reader.start();
    expect(reader.state.connected).toBe(false);
    expect(reader.state.lastError).toMatch(/ttyACM3/);
    mock.plug('/dev/ttyACM3', { vendorId: '1a86', productId: '7523' });  // any serial reader on a fixed path
    await rec.until(() => reader!.state.connected, 'connected');
    mock.send('/dev/ttyACM3', '0008316964\r\n');
    await rec.until(() => rec.cards.length === 1, 'card');
    expect(rec.cards[0]!.cardId).toBe('DEC:0008316964');
  });

  it('close() stops polling and closes the port', async () => {
    mock.plug('/dev/ttyUSB5');
    reader = new SerialReader({ path: '/dev/ttyUSB5', driver: mock.driver, pollMs: 20 });
    await reader.start();
    expect(mock.isOpen('/dev/ttyUSB5')).toBe(true);
    await reader.close();
    expect(mock.isOpen('/dev/ttyUSB5')).toBe(false);
    expect(reader.state.connected).toBe(false);
  });
});

describe('a missing native driver is a state, not a crash', () => {
  it('reports the driver error and gives up quietly', async () => {
    const reader = new SerialReader({
      path: 'auto', pollMs: 20,
      driver: { list: async () => { throw new Error('spawn udevadm ENOENT'); }, open: async () => { throw new Error('unreachable'); } },
    });
    await reader.start();
    expect(reader.state.connected).toBe(false);
    expect(reader.state.lastError).toMatch(/Не удалось получить список портов: spawn udevadm ENOENT/);
    await reader.close();
  });
});

const hasSocat = existsSync('/usr/bin/socat');

describe.skipIf(!hasSocat)('real serial round trip over a socat PTY pair', () => {
  let dir: string;
  let socat: ChildProcess | undefined;
  let readerEnd: string;
  let hostEnd: string;

  const startSocat = async () => {
    socat = spawn('/usr/bin/socat', [`pty,raw,echo=0,link=${readerEnd}`, `pty,raw,echo=0,link=${hostEnd}`], { stdio: 'ignore' });
    for (let i = 0; i < 200 && !(existsSync(readerEnd) && existsSync(hostEnd)); i++) await new Promise((r) => setTimeout(r, 10));
    if (!existsSync(hostEnd)) throw new Error('socat did not create the PTY pair');
  };
  const stopSocat = async () => {
    const p = socat;
    socat = undefined;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => { p.once('exit', () => resolve()); p.kill('SIGTERM'); });
  };
  /** What the Z-2 sends, written into the far end of the PTY pair. */
  const sendFromReader = (bytes: string | Buffer) => {
    const fd = openSync(hostEnd, 'w');
    try { writeSync(fd, typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes); } finally { closeSync(fd); }
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'canteen-pty-'));
    readerEnd = path.join(dir, 'z2');
    hostEnd = path.join(dir, 'host');
    await startSocat();
  });
  afterAll(async () => { await stopSocat(); rmSync(dir, { recursive: true, force: true }); });

  it('reads cards through the real serialport binding, and reconnects when the port comes back', async () => {
    const reader = await createReader({ reader: readerEnd, pollMs: 50 });
    const rec = recorder(reader);
    await reader.start();
    try {
      expect(reader.state).toMatchObject({ connected: true, port: readerEnd });
      sendFromReader('Em-Mar');
      sendFromReader('ine[5500] 126,58404\r\nEm-Marine[5500] 126,58404\r\nNo card\r\n');
      sendFromReader('Em-Marine[55 garbage\r\nMifare[BCD14264] 1K (0004,08) 066,53692\r\n');
      await rec.until(() => rec.cards.length >= 2 && rec.errors.length >= 1, 'two cards and an error');
      expect(rec.cards.map((c) => c.cardId)).toEqual(['EM:55007EE424', 'MF:BCD14264']);
      expect(rec.errors.map((e) => e.raw)).toEqual(['Em-Marine[55 garbage']);

      // The PTY vanishes like an unplugged USB adapter…
      await stopSocat();
      await rec.until(() => !reader.state.connected, 'disconnected');
      // …and comes back.
      await startSocat();
      await rec.until(() => reader.state.connected, 'reconnected');
      sendFromReader('Em-Marine[5500] 126,58404\r\n');
      await rec.until(() => rec.cards.length === 3, 'card after reconnect');
      expect(rec.cards[2]!.cardId).toBe('EM:55007EE424');
    } finally {
      await reader.close();
    }
  });
});
